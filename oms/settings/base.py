"""Settings read from the environment; the defaults give the zero-setup demo (SQLite, in-process tasks).

Production sets DJANGO_DEBUG=0, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL, REDIS_URL and EMAIL_HOST.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("OMS_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)


def _secret_key() -> str:
    key = os.environ.get("DJANGO_SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for a local demo).")
    # Local demo only: a random key kept outside the repository, made on first start.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # django-unfold dresses the admin: it must come before django.contrib.admin (its templates win).
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "unfold.contrib.inlines",
    "unfold.contrib.simple_history",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_fsm",
    "simple_history",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "oms",
    "notifications",
    "catalog",
    "orders",
    "fulfillment",
    "invoicing",
    "returns",
    "reports",
    "storefront",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "oms.middleware.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "oms.config_cache.ConfigScopeMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: it turns a lockout into the login page
]

# Login throttling (django-axes): its backend comes first and refuses a locked-out account+IP before any
# password is checked; OMS's login forms turn that refusal into a clear message (oms/login_throttle.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "oms.urls"
WSGI_APPLICATION = "oms.wsgi.application"
AUTH_USER_MODEL = "oms.User"
LOGIN_URL = "storefront:login"
LOGIN_REDIRECT_URL = "storefront:order_list"
LOGOUT_REDIRECT_URL = "storefront:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "oms.context_processors.shop",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side prepared statements (psycopg prepares a statement after it ran this many times on one
    # connection). Empty or "off": none, as with PgBouncer in transaction mode before 1.21.
    # They need server-side parameter binding: Django binds on the client side by default.
    _prepare = os.environ.get("OMS_DB_PREPARE_THRESHOLD", "").strip().lower()
    if _prepare not in ("", "off", "none"):
        DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": int(_prepare)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent web and worker threads on the demo database wait for the lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))

# --- E-mail: SMTP when EMAIL_HOST is set, files under var/mail otherwise.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "shop@example.com")

# --- Celery: a real broker when REDIS_URL is set; in-process tasks otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "")
# The shared cache (oms/config_cache.py: shop settings, webhook endpoints) lives in the same Redis, so every
# web process and worker sees a change; without Redis (the demo: one process) it is process-local.
CACHES = {
    "default": (
        {"BACKEND": "oms.cache.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
OMS_CONFIG_CACHE_SECONDS = int(os.environ.get("OMS_CONFIG_CACHE_SECONDS", "300"))
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "expire-unpaid-reservations": {
        "task": "orders.tasks.reservations_expire_task",
        "schedule": 300.0,
    },
    # Low-stock alerts whose after-commit e-mail was not queued (orders.services.stock_alerts).
    "notify-low-stock": {
        "task": "orders.tasks.stock_alerts_notify_task",
        "schedule": 300.0,
    },
    "release-due-ship-later-holds": {
        "task": "fulfillment.tasks.holds_release_due_task",
        "schedule": 3600.0,
    },
}

# --- Outbox (notifications): retries with exponential backoff, then failed; a sweeper re-sends the rest.
OMS_OUTBOX_MAX_TRIES = int(os.environ.get("OMS_OUTBOX_MAX_TRIES", "6"))
OMS_OUTBOX_BACKOFF_SECONDS = float(os.environ.get("OMS_OUTBOX_BACKOFF_SECONDS", "30"))  # 30 s, 1, 2, 4, 8 min
OMS_OUTBOX_LEASE_SECONDS = float(os.environ.get("OMS_OUTBOX_LEASE_SECONDS", "300"))  # a worker's hold on a row
OMS_OUTBOX_SWEEP_GRACE_SECONDS = float(os.environ.get("OMS_OUTBOX_SWEEP_GRACE_SECONDS", "60"))
OMS_OUTBOX_SWEEP_INTERVAL_SECONDS = 60.0
OMS_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("OMS_WEBHOOK_TIMEOUT_SECONDS", "10"))
OMS_SITE_URL = os.environ.get("OMS_SITE_URL", "http://127.0.0.1:8000").rstrip("/")  # links in e-mails

# --- Payments (invoicing.providers): the provider classes, the one the pay link uses, their options.
# A real provider's keys come from the environment here (e.g. {"stripe": {"api_key": os.environ[...]}}),
# never from the code. Pay links stay valid this many days after they were made.
OMS_PAYMENT_PROVIDERS = env_list("OMS_PAYMENT_PROVIDERS", "invoicing.providers.local.LocalProvider")
OMS_PAYMENT_PROVIDER = os.environ.get("OMS_PAYMENT_PROVIDER", "local")
OMS_PAYMENT_PROVIDER_OPTIONS: dict[str, dict] = {}
OMS_PAYLINK_MAX_AGE_DAYS = int(os.environ.get("OMS_PAYLINK_MAX_AGE_DAYS", "180"))
# Refunds (returns app): the day's batch is made by a minute tick that reads the batch time from the shop
# settings (so changing the time in the admin needs no schedule row), and lost sends are queued again.
CELERY_BEAT_SCHEDULE["refunds-batch-due"] = {"task": "returns.tasks.refund_batch_due_task", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["refunds-sweep"] = {"task": "returns.tasks.refunds_sweep_task", "schedule": 300.0}
CELERY_BEAT_SCHEDULE["refunds-due-sweep"] = {"task": "returns.tasks.refunds_due_sweep_task", "schedule": 900.0}
# The local payment provider's refund options (tests and the refund benchmark set them; see providers/local.py).
OMS_PAYMENT_PROVIDER_OPTIONS["local"] = {
    "refund_latency_ms": float(os.environ.get("OMS_LOCAL_REFUND_LATENCY_MS", "0")),
    "refund_rate_per_second": float(os.environ.get("OMS_LOCAL_REFUND_RATE", "0")),
    "refund_timeout_after_take": env_bool("OMS_LOCAL_REFUND_TIMEOUT_AFTER_TAKE", False),
}
# The orders report's daily roll-up: fold the changes the order triggers appended into it (reports/rollups.py).
CELERY_BEAT_SCHEDULE["reports-compact-order-days"] = {"task": "reports.tasks.order_days_compact_task", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["notifications-outbox-sweep"] = {
    "task": "notifications.tasks.outbox_sweep_task",
    "schedule": OMS_OUTBOX_SWEEP_INTERVAL_SECONDS,
}

# --- Security: strict whenever DEBUG is off (manage.py check --deploy stays clean).
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# --- Login throttling: 5 failures for one account from one IP lock that pair for 15 minutes; a success
# clears the count. Behind a proxy set AXES_IPWARE_PROXY_COUNT (from the environment) to trust its header.
AXES_FAILURE_LIMIT = int(os.environ.get("OMS_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("OMS_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "oms.login_throttle.username_from"
AXES_LOCKOUT_CALLABLE = "oms.login_throttle.lockout_response"
AXES_RESET_ON_SUCCESS = True
if os.environ.get("AXES_IPWARE_PROXY_COUNT"):
    AXES_IPWARE_PROXY_COUNT = int(os.environ["AXES_IPWARE_PROXY_COUNT"])

# --- The admin's look (django-unfold 0.91). The sidebar is built per request from oms.navigation, where each
# app's admin registers its entries under a group; a group shows only when the user may open one of them.
UNFOLD = {
    "SITE_TITLE": "OMS",
    "SITE_HEADER": "OMS order desk",
    "SITE_SUBHEADER": "Back office",
    "SITE_SYMBOL": "storefront",
    "SITE_URL": "/",
    "SHOW_HISTORY": False,  # the order's History tab and simple-history's own pages show what changed
    "SHOW_VIEW_ON_SITE": False,
    "BORDER_RADIUS": "6px",
    "COLORS": {
        "primary": {
            "50": "oklch(97.0% .014 254.604)",
            "100": "oklch(93.2% .032 255.585)",
            "200": "oklch(88.2% .059 254.128)",
            "300": "oklch(80.9% .105 251.813)",
            "400": "oklch(70.7% .165 254.624)",
            "500": "oklch(62.3% .214 259.815)",
            "600": "oklch(54.6% .245 262.881)",
            "700": "oklch(48.8% .243 264.376)",
            "800": "oklch(42.4% .199 265.638)",
            "900": "oklch(37.9% .146 265.522)",
            "950": "oklch(28.2% .091 267.935)",
        },
    },
    "STYLES": [lambda request: static("oms/admin.css")],
    "DASHBOARD_CALLBACK": "reports.dashboard.dashboard_callback",  # the admin home's figures
    "SIDEBAR": {
        "show_search": False,
        "show_all_applications": False,
        "navigation": "oms.navigation.sidebar",
    },
}

# --- OMS
# Channel API tokens are compared as SHA-256 digests; the plain token is shown once when issued.
OMS_API_MAX_LINES = 500
OMS_API_MAX_BODY_BYTES = 1_000_000  # a larger import body answers 413 before it is read
# How long an import waits for a row lock (PostgreSQL lock_timeout) before it gives up, retries once and then
# answers 503 with Retry-After: a channel retries later instead of holding a web worker behind a long lock.
OMS_API_LOCK_TIMEOUT_MS = int(os.environ.get("OMS_API_LOCK_TIMEOUT_MS", "5000"))
