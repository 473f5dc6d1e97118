import datetime
from decimal import Decimal

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

from .bounds import MULTI_LINE_TEXT, SINGLE_LINE_TEXT, TAX_RATE_MAX, TAX_RATE_VALIDATORS
from .config_cache import config_get, config_invalidate


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """One account model for staff and customers; the e-mail address is the login."""

    username = None
    email = models.EmailField("e-mail address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    def __str__(self) -> str:
        return self.get_full_name() or self.email


RESERVATION_EXPIRY_HOURS_MAX = 24 * 365  # a year: more is a typo, not a policy


class ShopSettings(models.Model):
    """The shop's one settings record. Later features add their settings here."""

    name = models.CharField(
        "shop name",
        max_length=120,
        default="OMS Demo Shop",
        validators=SINGLE_LINE_TEXT,
        help_text="Shown to customers in e-mails, on invoices and in the storefront.",
    )
    address = models.TextField(
        blank=True, validators=MULTI_LINE_TEXT, help_text="The shop's postal address, printed on invoices."
    )
    logo = models.ImageField(
        upload_to="shop/", blank=True, help_text="PNG or JPEG, printed at the top of invoices and packing slips."
    )
    vat_number = models.CharField(
        "VAT number",
        max_length=32,
        blank=True,
        validators=SINGLE_LINE_TEXT,
        help_text="The shop's VAT identification number, printed on invoices (e.g. NL123456789B01).",
    )
    sender_email = models.EmailField(
        "e-mail sender",
        default="shop@example.com",
        help_text="The From address of every e-mail to customers (the outbox).",
    )
    currency = models.CharField(
        max_length=3,
        default="EUR",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code, e.g. EUR.")],
        help_text="The currency of new orders (ISO 4217 code, e.g. EUR).",
    )
    prices_include_tax = models.BooleanField(
        default=True, help_text="Catalogue prices are gross (tax included) rather than net."
    )
    reservation_expiry_hours = models.PositiveIntegerField(
        default=72,
        validators=[MaxValueValidator(RESERVATION_EXPIRY_HOURS_MAX)],
        help_text="Unpaid orders release their reserved stock after this many hours (0 never).",
    )
    default_shipping_tax_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("21.00"),
        validators=TAX_RATE_VALIDATORS,
        help_text="Percent of tax on the shipping fee, 0 to 100.",
    )
    ship_only_paid_orders = models.BooleanField(
        "Ship only paid orders",
        default=False,
        help_text=(
            "On: shipments prepared for an order that is not fully paid are put on hold ('awaiting payment') "
            "automatically, and the payment that makes the order paid releases those holds. Off: shipments of "
            "unpaid orders may ship (wholesale on account)."
        ),
    )
    # Allocation rules (orders.services.allocation): which stock locations reserve an order's units.
    allocate_whole_order_first = models.BooleanField(
        "One location for the whole order first",
        default=True,
        help_text=(
            "On: reserve the whole order at one location when one has stock for all its lines (the best by "
            "priority), else take each line from one location when one has it all, and split a line over "
            "locations only when no single location can supply it. Off: strictly by location priority, line by "
            "line, filling the first location before the next. Locations set not to allocate automatically "
            "(a shop counter) and inactive ones are always skipped."
        ),
    )
    low_stock_email = models.EmailField(
        "low-stock e-mail",
        blank=True,
        help_text=(
            "Who is e-mailed when a product's sellable stock at a location falls below its reorder point (once "
            "per fall; the alert clears when stock is back). Empty: alerts show on the dashboard only."
        ),
    )

    # Refunds (returns.services.refunds): when a refund of a credit invoice is sent to the payment provider.
    class RefundMode(models.TextChoices):
        AUTOMATIC = "automatic", "Automatic: send each refund as soon as its credit invoice exists"
        BATCHED = "batched", "Batched: collect refunds into a daily batch that finance approves"
        MANUAL = "manual", "Manual: every refund waits for a finance user's approval"

    refund_mode = models.CharField(
        max_length=16,
        choices=RefundMode.choices,
        default=RefundMode.MANUAL,
        help_text=(
            "Automatic: sent at once. Batched: refunds wait for the day's batch (made at the batch time below); "
            "finance reviews it, holds what should wait and approves the rest, which sends them. Manual: each "
            "refund waits until finance approves it. Refunds by bank transfer are always a payout that finance "
            "confirms once made."
        ),
    )
    refund_batch_time = models.TimeField(
        default=datetime.time(17, 0),
        help_text="Batched mode: the time of day (shop time zone) the day's refund batch is made.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "shop settings"
        verbose_name_plural = "shop settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="shop_settings_singleton"),
            models.CheckConstraint(
                condition=models.Q(reservation_expiry_hours__lte=RESERVATION_EXPIRY_HOURS_MAX),
                name="shop_settings_expiry_bounded",
            ),
            models.CheckConstraint(
                condition=models.Q(default_shipping_tax_rate__gte=0, default_shipping_tax_rate__lte=TAX_RATE_MAX),
                name="shop_settings_shipping_tax_bounded",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        config_invalidate("shop_settings")

    @classmethod
    def load(cls) -> "ShopSettings":
        """The settings, read once per request or task (oms.config_cache). Not for a locked read-modify-write:
        use `cls.objects.select_for_update().get(pk=1)` for that."""
        return config_get("shop_settings", cls.load_uncached)

    @classmethod
    def load_uncached(cls) -> "ShopSettings":
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj
