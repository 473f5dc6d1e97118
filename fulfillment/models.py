"""Shipments, holds and pick lists: how an order's reserved units leave the warehouse.

An order line's reserved units at a location are `orders.Allocation` rows. A shipment takes allocated
units of one order at one location; its pick-list lines tell the warehouse what to take from which bin.
Only `fulfillment.services` changes these rows, under the order lock (`orders.services.locks`), and
every unit that leaves stock does so through a shipment (`orders.services.shipping`).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from catalog.models import Product, StockLocation
from orders.models import Order, OrderLine

MAX_PACKAGES = 99
http_url = URLValidator(schemes=["http", "https"], message="Enter an http:// or https:// address.")


class Shipment(FSMModelMixin, models.Model):
    """Units of one order sent from one location, in one or more packages."""

    class Status(models.TextChoices):
        PENDING = "pending", "Not shipped"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"
        CANCELED = "canceled", "Cancelled"

    class Handoff(models.TextChoices):
        NOT_RELEASED = "not_released", "Not released"
        RELEASED = "released", "Released to warehouse"
        RECALL_REQUESTED = "recall_requested", "Recall requested"

    number = models.CharField(max_length=40, unique=True, help_text="The order number and a sequence: 10150-S1.")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shipments")
    location = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="shipments")
    status = FSMField(choices=Status.choices, default=Status.PENDING, protected=True)
    handoff_status = FSMField(choices=Handoff.choices, default=Handoff.NOT_RELEASED, protected=True)
    carrier = models.CharField(max_length=60, blank=True)
    tracking_code = models.CharField(max_length=100, blank=True)
    tracking_url = models.URLField(max_length=500, blank=True, validators=[http_url])
    packages = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_PACKAGES)]
    )
    promised_date = models.DateField(null=True, blank=True, help_text="Ship by this date (oldest first).")
    warehouse_status = models.CharField(max_length=60, blank=True, help_text="Last status the warehouse posted.")
    cancel_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    pre_announced_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "location", "promised_date", "id"], name="shipment_queue_idx"),
            models.Index(fields=["order", "id"], name="shipment_order_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(packages__gte=1, packages__lte=MAX_PACKAGES), name="shipment_packages_in_range"
            ),
        ]
        permissions = [
            ("ship_shipment", "Can ship, deliver and cancel shipments"),
            ("hold_shipment", "Can put shipments on hold and release holds"),
            ("handoff_shipment", "Can release shipments to the warehouse and recall them"),
        ]

    def __str__(self) -> str:
        return f"Shipment {self.number}"

    # --- transitions: state only; fulfillment.services own locks, stock, events and messages.
    @transition(field=status, source=Status.PENDING, target=Status.SHIPPED)
    def ship(self) -> None:
        self.shipped_at = timezone.now()

    @transition(field=status, source=Status.SHIPPED, target=Status.DELIVERED)
    def deliver(self) -> None:
        self.delivered_at = timezone.now()

    @transition(field=status, source=[Status.PENDING, Status.SHIPPED], target=Status.CANCELED)
    def cancel(self, reason: str = "") -> None:
        self.canceled_at = timezone.now()
        self.cancel_reason = reason[:200]

    @transition(field=handoff_status, source=Handoff.NOT_RELEASED, target=Handoff.RELEASED)
    def release(self) -> None:
        self.released_at = timezone.now()

    @transition(field=handoff_status, source=Handoff.RELEASED, target=Handoff.RECALL_REQUESTED)
    def request_recall(self) -> None:
        pass

    @transition(field=handoff_status, source=Handoff.RECALL_REQUESTED, target=Handoff.NOT_RELEASED)
    def accept_recall(self) -> None:
        self.released_at = None

    @transition(field=handoff_status, source=Handoff.RECALL_REQUESTED, target=Handoff.RELEASED)
    def reject_recall(self) -> None:
        pass

    ship.alters_data = deliver.alters_data = cancel.alters_data = True
    release.alters_data = request_recall.alters_data = accept_recall.alters_data = reject_recall.alters_data = True


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["shipment", "order_line__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "order_line"], name="shipment_line_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="shipment_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × line {self.order_line_id}"


class ShipmentHold(models.Model):
    """A reason a shipment must not leave yet. Several can stand at once; released ones stay as history."""

    class Reason(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
        ADDRESS_CHECK = "address_check", "Address check"
        OUT_OF_STOCK = "out_of_stock", "Out of stock"
        SHIP_LATER = "ship_later", "Ship later"
        OTHER = "other", "Other"

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="holds")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    # Set by the shop's "ship only paid orders" rule, not by a person: the payment that makes the order paid
    # releases these, and only these (a clerk's own "awaiting payment" hold stays until a clerk releases it).
    automatic = models.BooleanField(default=False)
    note = models.CharField(max_length=200, blank=True)
    until = models.DateField(null=True, blank=True, help_text="For 'ship later': the date it may ship.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["shipment"], condition=Q(released_at__isnull=True), name="shipment_hold_active_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} on {self.shipment_id}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class PickList(FSMModelMixin, models.Model):
    """What to take from the shelves of one location, for one shipment or a wave of many."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CANCELED = "canceled", "Cancelled"

    number = models.CharField(max_length=20, unique=True)
    location = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="pick_lists")
    status = FSMField(choices=Status.choices, default=Status.OPEN, protected=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "location", "created_at"], name="pick_list_queue_idx")]
        permissions = [("pick_picklist", "Can generate pick lists and tick picked lines")]

    def __str__(self) -> str:
        return f"Pick list {self.number}"

    @transition(field=status, source=Status.OPEN, target=Status.DONE)
    def complete(self) -> None:
        self.completed_at = timezone.now()

    @transition(field=status, source=Status.OPEN, target=Status.CANCELED)
    def cancel(self) -> None:
        self.completed_at = timezone.now()

    complete.alters_data = True
    cancel.alters_data = True


