import hashlib
from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Lower, Trim
from django.utils import timezone
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from catalog.models import Product, StockLocation
from oms.bounds import (
    LINE_DISCOUNT_VALIDATORS,
    LINE_TOTAL_MAX,
    MULTI_LINE_TEXT,
    ORDER_DISCOUNT_VALIDATORS,
    ORDER_TOTAL_MAX,
    QUANTITY_MAX,
    QUANTITY_VALIDATORS,
    SHIPPING_FEE_MAX,
    SHIPPING_FEE_VALIDATORS,
    SINGLE_LINE_TEXT,
    TAX_RATE_MAX,
    TAX_RATE_VALIDATORS,
    UNIT_PRICE_MAX,
    UNIT_PRICE_VALIDATORS,
)

ZERO = Decimal("0.00")


def money_field(**kwargs) -> models.DecimalField:
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)


class PaymentTerms(models.TextChoices):
    IMMEDIATE = "immediate", "Immediate"
    NET_14 = "net_14", "Net 14 days"
    NET_30 = "net_30", "Net 30 days"
    NET_60 = "net_60", "Net 60 days"


class SplitReason(models.TextChoices):
    BACKORDER = "backorder", "Backorder (waiting for stock)"
    OTHER_WAREHOUSE = "other_warehouse", "Ships from another warehouse"
    SHIP_LATER = "ship_later", "Ships later (customer's request)"
    OTHER = "other", "Other"


