"""Refunds and refund batches (see returns.models).

A refund pays back money an order holds beyond what it needs: the amount of a credit invoice, or a refund
due left by a cancelled or reduced order. It goes through the payment provider of the order's original
payment, or as a manual payout (bank transfer, cash) that finance confirms once made. Its idempotency key is
made with the row, before any provider call, so the provider pays it at most once whatever retries happen.

Statuses (django-fsm; services call the transitions under the order lock and own everything else):

    pending --approve--> approved --send--> sent --confirm_paid--> paid
                               \\--fail--> failed --retry--> approved
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from oms.bounds import PAYMENT_AMOUNT_MAX, SINGLE_LINE_TEXT
from oms.models import ShopSettings

__all__ = ["Refund", "RefundBatch"]


def _key() -> str:
    return f"refund-{uuid.uuid4().hex}"


class RefundBatch(FSMModelMixin, models.Model):
    """The day's batch of refunds in batched mode: made by the beat task at the shop's batch time, reviewed by
    finance (hold items, approve the batch). Approving sends its refunds; a second approval sends nothing."""

    class Status(models.TextChoices):
        REVIEW = "review", "Waiting for review"
        APPROVED = "approved", "Approved (sent)"

    run_date = models.DateField(unique=True, help_text="The day the batch was made (one batch a day).")
    status = FSMField(choices=Status.choices, default=Status.REVIEW, protected=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-run_date", "-id"]
        verbose_name_plural = "refund batches"

    def __str__(self) -> str:
        return f"Refund batch {self.run_date.isoformat()}"

    @transition(field=status, source=Status.REVIEW, target=Status.APPROVED)
    def approve(self, *, by) -> None:
        self.approved_by, self.approved_at = by, timezone.now()

    approve.alters_data = True


class Refund(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending approval"
        APPROVED = "approved", "Approved (sending)"
        SENT = "sent", "Sent (payout to confirm)"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        CREDIT = "credit", "Credit invoice"
        REFUND_DUE = "refund_due", "Refund due (cancelled or reduced order)"

    Mode = ShopSettings.RefundMode
    MANUAL_PROVIDER = "manual"  # no provider: a payout that finance makes and confirms
    OPEN = (Status.PENDING, Status.APPROVED, Status.SENT)  # money promised, not yet recorded as paid back

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="refunds", editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CREDIT, editable=False)
    credit_invoice = models.ForeignKey(
        "invoicing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds", editable=False
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2, editable=False)
    currency = models.CharField(max_length=3, editable=False)
    payment = models.ForeignKey(
        "orders.OrderPayment", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds",
        editable=False, help_text="The original payment this refund pays back.",
    )  # fmt: skip
    provider_code = models.CharField(
        max_length=32, default=MANUAL_PROVIDER, editable=False, help_text="The provider's code, or 'manual' (payout)."
    )
    method = models.CharField(max_length=40, blank=True, editable=False)
    mode = models.CharField(max_length=16, choices=Mode.choices, editable=False)
    # Made with the row, before any call to the provider: retries of the same refund carry the same key.
    idempotency_key = models.CharField(max_length=64, unique=True, default=_key, editable=False)
    provider_refund_id = models.CharField(max_length=64, blank=True, editable=False)
    status = FSMField(choices=Status.choices, default=Status.PENDING, protected=True, db_index=True)
    batch = models.ForeignKey(
        RefundBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds", editable=False
    )
    reason = models.CharField(max_length=200, blank=True, validators=SINGLE_LINE_TEXT, editable=False)
    failure = models.CharField(max_length=200, blank=True, editable=False, help_text="Why the last attempt failed.")
    attempts = models.PositiveIntegerField(default=0, editable=False)
    last_attempt_at = models.DateTimeField(null=True, blank=True, editable=False)
    refund_payment = models.OneToOneField(
        "orders.OrderPayment", null=True, blank=True, on_delete=models.PROTECT, related_name="refund_of",
        editable=False, help_text="The order's refund row, recorded when the money went back.",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    paid_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at", "id"], name="refund_list_idx"),
            models.Index(fields=["status", "created_at"], name="refund_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0, amount__lte=PAYMENT_AMOUNT_MAX), name="refund_amount_bounded"
            ),
            models.CheckConstraint(
                condition=Q(kind="credit", credit_invoice__isnull=False) | Q(kind="refund_due"),
                name="refund_credit_has_invoice",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(refund_payment__isnull=False), name="refund_paid_is_recorded"
            ),
        ]
        permissions = [("approve_refund", "Can approve, send, retry and confirm refunds")]

    def __str__(self) -> str:
        return f"Refund {self.pk or '(new)'}: {self.currency} {self.amount}"

    @property
    def is_manual_payout(self) -> bool:
        return self.provider_code == self.MANUAL_PROVIDER

    # --- transitions: state only; services own locks, the provider call, money rows, events and e-mail.
    @transition(field=status, source=Status.PENDING, target=Status.APPROVED)
    def approve(self, *, by) -> None:
        self.approved_by, self.approved_at = by, timezone.now()

    approve.alters_data = True

    @transition(field=status, source=Status.APPROVED, target=Status.SENT)
    def send(self, *, provider_refund_id: str = "") -> None:
        self.sent_at = timezone.now()
        self.provider_refund_id = provider_refund_id[:64]
        self.failure = ""

    send.alters_data = True

    @transition(field=status, source=Status.SENT, target=Status.PAID)
    def confirm_paid(self, *, by, payment) -> None:
        self.paid_at, self.confirmed_by, self.refund_payment = timezone.now(), by, payment

    confirm_paid.alters_data = True

    @transition(field=status, source=[Status.APPROVED, Status.SENT], target=Status.FAILED)
    def fail(self, *, message: str) -> None:
        self.failure = message[:200]

    fail.alters_data = True

    @transition(field=status, source=Status.FAILED, target=Status.APPROVED)
    def retry(self, *, by) -> None:
        self.approved_by, self.approved_at = by, timezone.now()

    retry.alters_data = True
