from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from oms.bounds import (
    MULTI_LINE_TEXT,
    SINGLE_LINE_TEXT,
    STOCK_LEVEL_MAX,
    TAX_RATE_MAX,
    TAX_RATE_VALIDATORS,
    UNIT_PRICE_MAX,
    UNIT_PRICE_VALIDATORS,
)


class TaxRate(models.Model):
    name = models.CharField(max_length=60, unique=True, validators=SINGLE_LINE_TEXT)
    rate = models.DecimalField(
        max_digits=5, decimal_places=2, validators=TAX_RATE_VALIDATORS, help_text="Percent, 0 to 100, e.g. 21.00"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-rate"]
        constraints = [
            models.CheckConstraint(condition=Q(rate__gte=0), name="tax_rate_not_negative"),
            models.CheckConstraint(condition=Q(rate__lte=TAX_RATE_MAX), name="tax_rate_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.rate}%)"


class Product(models.Model):
    sku = models.CharField("SKU", max_length=64, unique=True, validators=SINGLE_LINE_TEXT)
    name = models.CharField(max_length=200, validators=SINGLE_LINE_TEXT)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, validators=UNIT_PRICE_VALIDATORS)
    tax_rate = models.ForeignKey(TaxRate, on_delete=models.PROTECT, related_name="products")
    weight = models.DecimalField(max_digits=9, decimal_places=3, default=Decimal("0"), help_text="kg")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="product_price_not_negative"),
            models.CheckConstraint(condition=Q(unit_price__lte=UNIT_PRICE_MAX), name="product_price_bounded"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} · {self.name}"


class StockLocation(models.Model):
    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", "Warehouse"
        STORE = "store", "Store"

    code = models.SlugField(max_length=32, unique=True, validators=SINGLE_LINE_TEXT)
    name = models.CharField(max_length=120, validators=SINGLE_LINE_TEXT)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.WAREHOUSE)
    priority = models.PositiveIntegerField(default=100, help_text="Lower numbers are allocated first.")
    allocate_automatically = models.BooleanField(
        default=True, help_text="Off for a location (say a shop counter) that automatic allocation must skip."
    )
    address = models.TextField(blank=True, validators=MULTI_LINE_TEXT)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "code"]

    def __str__(self) -> str:
        return self.name


class StockLevel(models.Model):
    """Counters per product and location. Only catalog.services changes them, always with a movement."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock_levels")
    location = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.IntegerField(default=0)
    allocated = models.IntegerField(default=0)
    quarantined = models.IntegerField(default=0)
    reorder_point = models.IntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(STOCK_LEVEL_MAX)]
    )
    bin_location = models.CharField(
        max_length=32, blank=True, validators=SINGLE_LINE_TEXT, help_text="Shelf or bin, printed on pick lists."
    )
    # True while the level has an open StockAlert. The primitives read it from the level they already hold
    # locked, so a change that neither crosses the reorder point nor clears an alert costs no extra query.
    low_stock_alerted = models.BooleanField(default=False, editable=False)
    # No row history: every change of a level is a StockMovement (the ledger), which says more.

    class Meta:
        ordering = ["product__sku", "location__priority"]
        constraints = [
            models.UniqueConstraint(fields=["product", "location"], name="stock_level_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(allocated__gte=0), name="stock_allocated_not_negative"),
            models.CheckConstraint(condition=Q(quarantined__gte=0), name="stock_quarantined_not_negative"),
            models.CheckConstraint(condition=Q(reorder_point__gte=0), name="stock_reorder_point_not_negative"),
            models.CheckConstraint(condition=Q(on_hand__lte=STOCK_LEVEL_MAX), name="stock_on_hand_bounded"),
            models.CheckConstraint(condition=Q(reorder_point__lte=STOCK_LEVEL_MAX), name="stock_reorder_point_bounded"),
            models.CheckConstraint(
                condition=Q(on_hand__gte=F("allocated") + F("quarantined")), name="stock_sellable_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.sku} @ {self.location.code}"

    @property
    def sellable(self) -> int:
        return self.on_hand - self.allocated - self.quarantined

    @property
    def is_low(self) -> bool:
        return self.sellable < self.reorder_point


class LowStockLevel(StockLevel):
    """Admin view of the levels whose sellable quantity fell below their reorder point."""

    class Meta:
        proxy = True
        verbose_name = "low-stock level"


class StockMovement(models.Model):
    """Append-only ledger: each level's counters equal the sums of its movements' deltas."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Receipt"
        ALLOCATION = "allocation", "Allocation"
        RELEASE = "release", "Release"
        SHIPMENT = "shipment", "Shipment"
        RETURN = "return", "Return"
        QUARANTINE = "quarantine", "Quarantine"
        ADJUSTMENT = "adjustment", "Adjustment"

    level = models.ForeignKey(StockLevel, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    on_hand_delta = models.IntegerField(default=0)
    allocated_delta = models.IntegerField(default=0)
    quarantined_delta = models.IntegerField(default=0)
    reason = models.CharField(max_length=200, blank=True, validators=SINGLE_LINE_TEXT)
    reference = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="e.g. an order number", validators=SINGLE_LINE_TEXT
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The ledger list pages by key on (created_at, id) (oms/admin_lists.py).
        indexes = [models.Index(fields=["created_at", "id"], name="stock_movement_list_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.level_id}"


class StockAlert(models.Model):
    """A level's sellable stock fell below its reorder point: raised once when it falls (catalog.services),
    open until sellable stock is back at or above the point (received, released, adjusted), then cleared.
    A new fall raises a new alert. `notified_at` is set when the shop was told (orders.services.stock_alerts
    queues the e-mail through the outbox)."""

    level = models.ForeignKey(StockLevel, on_delete=models.PROTECT, related_name="alerts")
    sellable = models.IntegerField(help_text="Sellable units when the alert was raised.")
    reorder_point = models.IntegerField(help_text="The level's reorder point when the alert was raised.")
    raised_at = models.DateTimeField(default=timezone.now, db_index=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True, help_text="When the low-stock e-mail was queued.")

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = "low-stock alert"
        constraints = [
            models.UniqueConstraint(
                fields=["level"], condition=Q(cleared_at__isnull=True), name="stock_alert_one_open_per_level"
            ),
        ]
        indexes = [
            models.Index(fields=["raised_at", "id"], condition=Q(cleared_at__isnull=True), name="stock_alert_open_idx"),
            models.Index(fields=["id"], condition=Q(notified_at__isnull=True), name="stock_alert_unnotified_idx"),
        ]

    def __str__(self) -> str:
        return f"Low stock: {self.level_id}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None