class Channel(models.Model):
    """A sales channel. Channels that import orders through the API carry a hashed token."""

    code = models.SlugField(max_length=32, unique=True, validators=SINGLE_LINE_TEXT)
    name = models.CharField(max_length=80, validators=SINGLE_LINE_TEXT)
    api_token_digest = models.CharField(max_length=64, blank=True, editable=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def digest(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


def customer_email_key(email) -> models.Func:
    """The normalised form of an e-mail address (trimmed, lower-case) that makes a customer unique."""
    return Lower(Trim(email))


class CustomerQuerySet(models.QuerySet):
    def with_email(self, email: str) -> "CustomerQuerySet":
        """The customer with this e-mail address in any case or padding, through the unique index's expression."""
        return self.alias(email_key=customer_email_key("email")).filter(email_key=customer_email_key(Value(email)))


class Customer(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="customer"
    )
    name = models.CharField(max_length=150, validators=SINGLE_LINE_TEXT)
    company = models.CharField(max_length=150, blank=True, validators=SINGLE_LINE_TEXT)
    email = models.EmailField(
        help_text="One customer per address (case and spaces ignored).", validators=SINGLE_LINE_TEXT
    )
    phone = models.CharField(max_length=40, blank=True, validators=SINGLE_LINE_TEXT)
    is_wholesale = models.BooleanField(default=False)
    payment_terms = models.CharField(max_length=16, choices=PaymentTerms.choices, default=PaymentTerms.IMMEDIATE)
    notes = models.TextField(blank=True, validators=MULTI_LINE_TEXT)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["created_at"])

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        permissions = [("invite_customer", "Can send a customer the account invitation e-mail")]
        constraints = [
            models.UniqueConstraint(
                customer_email_key("email"),
                name="customer_email_normalised_unique",
                violation_error_message="A customer with this e-mail address already exists.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.company})" if self.company else self.name


class Address(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    name = models.CharField(max_length=150, validators=SINGLE_LINE_TEXT)
    company = models.CharField(max_length=150, blank=True, validators=SINGLE_LINE_TEXT)
    street = models.CharField(max_length=200, validators=SINGLE_LINE_TEXT)
    postal_code = models.CharField(max_length=20, validators=SINGLE_LINE_TEXT)
    city = models.CharField(max_length=100, validators=SINGLE_LINE_TEXT)
    country = models.CharField(max_length=2, default="NL", help_text="ISO 3166 code", validators=SINGLE_LINE_TEXT)
    is_default_billing = models.BooleanField(default=False)
    is_default_shipping = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return f"{self.name}, {self.street}, {self.postal_code} {self.city}, {self.country}"


ADDRESS_PARTS = ("name", "company", "street", "postal_code", "city", "country")


class Order(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PLACED = "placed", "Placed"
        CANCELED = "canceled", "Cancelled"

    class PaymentStatus(models.TextChoices):
        UNPAID = "unpaid", "Unpaid"
        PARTIALLY_PAID = "partially_paid", "Partially paid"
        PAID = "paid", "Paid"
        REFUND_DUE = "refund_due", "Refund due"

    class FulfillmentStatus(models.TextChoices):
        UNFULFILLED = "unfulfilled", "Unfulfilled"
        PARTIALLY_FULFILLED = "partially_fulfilled", "Partially shipped"
        FULFILLED = "fulfilled", "Shipped"

    number = models.CharField(max_length=32, unique=True, null=True, blank=True, editable=False)
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="orders")
    external_reference = models.CharField(max_length=100, blank=True, validators=SINGLE_LINE_TEXT)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", editable=False
    )
    root = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="family",
        editable=False,
        help_text="The first order of a split family (null on the original itself).",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    split_reason = models.CharField(max_length=20, choices=SplitReason.choices, blank=True, editable=False)
    family_expected_total = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
        help_text="On a split family's root: the family total before its first split, plus the edits since.",
    )

    billing_name = models.CharField(max_length=150, blank=True, validators=SINGLE_LINE_TEXT)
    billing_company = models.CharField(max_length=150, blank=True, validators=SINGLE_LINE_TEXT)
    billing_street = models.CharField(max_length=200, blank=True, validators=SINGLE_LINE_TEXT)
    billing_postal_code = models.CharField(max_length=20, blank=True, validators=SINGLE_LINE_TEXT)
    billing_city = models.CharField(max_length=100, blank=True, validators=SINGLE_LINE_TEXT)
    billing_country = models.CharField(max_length=2, blank=True, validators=SINGLE_LINE_TEXT)
    shipping_name = models.CharField(max_length=150, blank=True, validators=SINGLE_LINE_TEXT)
    shipping_company = models.CharField(max_length=150, blank=True, validators=SINGLE_LINE_TEXT)
    shipping_street = models.CharField(max_length=200, blank=True, validators=SINGLE_LINE_TEXT)
    shipping_postal_code = models.CharField(max_length=20, blank=True, validators=SINGLE_LINE_TEXT)
    shipping_city = models.CharField(max_length=100, blank=True, validators=SINGLE_LINE_TEXT)
    shipping_country = models.CharField(max_length=2, blank=True, validators=SINGLE_LINE_TEXT)

    currency = models.CharField(max_length=3, editable=False)
    prices_include_tax = models.BooleanField(default=True, editable=False)
    payment_terms = models.CharField(max_length=16, choices=PaymentTerms.choices, default=PaymentTerms.IMMEDIATE)
    shipping_fee = money_field(validators=SHIPPING_FEE_VALIDATORS, help_text="On the same basis as prices.")
    shipping_tax_rate = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("21.00"), validators=TAX_RATE_VALIDATORS
    )
    discount_amount = money_field(
        validators=ORDER_DISCOUNT_VALIDATORS, help_text="Order discount, shared over the lines by value."
    )

    shipping_net = money_field(editable=False)
    shipping_tax = money_field(editable=False)
    shipping_gross = money_field(editable=False)
    lines_gross = money_field(editable=False)
    discount_total = money_field(editable=False)
    total_net = money_field(editable=False)
    total_tax = money_field(editable=False)
    total_gross = money_field(editable=False)
    amount_paid = money_field(editable=False)
    # Issued credit invoices for this order's lines (invoicing tells orders through `order_credit_record`):
    # the customer owes that much less, so money held beyond it is owed back until a refund settles it.
    amount_credited = money_field(editable=False)

    status = FSMField(choices=Status.choices, default=Status.DRAFT, protected=True, db_index=True)
    payment_status = FSMField(
        choices=PaymentStatus.choices, default=PaymentStatus.UNPAID, protected=True, db_index=True
    )
    fulfillment_status = FSMField(
        choices=FulfillmentStatus.choices, default=FulfillmentStatus.UNFULFILLED, protected=True, db_index=True
    )

    memo = models.TextField(
        blank=True, help_text="Note from the customer or channel, shown on documents.", validators=MULTI_LINE_TEXT
    )
    cancel_reason = models.CharField(max_length=200, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    placed_at = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)
    paid_at = models.DateTimeField(null=True, blank=True, editable=False)
    canceled_at = models.DateTimeField(null=True, blank=True, editable=False)
    reservation_expires_at = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        # The staff list pages by key on (created_at, id): one index for all orders, one partial index per
        # status tab with the tab's own condition (orders/selectors/staff.py ORDER_TABS; a test holds
        # the two together), and one per customer for the storefront's list. PostgreSQL-only search
        # indexes (trigram, prefix) are made by migration 0003.
        indexes = [
            models.Index(fields=["created_at", "id"], name="order_list_idx"),
            models.Index(fields=["customer", "created_at", "id"], name="order_customer_list_idx"),
            models.Index(fields=["created_at", "id"], condition=Q(status="draft"), name="order_tab_draft_idx"),
            models.Index(
                fields=["created_at", "id"],
                condition=Q(status="placed", payment_status__in=["unpaid", "partially_paid"]),
                name="order_tab_awaiting_pay_idx",
            ),
            models.Index(
                fields=["created_at", "id"],
                condition=Q(status="placed", fulfillment_status="unfulfilled")
                & (Q(payment_status__in=["paid", "refund_due"]) | ~Q(payment_terms="immediate")),
                name="order_tab_awaiting_ful_idx",
            ),
            models.Index(
                fields=["created_at", "id"],
                condition=Q(status="placed", fulfillment_status="partially_fulfilled"),
                name="order_tab_part_shipped_idx",
            ),
            models.Index(
                fields=["created_at", "id"],
                condition=Q(status="placed", fulfillment_status="fulfilled"),
                name="order_tab_shipped_idx",
            ),
            models.Index(
                fields=["created_at", "id"], condition=Q(payment_status="refund_due"), name="order_tab_refund_due_idx"
            ),
            models.Index(fields=["created_at", "id"], condition=Q(status="canceled"), name="order_tab_cancelled_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_reference"],
                condition=~Q(external_reference=""),
                name="order_channel_external_reference_unique",
            ),
            models.CheckConstraint(condition=Q(total_gross__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(condition=Q(shipping_fee__gte=0), name="order_shipping_fee_not_negative"),
            models.CheckConstraint(condition=Q(discount_amount__gte=0), name="order_discount_not_negative"),
            # The bounds of oms.bounds, held by the database too (SQLite stores any number in a decimal column).
            models.CheckConstraint(condition=Q(total_gross__lte=ORDER_TOTAL_MAX), name="order_total_bounded"),
            models.CheckConstraint(condition=Q(shipping_fee__lte=SHIPPING_FEE_MAX), name="order_shipping_fee_bounded"),
            models.CheckConstraint(condition=Q(discount_amount__lte=ORDER_TOTAL_MAX), name="order_discount_bounded"),
            models.CheckConstraint(
                condition=Q(shipping_tax_rate__gte=0, shipping_tax_rate__lte=TAX_RATE_MAX),
                name="order_shipping_tax_rate_bounded",
            ),
        ]
        permissions = [
            ("place_order", "Can place orders"),
            ("cancel_order", "Can cancel orders and lines"),
            ("edit_order", "Can edit placed orders"),
            ("split_order", "Can split orders"),
            ("record_payment", "Can record payments"),
            ("add_memo", "Can add internal memos"),
            ("email_customer", "Can e-mail customers"),
        ]

    def __str__(self) -> str:
        return f"Order {self.number or '(new)'}"

    @property
    def amount_needed(self) -> Decimal:
        """What the customer owes for the order in all: its total less what credit invoices took off it."""
        return max(self.total_gross - self.amount_credited, ZERO)

    @property
    def balance_due(self) -> Decimal:
        """Positive: the customer still owes this; negative: owed to the customer."""
        return self.amount_needed - self.amount_paid

    @property
    def refund_due(self) -> Decimal:
        """What the order holds beyond what it needs (cancelled, reduced or credited): owed back until refunded."""
        return max(self.amount_paid - self.amount_needed, ZERO)

    def billing_address(self) -> dict:
        return {part: getattr(self, f"billing_{part}") for part in ADDRESS_PARTS}

    def shipping_address(self) -> dict:
        return {part: getattr(self, f"shipping_{part}") for part in ADDRESS_PARTS}

    # --- transitions: state only; services own locks, stock, events and messages.
    @transition(field=status, source=Status.DRAFT, target=Status.PLACED)
    def place(self) -> None:
        self.placed_at = timezone.now()

    place.alters_data = True

    @transition(field=status, source=[Status.DRAFT, Status.PLACED], target=Status.CANCELED)
    def cancel(self, reason: str = "") -> None:
        self.canceled_at = timezone.now()
        self.cancel_reason = reason[:200]

    cancel.alters_data = True

    @transition(field=payment_status, source="*", target=RETURN_VALUE(*PaymentStatus.values))
    def set_payment_status(self, status: str) -> str:
        if status in (self.PaymentStatus.PAID, self.PaymentStatus.REFUND_DUE) and self.paid_at is None:
            self.paid_at = timezone.now()
        return status

    set_payment_status.alters_data = True

    @transition(field=fulfillment_status, source="*", target=RETURN_VALUE(*FulfillmentStatus.values))
    def set_fulfillment_status(self, status: str) -> str:
        return status

    set_fulfillment_status.alters_data = True


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey(
        Product,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for a custom item.",
    )
    sku = models.CharField(max_length=64, blank=True, validators=SINGLE_LINE_TEXT)
    name = models.CharField(max_length=200, validators=SINGLE_LINE_TEXT)
    quantity = models.PositiveIntegerField(validators=QUANTITY_VALIDATORS)
    quantity_canceled = models.PositiveIntegerField(default=0)
    quantity_shipped = models.PositiveIntegerField(default=0)
    unit_price = money_field(validators=UNIT_PRICE_VALIDATORS)
    discount_amount = money_field(validators=LINE_DISCOUNT_VALIDATORS, help_text="Line discount (whole line).")
    order_discount_share = money_field(editable=False)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, validators=TAX_RATE_VALIDATORS)
    net = money_field(editable=False)
    tax = money_field(editable=False)
    gross = money_field(editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=F("quantity_canceled") + F("quantity_shipped")),
                name="line_quantities_consistent",
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="line_price_not_negative"),
            models.CheckConstraint(condition=Q(gross__gte=0), name="line_gross_not_negative"),
            models.CheckConstraint(condition=Q(quantity__lte=QUANTITY_MAX), name="line_quantity_bounded"),
            models.CheckConstraint(condition=Q(unit_price__lte=UNIT_PRICE_MAX), name="line_price_bounded"),
            models.CheckConstraint(
                condition=Q(discount_amount__gte=0, discount_amount__lte=LINE_TOTAL_MAX), name="line_discount_bounded"
            ),
            models.CheckConstraint(condition=Q(gross__lte=LINE_TOTAL_MAX), name="line_gross_bounded"),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lte=TAX_RATE_MAX), name="line_tax_rate_bounded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name}"

    @property
    def is_custom(self) -> bool:
        return self.product_id is None

    @property
    def quantity_active(self) -> int:
        return self.quantity - self.quantity_canceled

    @property
    def is_removed(self) -> bool:
        """Every unit cancelled: an edit removed the line, or all of it was cancelled. It stays on the order."""
        return self.quantity_active == 0

    @property
    def quantity_open(self) -> int:
        """Units still to ship: these are the units reserved in allocations."""
        return self.quantity - self.quantity_canceled - self.quantity_shipped


