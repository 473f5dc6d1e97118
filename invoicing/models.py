"""Invoices and credit invoices, payment terms, gap-free numbering and payments applied to invoices.

An invoice is a snapshot of an order (or of a split family) at the moment it was made: its lines copy the
order lines' amounts, so a later change of the order never changes an invoice. A draft can still change;
an issued invoice never does (the services refuse it, `save()` refuses it, the database keeps its number
unique). Correcting an issued invoice means cancelling it and making a new one.

Amounts are stored positive on debit and credit invoices alike: `kind` says which way the money goes.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from oms.bounds import (
    INVOICE_AMOUNT_VALIDATORS,
    INVOICE_TOTAL_MAX,
    LINE_TOTAL_MAX,
    MULTI_LINE_TEXT,
    PAYMENT_DAYS_MAX,
    PAYMENT_DAYS_VALIDATORS,
    PERCENT_MAX,
    PERCENT_VALIDATORS,
    QUANTITY_MAX,
    SINGLE_LINE_TEXT,
    TAX_RATE_MAX,
)
from orders.models import Customer, Order, OrderLine, OrderPayment

ZERO = Decimal("0.00")


def money_field(**kwargs) -> models.DecimalField:
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)


def percent_field(**kwargs) -> models.DecimalField:
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(max_digits=5, decimal_places=2, validators=PERCENT_VALIDATORS, **kwargs)


class PaymentTerms(models.Model):
    """Reusable payment terms: when an invoice is due, in portions or at once, with an early-payment discount."""

    class Kind(models.TextChoices):
        IMMEDIATE = "immediate", "Immediate"
        FIXED_DATE = "fixed_date", "Fixed due date"
        NET_DAYS = "net_days", "Net N days from the issue date"
        END_OF_MONTH = "end_of_month", "N days after the end of the invoice month"
        ON_FULFILMENT = "on_fulfilment", "Due on fulfilment (when the order ships)"
        SCHEDULE = "schedule", "Schedule of portions"

    code = models.SlugField(
        max_length=32, unique=True, help_text="Short key; a customer's payment terms code picks these terms."
    )
    name = models.CharField(max_length=80, validators=SINGLE_LINE_TEXT)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.NET_DAYS)
    days = models.PositiveSmallIntegerField(
        default=0, validators=PAYMENT_DAYS_VALIDATORS, help_text="N of 'Net N' and of 'N days after month end'."
    )
    fixed_due_date = models.DateField(null=True, blank=True, help_text="For 'Fixed due date' only.")
    discount_percent = percent_field(help_text="Early-payment discount (0: none).")
    discount_days = models.PositiveSmallIntegerField(
        default=0, validators=PAYMENT_DAYS_VALIDATORS, help_text="The discount applies when paid within these days."
    )
    active = models.BooleanField(default=True, help_text="Inactive terms stay on old invoices but cannot be chosen.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "payment terms"
        constraints = [
            models.CheckConstraint(condition=Q(days__lte=PAYMENT_DAYS_MAX), name="terms_days_bounded"),
            models.CheckConstraint(
                condition=Q(discount_days__lte=PAYMENT_DAYS_MAX), name="terms_discount_days_bounded"
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lt=PERCENT_MAX), name="terms_discount_bounded"
            ),
            models.CheckConstraint(
                condition=~Q(kind="fixed_date") | Q(fixed_due_date__isnull=False), name="terms_fixed_date_given"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PaymentTermsPortion(models.Model):
    """One portion of a schedule: `percent` of the total, due `days` after the issue date."""

    terms = models.ForeignKey(PaymentTerms, on_delete=models.CASCADE, related_name="portions")
    position = models.PositiveSmallIntegerField(default=0)
    percent = percent_field()
    days = models.PositiveSmallIntegerField(default=0, validators=PAYMENT_DAYS_VALIDATORS)

    class Meta:
        ordering = ["terms", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gt=0, percent__lte=PERCENT_MAX), name="portion_percent_bounded"
            ),
            models.CheckConstraint(condition=Q(days__lte=PAYMENT_DAYS_MAX), name="portion_days_bounded"),
        ]

    def __str__(self) -> str:
        return f"{self.percent} % at {self.days} days"


class CustomerTerms(models.Model):
    """A customer's default payment terms (wholesale), kept here because `orders` cannot know invoicing."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="invoice_terms")
    terms = models.ForeignKey(PaymentTerms, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "customer payment terms"
        verbose_name_plural = "customer payment terms"

    def __str__(self) -> str:
        return f"{self.customer}: {self.terms}"


class InvoiceCounter(models.Model):
    """The last number given in one series and year. Issuing locks this row, so numbers have no gaps."""

    series = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="invoice_counter_unique")]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.last_number}"


