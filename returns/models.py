"""Returns and refunds. Return requests and returns are defined here; refunds and refund batches in
`models_refunds` (imported at the end so Django finds them as this app's models).

- ReturnReason: the reasons staff manage in the admin (a sensible list comes with the data migration).
- ReturnRequest (+ lines): a customer's expected return. It never changes stock or money; processing a
  return made from it completes it.
- Return (+ lines): what staff received, per line with its disposition (restock at a location, quarantine,
  write off as damaged, missing), each through the stock ledger, and by default a credit invoice.

Transitions only check and set state; `returns.services` own locks, stock, money, events and e-mails.
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from catalog.models import StockLocation
from invoicing.models import Invoice
from oms.bounds import (
    MULTI_LINE_TEXT,
    QUANTITY_MAX,
    QUANTITY_VALIDATORS,
    RETURN_COMMENT_MAX,
    RETURN_CORRECTION_MAX,
    RETURN_CORRECTION_VALIDATORS,
    SINGLE_LINE_TEXT,
)
from orders.models import Customer, Order, OrderLine, money_field

COMMENT_VALIDATORS = [*MULTI_LINE_TEXT, MaxLengthValidator(RETURN_COMMENT_MAX)]


class ReturnReason(models.Model):
    """Why units come back. Inactive reasons stay on old returns but cannot be chosen."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100, validators=SINGLE_LINE_TEXT)
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first in the lists.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class ReturnRequest(FSMModelMixin, models.Model):
    """A customer's announced return (an expected return): which units, why, a comment."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        COMPLETED = "completed", "Completed"

    # Requests whose units are still on their way: they hold back what the customer can request again.
    OPEN = (Status.REQUESTED, Status.ACCEPTED)

    number = models.CharField(max_length=40, unique=True, editable=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="return_requests")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="return_requests")
    reason = models.ForeignKey(ReturnReason, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True, validators=COMMENT_VALIDATORS)
    status = FSMField(choices=Status.choices, default=Status.REQUESTED, protected=True, db_index=True)
    decline_reason = models.CharField(max_length=200, blank=True, validators=SINGLE_LINE_TEXT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at", "id"], name="return_request_list_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""), name="return_request_decline_has_reason"
            )
        ]

    def __str__(self) -> str:
        return f"Return request {self.number}"

    @transition(field=status, source=Status.REQUESTED, target=Status.ACCEPTED)
    def accept(self) -> None:
        self.decided_at = timezone.now()

    accept.alters_data = True

    @transition(field=status, source=Status.REQUESTED, target=Status.DECLINED)
    def decline(self, reason: str) -> None:
        self.decline_reason = reason[:200]
        self.decided_at = timezone.now()

    decline.alters_data = True

    @transition(field=status, source=[Status.REQUESTED, Status.ACCEPTED], target=Status.COMPLETED)
    def complete(self) -> None:
        self.completed_at = timezone.now()

    complete.alters_data = True


class ReturnRequestLine(models.Model):
    request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(validators=QUANTITY_VALIDATORS)

    class Meta:
        ordering = ["request", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "order_line"], name="return_request_line_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=QUANTITY_MAX), name="return_request_line_quantity_bounded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × line {self.order_line_id}"


class Return(FSMModelMixin, models.Model):
    """Units received back from the customer, and what happened to them and to the money."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PROCESSED = "processed", "Processed"
        CANCELLED = "cancelled", "Cancelled"

    # Returns whose units count as returned (a draft holds them, so two drafts cannot return one unit twice).
    LIVE = (Status.DRAFT, Status.PROCESSED)

    number = models.CharField(max_length=40, unique=True, editable=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    request = models.ForeignKey(ReturnRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="returns")
    status = FSMField(choices=Status.choices, default=Status.DRAFT, protected=True, db_index=True)
    create_credit = models.BooleanField(default=True, help_text="Make a credit invoice for the returned lines.")
    refund_shipping = models.BooleanField(default=False, help_text="Credit the shipping fee too.")
    correction = money_field(
        validators=RETURN_CORRECTION_VALIDATORS, help_text="Lowers (negative) or raises the suggested credit."
    )
    suggested_amount = money_field(editable=False, help_text="The most that could be credited when processed.")
    credited_amount = money_field(editable=False)
    credit_invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="returns", editable=False,
        help_text="The first credit invoice (the return's units may be on several debit invoices).",
    )  # fmt: skip
    # One credit invoice per debit invoice that invoiced the returned units (the order's own or its family's,
    # a supplementary one of an exchange); the first is also `credit_invoice`.
    credit_invoices = models.ManyToManyField(Invoice, blank=True, related_name="+", editable=False)
    notify_customer = models.BooleanField(default=True, help_text="E-mail the customer that the return was processed.")
    note = models.TextField(blank=True, validators=COMMENT_VALIDATORS)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    processed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    processed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at", "id"], name="return_list_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(correction__gte=-RETURN_CORRECTION_MAX, correction__lte=RETURN_CORRECTION_MAX),
                name="return_correction_bounded",
            ),
            models.CheckConstraint(
                condition=Q(suggested_amount__gte=0, credited_amount__gte=0), name="return_amounts_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(credited_amount=0) | Q(credit_invoice__isnull=False), name="return_credit_has_invoice"
            ),
        ]
        permissions = [("process_return", "Can create and process returns")]

    def __str__(self) -> str:
        return f"Return {self.number}"

    @property
    def credit_numbers(self) -> str:
        """The numbers of the return's credit invoices, "CRN-… , CRN-…" (prefetch `credit_invoices` in lists)."""
        return ", ".join(sorted(credit.number for credit in self.credit_invoices.all()))

    @transition(field=status, source=Status.DRAFT, target=Status.PROCESSED)
    def process(self) -> None:
        self.processed_at = timezone.now()

    process.alters_data = True

    @transition(field=status, source=Status.DRAFT, target=Status.CANCELLED)
    def cancel(self) -> None:
        pass

    cancel.alters_data = True