class Allocation(models.Model):
    """Units of one order line reserved at one location (reserved and not yet shipped)."""

    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="allocations")
    location = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="allocations")
    quantity = models.PositiveIntegerField()
    # No row history: each change is an allocated/released event of the order and a ledger movement.

    class Meta:
        constraints = [models.UniqueConstraint(fields=["line", "location"], name="allocation_unique")]
        permissions = [("move_allocation", "Can move reserved units to another stock location")]

    def __str__(self) -> str:
        return f"{self.quantity} × line {self.line_id} @ {self.location_id}"


class ChannelImport(models.Model):
    """An order imported through the API: the channel's idempotency key (its external id) and the request.

    Only these orders answer a repeated import; a draft typed with the same reference is not one of them.
    `body_sha256` is the hash of the canonical request body, so a repeat with another body is refused.
    """

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="imports")
    external_id = models.CharField(max_length=100)
    order = models.OneToOneField("Order", on_delete=models.PROTECT, related_name="channel_import")
    body_sha256 = models.CharField(
        max_length=64, blank=True, help_text="Empty for orders imported before request hashes were kept."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "external_id"], name="channel_import_unique")]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.external_id}"


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CARD = "card", "Card"
    CASH = "cash", "Cash"
    OTHER = "other", "Other"


class OrderPayment(models.Model):
    """Money received for an order, as signed rows whose sum is the order's `amount_paid`.

    - payment: money received (> 0), with its date, method and reference. `idempotency_key` (the admin
      form's per-submission token, or a provider's transaction id) makes a repeated submission record
      nothing new.
    - reversal: takes back one mistaken payment (< 0, the same amount), with a reason; `reverses` is
      one-to-one, so a payment is reversed at most once. Rows are never deleted or changed.
    - transfer_in / transfer_out: a split moves paid money between the orders of one family.
    - refund: money paid back to the customer (< 0) by a refund of the returns app; its idempotency key is the
      refund's, so a refund is recorded once.
    Invoicing will add a nullable `invoice` foreign key to say which invoice a payment settles.
    """

    class Kind(models.TextChoices):
        PAYMENT = "payment", "Payment"
        REVERSAL = "reversal", "Reversal"
        TRANSFER_IN = "transfer_in", "Transferred in (split)"
        TRANSFER_OUT = "transfer_out", "Transferred out (split)"
        REFUND = "refund", "Refund"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PAYMENT)
    amount = money_field()
    paid_on = models.DateField(default=timezone.localdate, help_text="The day the money was received.")
    method = models.CharField(max_length=40, choices=PaymentMethod.choices, blank=True)
    reference = models.CharField(max_length=100, blank=True, help_text="Bank statement or provider reference.")
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal", editable=False
    )
    reason = models.CharField(max_length=200, blank=True, help_text="Why a payment was reversed.")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"], condition=~Q(idempotency_key=""), name="payment_idempotency_key_unique"
            ),
            models.CheckConstraint(
                condition=(Q(kind="payment", amount__gt=0, reverses__isnull=True))
                | (Q(kind="reversal", amount__lt=0, reverses__isnull=False))
                | Q(kind="transfer_in", amount__gt=0, reverses__isnull=True)
                | Q(kind="transfer_out", amount__lt=0, reverses__isnull=True)
                | Q(kind="refund", amount__lt=0, reverses__isnull=True),
                name="payment_sign_follows_kind",
            ),
        ]
        permissions = [("reverse_payment", "Can reverse payments")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class OrderEvent(models.Model):
    """The order's append-only timeline, written by services in the same transaction as the change."""

    class Type(models.TextChoices):
        DRAFT_CREATED = "draft_created", "Draft created"
        PLACED = "placed", "Placed"
        IMPORTED = "imported", "Imported from channel"
        ALLOCATED = "allocated", "Stock reserved"
        RELEASED = "released", "Stock released"
        EDITED = "edited", "Edited"
        SPLIT = "split", "Split"
        SPLIT_FROM = "split_from", "Split off another order"
        CANCELED = "canceled", "Cancelled"
        LINE_CANCELED = "line_canceled", "Line cancelled"
        RESERVATION_EXPIRED = "reservation_expired", "Reservation expired"
        PAYMENT_RECORDED = "payment_recorded", "Payment recorded"
        PAYMENT_REVERSED = "payment_reversed", "Payment reversed"
        SHIPPED = "shipped", "Shipped"
        INVOICED = "invoiced", "Invoiced"
        RETURNED = "returned", "Returned"
        REFUNDED = "refunded", "Refunded"
        EMAIL_SENT = "email_sent", "E-mail sent"
        EMAIL_QUEUED = "email_queued", "E-mail queued"
        WEBHOOK_DELIVERED = "webhook_delivered", "Webhook delivered"
        MEMO_ADDED = "memo_added", "Memo added"
        ADDRESS_CHANGED = "address_changed", "Address changed"
        ALLOCATION_MOVED = "allocation_moved", "Reserved stock moved"

    class Source(models.TextChoices):
        ADMIN = "admin", "Admin"
        STOREFRONT = "storefront", "Storefront"
        API = "api", "API"
        SYSTEM = "system", "System"
        BEAT = "beat", "Scheduler"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="events")
    # No `choices`: the apps above orders (fulfilment, invoicing, returns) add their own event types through
    # `orders.events.register_event_type`, without a migration of this table for each new type.
    type = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.SYSTEM)
    parameters = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.type_label} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def type_label(self) -> str:
        """The type's name for people: orders' own types, then those other apps registered."""
        from .events import event_type_label

        return event_type_label(self.type)


class StagedEdit(models.Model):
    """One staff member's uncommitted edit of an order: the changes, the version they were based on.

    Nothing here touches the order; `orders.services.edit` previews and commits it.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="staged_edits")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    base_version = models.PositiveIntegerField()
    changes = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    note = models.TextField(blank=True, help_text="Added to the customer's e-mail.", validators=MULTI_LINE_TEXT)
    notify = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "staff"], name="staged_edit_one_per_staff")]

    def __str__(self) -> str:
        return f"Staged edit of order {self.order_id} on version {self.base_version}"


class OrderMemo(models.Model):
    """Internal note; append-only and never shown to the customer."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="memos")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(validators=MULTI_LINE_TEXT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:60]