class Invoice(FSMModelMixin, models.Model):
    class Kind(models.TextChoices):
        DEBIT = "debit", "Invoice"
        CREDIT = "credit", "Credit invoice"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ISSUED = "issued", "Issued"
        SENT = "sent", "Sent"
        PARTIALLY_PAID = "partially_paid", "Partially paid"
        PAID = "paid", "Paid"
        CANCELLED = "cancelled", "Cancelled"

    # Statuses of an issued invoice that still counts (it is owed, or was paid).
    LIVE = (Status.ISSUED, Status.SENT, Status.PARTIALLY_PAID, Status.PAID)
    OPEN = (Status.ISSUED, Status.SENT, Status.PARTIALLY_PAID)
    SERIES = {Kind.DEBIT: "INV", Kind.CREDIT: "CRN"}

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="invoices")
    combined = models.BooleanField(
        default=False, editable=False, help_text="One invoice for a whole split family (its lines say which order)."
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.DEBIT, editable=False)
    credit_for = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credits", editable=False
    )
    series = models.CharField(max_length=8, editable=False)
    year = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)
    number = models.CharField(max_length=32, blank=True, editable=False)
    status = FSMField(choices=Status.choices, default=Status.DRAFT, protected=True, db_index=True)

    terms = models.ForeignKey(PaymentTerms, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices")
    terms_text = models.CharField(max_length=200, blank=True, editable=False, help_text="The terms as issued.")
    issue_date = models.DateField(null=True, blank=True, editable=False)
    due_date = models.DateField(null=True, blank=True, help_text="Set from the terms; a draft may change it.")
    next_due_date = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the open balance is next due: the due date, or with a schedule of portions the first "
        "instalment not yet paid or credited. Overdue, the ageing report and the due date shown read it.",
    )
    discount_percent = percent_field(editable=False)
    discount_until = models.DateField(null=True, blank=True, editable=False)
    note = models.TextField(blank=True, validators=MULTI_LINE_TEXT, help_text="Printed on the invoice.")
    currency = models.CharField(max_length=3, editable=False)
    customer_name = models.CharField(max_length=150, blank=True, editable=False)
    customer_email = models.EmailField(blank=True, editable=False)
    bill_to = models.TextField(blank=True, editable=False, help_text="The billing address as on the document.")

    total_net = money_field(editable=False, validators=INVOICE_AMOUNT_VALIDATORS)
    total_tax = money_field(editable=False, validators=INVOICE_AMOUNT_VALIDATORS)
    total_gross = money_field(editable=False, validators=INVOICE_AMOUNT_VALIDATORS)
    amount_paid = money_field(editable=False, help_text="Payments applied (debit invoices).")
    amount_credited = money_field(editable=False, help_text="Issued credit invoices against this one.")

    pdf = models.BinaryField(null=True, blank=True, editable=False)
    pdf_sha256 = models.CharField(max_length=64, blank=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    issued_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    paid_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancel_reason = models.CharField(max_length=200, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["pdf", "updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at", "id"], name="invoice_list_idx"),
            models.Index(fields=["status", "next_due_date"], name="invoice_status_next_due_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["series", "year", "sequence"], name="invoice_number_unique_in_series"),
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="invoice_number_unique"),
            models.CheckConstraint(
                condition=Q(status="draft", number="")
                | (~Q(status="draft") & ~Q(number="") & Q(sequence__gte=1))
                | Q(status="cancelled", number=""),
                name="invoice_number_iff_issued",
            ),
            models.CheckConstraint(
                condition=Q(kind="debit", credit_for__isnull=True) | Q(kind="credit", credit_for__isnull=False),
                name="invoice_credit_has_debit",
            ),
            models.CheckConstraint(
                condition=Q(total_net__gte=0, total_tax__gte=0, total_gross__gte=0, total_gross__lte=INVOICE_TOTAL_MAX),
                name="invoice_totals_bounded",
            ),
            # The same half cent of room as below, for SQLite's float arithmetic in UPDATE ... SET amount_paid =
            # amount_paid - x (3.27 - 3.27 may come out as -4e-16); on PostgreSQL the amounts are exact cents.
            models.CheckConstraint(
                condition=Q(
                    amount_paid__gte=Decimal("-0.005"),
                    amount_credited__gte=Decimal("-0.005"),
                    amount_credited__lte=F("total_gross") + Decimal("0.005"),
                ),
                name="invoice_paid_credited_bounded",
            ),
            # Half a cent of room: exact on PostgreSQL (amounts are whole cents), and SQLite, which evaluates the
            # subtraction in floats, no longer refuses 29.95 <= 35.80 - 5.85 (= 29.949999…).
            models.CheckConstraint(
                condition=Q(amount_paid__lte=F("total_gross") - F("amount_credited") + Decimal("0.005")),
                name="invoice_not_overpaid",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lt=PERCENT_MAX), name="invoice_discount_bounded"
            ),
        ]
        permissions = [
            ("issue_invoice", "Can issue invoices"),
            ("send_invoice", "Can send invoices"),
            ("cancel_invoice", "Can cancel invoices"),
            ("credit_invoice", "Can make credit invoices"),
        ]

    def __str__(self) -> str:
        label = "Credit invoice" if self.kind == self.Kind.CREDIT else "Invoice"
        return f"{label} {self.number or f'draft #{self.pk}'}"

    # What still changes once an invoice is issued: its payment state, sending, cancelling, its stored PDF.
    MUTABLE_AFTER_ISSUE = frozenset(
        {
            "status",
            "amount_paid",
            "amount_credited",
            "next_due_date",
            "paid_at",
            "sent_at",
            "cancelled_at",
            "cancel_reason",
            "updated_at",
        }
    )

    def save(self, *args, **kwargs):
        """Refuse any change of an issued invoice's content, whoever saves it (admin form, shell, a bug)."""
        if self.pk and not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or set(fields) - self.MUTABLE_AFTER_ISSUE:
                stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
                if stored not in (None, self.Status.DRAFT):
                    raise ValueError(f"{self} is issued and never changes; cancel it and make a new invoice.")
        super().save(*args, **kwargs)

    @property
    def display_number(self) -> str:
        return self.number or f"draft #{self.pk}"

    @property
    def is_credit(self) -> bool:
        return self.kind == self.Kind.CREDIT

    @property
    def balance(self) -> Decimal:
        """What the customer still owes on this invoice: total − applied − credited (never below zero)."""
        if self.is_credit or self.status not in self.LIVE:
            return ZERO
        return max(self.total_gross - self.amount_paid - self.amount_credited, ZERO)

    @property
    def is_overdue(self) -> bool:
        """Open, with money owed, and its next due date (the first unpaid instalment's) before today."""
        return (
            self.status in self.OPEN
            and self.next_due_date is not None
            and self.next_due_date < timezone.localdate()
            and self.balance > 0
        )

    def first_open_due(self, instalments) -> date | None:
        """The due date of the first instalment not covered by what is paid and credited (the earliest ones are
        covered first, as the pay page shows them); without a schedule, or all covered: the due date."""
        settled = self.amount_paid + self.amount_credited
        for row in sorted(instalments, key=lambda row: (row.due_date, row.position, row.pk or 0)):
            if settled < row.amount:
                return row.due_date
            settled -= row.amount
        return self.due_date

    def formatted_number(self, year: int, sequence: int) -> str:
        return f"{self.series}-{year}-{sequence:06d}"

    # --- transitions: state only; services own locks, numbers, PDFs, events and e-mail.
    @transition(field=status, source=Status.DRAFT, target=Status.ISSUED)
    def issue(self, *, year: int, sequence: int, issue_date: date) -> None:
        self.year, self.sequence = year, sequence
        self.number = self.formatted_number(year, sequence)
        self.issue_date = issue_date
        self.issued_at = timezone.now()

    issue.alters_data = True

    @transition(
        field=status,
        source=[Status.ISSUED, Status.SENT, Status.PARTIALLY_PAID, Status.PAID],
        target=RETURN_VALUE(Status.ISSUED, Status.SENT, Status.PARTIALLY_PAID, Status.PAID),
    )
    def mark_sent(self) -> str:
        self.sent_at = timezone.now()
        return self.Status.SENT if self.status == self.Status.ISSUED else self.status

    mark_sent.alters_data = True

    @transition(
        field=status,
        source=[Status.ISSUED, Status.SENT, Status.PARTIALLY_PAID, Status.PAID],
        target=RETURN_VALUE(Status.ISSUED, Status.SENT, Status.PARTIALLY_PAID, Status.PAID),
    )
    def follow_payments(self) -> str:
        """The status the applied and credited amounts give: paid (settled), partially paid, or back to
        sent/issued."""
        settled = self.total_gross - self.amount_credited - self.amount_paid <= 0
        if settled and (self.amount_paid > 0 or self.amount_credited > 0):  # paid, or paid and partly credited
            self.paid_at = self.paid_at or timezone.now()
            return self.Status.PAID
        self.paid_at = None
        if self.amount_paid > 0:
            return self.Status.PARTIALLY_PAID
        return self.Status.SENT if self.sent_at else self.Status.ISSUED

    follow_payments.alters_data = True

    @transition(field=status, source=[Status.DRAFT, Status.ISSUED, Status.SENT], target=Status.CANCELLED)
    def cancel(self, reason: str = "") -> None:
        self.cancelled_at = timezone.now()
        self.cancel_reason = reason[:200]

    cancel.alters_data = True


