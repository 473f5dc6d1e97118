from decimal import Decimal

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

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


class ShopSettings(models.Model):
    """The shop's one settings record. Later features add their settings here."""

    name = models.CharField(max_length=120, default="OMS Demo Shop")
    address = models.TextField(blank=True)
    logo = models.ImageField(upload_to="shop/", blank=True)
    vat_number = models.CharField(max_length=32, blank=True)
    sender_email = models.EmailField(default="shop@example.com")
    currency = models.CharField(
        max_length=3,
        default="EUR",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code, e.g. EUR.")],
    )
    prices_include_tax = models.BooleanField(
        default=True, help_text="Catalogue prices are gross (tax included) rather than net."
    )
    reservation_expiry_hours = models.PositiveIntegerField(
        default=72,
        help_text="Unpaid orders release their reserved stock after this many hours (0 never).",
    )
    default_shipping_tax_rate = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("21.00"), validators=[MinValueValidator(0)]
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
    history = HistoricalRecords()

    class Meta:
        verbose_name = "shop settings"
        verbose_name_plural = "shop settings"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="shop_settings_singleton")]

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