class PickListLine(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PICKED = "picked", "Picked"
        SHORT = "short", "Short"

    pick_list = models.ForeignKey(PickList, on_delete=models.PROTECT, related_name="lines")
    # The shipment stays (shipments are cancelled, never deleted); its line may go: a shortage of every unit,
    # or a cancelled order line, removes the shipment line, and the pick line then reads as cancelled.
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="pick_lines")
    shipment_line = models.ForeignKey(
        ShipmentLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="pick_lines"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    bin_location = models.CharField(max_length=32, blank=True)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    quantity_picked = models.PositiveIntegerField(default=0)
    status = FSMField(choices=Status.choices, default=Status.OPEN, protected=True)

    class Meta:
        ordering = ["pick_list", "bin_location", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="pick_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_picked__lte=models.F("quantity")), name="pick_line_picked_within_quantity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id} from {self.bin_location or '-'}"

    @transition(field=status, source=Status.OPEN, target=Status.PICKED)
    def mark_picked(self) -> None:
        self.quantity_picked = self.quantity

    @transition(field=status, source=Status.OPEN, target=Status.SHORT)
    def mark_short(self, picked: int) -> None:
        self.quantity_picked = picked

    mark_picked.alters_data = True
    mark_short.alters_data = True


class WarehouseConnection(models.Model):
    """A warehouse or downstream system that posts shipment events to `POST /api/shipments/<id>/events`.

    It authenticates with its own API token, of which only the SHA-256 digest is kept (the channels' scheme:
    `orders.models.Channel.digest`). It may post only for shipments from its locations (none chosen: all).
    """

    name = models.CharField(max_length=80, unique=True)
    locations = models.ManyToManyField(
        StockLocation, blank=True, related_name="+", help_text="Shipments from these locations; none: every location."
    )
    api_token_digest = models.CharField(max_length=64, blank=True, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WarehouseEvent(models.Model):
    """One event a warehouse posted, kept so that a repeat of its `event_id` answers as the first time did.

    Only events that were applied are kept (a refused one is rolled back with its change), so a warehouse may
    post a refused event again once the refusal is resolved. `body_sha256` refuses the same id with another body.
    """

    class Type(models.TextChoices):
        TRACKING = "tracking", "Tracking"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"
        RECALL_ACCEPTED = "recall_accepted", "Recall accepted"
        RECALL_REJECTED = "recall_rejected", "Recall rejected"
        STATUS = "status", "Status"

    connection = models.ForeignKey(WarehouseConnection, on_delete=models.PROTECT, related_name="events")
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="warehouse_events")
    event_id = models.CharField(max_length=100)
    type = models.CharField(max_length=20, choices=Type.choices)
    status_text = models.CharField(max_length=60, blank=True)
    occurred_at = models.DateTimeField()
    body_sha256 = models.CharField(max_length=64)
    answer = models.JSONField(default=dict, help_text="What the API answered the first time.")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "event_id"], name="warehouse_event_unique"),
        ]
        indexes = [models.Index(fields=["shipment", "-received_at"], name="warehouse_event_shipment_idx")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.event_id} for {self.shipment_id}"