class InvoiceLine(models.Model):
    """A copy of one order line (or the shipping, or a credited amount) as the invoice shows it."""

    class Kind(models.TextChoices):
        ITEM = "item", "Item"
        SHIPPING = "shipping", "Shipping"
        AMOUNT = "amount", "Amount"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.ITEM)
    source_order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+")
    order_line = models.ForeignKey(OrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    credited_line = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credited_by",
        help_text="On a credit invoice: the debit invoice's line it credits.",
    )
    sku = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField(default=1)
    unit_price = money_field()
    discount = money_field(help_text="Line discount plus its share of the order discount.")
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2)
    net = money_field()
    tax = money_field()
    gross = money_field()

    class Meta:
        ordering = ["invoice", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__lte=QUANTITY_MAX), name="invoice_line_quantity_bounded"),
            models.CheckConstraint(
                condition=Q(
                    net__gte=0, tax__gte=0, gross__gte=0, gross__lte=LINE_TOTAL_MAX, unit_price__gte=0, discount__gte=0
                ),
                name="invoice_line_amounts_bounded",
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lte=TAX_RATE_MAX), name="invoice_line_tax_rate_bounded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name}"


class Instalment(models.Model):
    """One due portion of an invoice with a schedule of portions (the amounts add up to its total)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="instalments")
    position = models.PositiveSmallIntegerField(default=0)
    due_date = models.DateField()
    amount = money_field(validators=INVOICE_AMOUNT_VALIDATORS)

    class Meta:
        ordering = ["invoice", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0, amount__lte=INVOICE_TOTAL_MAX), name="instalment_amount_bounded"
            )
        ]

    def __str__(self) -> str:
        return f"{self.amount} due {self.due_date}"


class InvoicePayment(models.Model):
    """Money of an order applied to (> 0) or taken back from (< 0) an invoice. Rows are never changed.

    `payment` is the order payment row that caused the movement (a payment, its reversal, a split transfer);
    `order` is the order whose money it is (on a combined family invoice, each order pays its own share).
    """

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="applications")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+")
    payment = models.ForeignKey(
        OrderPayment, null=True, blank=True, on_delete=models.PROTECT, related_name="invoice_applications"
    )
    amount = money_field()
    # Set on the rows a credit invoice moves on the invoice it credits: what it took back, and what the same
    # invoice took again at once (it still had a balance). Money paid in is the sum of the other rows, so a
    # credit is capped by what was paid less what was credited, however the freed money moved afterwards.
    credit = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The credit invoice whose issue moved this money (take-back and re-application).",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="invoice_payment_not_zero")]

    def __str__(self) -> str:
        return f"{self.amount} on invoice {self.invoice_id}"


class InvoiceDocumentTemplate(models.Model):
    """The HTML of invoice and credit-invoice PDFs, changeable by the merchant (restricted template engine)."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", "Invoice PDF"

    kind = models.CharField(max_length=16, choices=Kind.choices, unique=True, default=Kind.INVOICE)
    body_html = models.TextField("HTML template")
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    def __str__(self) -> str:
        return self.get_kind_display()

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from notifications.services.rendering import html_template_error

        error = html_template_error(self.body_html)
        if error:
            raise ValidationError({"body_html": error})


from .models_finance import DocumentAccess, InvoiceReport, LocalProviderRefund  # noqa: E402,F401  (the pay-link side's models)