class ReturnLine(models.Model):
    """Units of one order line that came back, and where they went (the disposition)."""

    class Disposition(models.TextChoices):
        RESTOCK = "restock", "Back to sellable stock"
        QUARANTINE = "quarantine", "Quarantine for inspection"
        WRITE_OFF = "write_off", "Written off (damaged)"
        MISSING = "missing", "Missing (not received)"

    # Dispositions that put units somewhere: they need a location.
    AT_LOCATION = (Disposition.RESTOCK, Disposition.QUARANTINE, Disposition.WRITE_OFF)

    return_record = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(validators=QUANTITY_VALIDATORS)
    reason = models.ForeignKey(ReturnReason, on_delete=models.PROTECT, related_name="+")
    disposition = models.CharField(max_length=16, choices=Disposition.choices, default=Disposition.RESTOCK)
    location = models.ForeignKey(StockLocation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Quarantined units leave quarantine later: released to sellable stock or written off.
    quarantine_released = models.PositiveIntegerField(default=0, editable=False)
    quarantine_written_off = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["return_record", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=QUANTITY_MAX), name="return_line_quantity_bounded"
            ),
            models.CheckConstraint(
                condition=Q(disposition="missing") | Q(location__isnull=False), name="return_line_location_given"
            ),
            models.CheckConstraint(
                condition=Q(quarantine_released=0, quarantine_written_off=0)
                | Q(disposition="quarantine", quantity__gte=F("quarantine_released") + F("quarantine_written_off")),
                name="return_line_quarantine_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × line {self.order_line_id} ({self.get_disposition_display()})"

    @property
    def in_quarantine(self) -> int:
        """Units of this line still in quarantine (0 unless the disposition is quarantine and processed)."""
        if self.disposition != self.Disposition.QUARANTINE:
            return 0
        return self.quantity - self.quarantine_released - self.quarantine_written_off


from .models_exchanges import *  # noqa: E402,F401,F403
from .models_refunds import *  # noqa: E402,F401,F403
