"""The outbox: customer e-mails and webhook deliveries, their templates and endpoints.

Rows are written in the business transaction that causes them and delivered after it commits
(notifications.services). Every delivery attempt is logged, so the log explains each status.
"""

import secrets
import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone

from oms.config_cache import config_invalidate


class EmailKind(models.TextChoices):
    ORDER_PLACED = "order_placed", "Order placed (confirmation)"
    ORDER_EDITED = "order_edited", "Order edited"
    ORDER_SPLIT = "order_split", "Order split"
    ORDER_CANCELLED = "order_cancelled", "Order cancelled"
    INVOICE_SENT = "invoice_sent", "Invoice sent"
    PAYMENT_RECEIVED = "payment_received", "Payment received"
    SHIPMENT_SENT = "shipment_sent", "Shipment sent"
    RETURN_RECEIVED = "return_received", "Return received"
    RETURN_ACCEPTED = "return_accepted", "Return request accepted (label to print)"
    RETURN_DECLINED = "return_declined", "Return request declined"
    REFUND_PAID = "refund_paid", "Refund paid"
    FREE_TEXT = "free_text", "Free text"
    PASSWORD_RESET = "password_reset", "Password reset link"
    ACCOUNT_INVITATION = "account_invitation", "Account invitation (set-password link)"
    LOW_STOCK = "low_stock", "Low-stock alert (to the shop)"


def webhook_event_type(kind: str) -> str:
    """The webhook event of an e-mail kind: "order_placed" -> "order.placed", "invoice_sent" -> "invoice.sent"."""
    return kind.replace("_", ".", 1)


# Free-text e-mails are a conversation with the customer, not an event other systems subscribe to; a password
# reset is about the account (and its link is a secret), never sent to other systems.
# An invitation carries a set-password link like a reset; a low-stock alert goes to the shop itself.
ACCOUNT_ONLY_KINDS = (EmailKind.FREE_TEXT, EmailKind.PASSWORD_RESET, EmailKind.ACCOUNT_INVITATION, EmailKind.LOW_STOCK)
# Events other systems hear of while the customer gets no e-mail (the kind "payment_reversed" has no template;
# the warehouse hears of shipments released to it and recalled from it).
WEBHOOK_ONLY_EVENT_TYPES = [
    "payment.reversed", "shipment.released", "shipment.recall_requested", "shipment.pre_announced"
]  # fmt: skip
WEBHOOK_EVENT_TYPES = [
    *(webhook_event_type(kind) for kind in EmailKind.values if kind not in ACCOUNT_ONLY_KINDS),
    *WEBHOOK_ONLY_EVENT_TYPES,
]


class EmailTemplate(models.Model):
    """Subject, text and HTML body of one kind of e-mail, in Django template syntax."""

    kind = models.CharField(max_length=32, choices=EmailKind.choices, unique=True)
    subject = models.CharField(max_length=200)
    body_text = models.TextField("plain-text body")
    body_html = models.TextField("HTML body", blank=True, help_text="Empty: the e-mail is sent as plain text only.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.get_kind_display()

    def save(self, *args, **kwargs):
        self.clean()  # a template that does not compile is never stored, whoever saves it
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from .services.rendering import template_errors

        errors = template_errors(subject=self.subject, body_text=self.body_text, body_html=self.body_html)
        if errors:
            from django.core.exceptions import ValidationError

            raise ValidationError(errors)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Message(models.Model):
    """One customer e-mail in the outbox.

    The business transaction stores the event's data (`context`, a snapshot: a later change of the order
    does not change what this e-mail says); the worker renders subject and bodies from it at the first
    delivery attempt and stores them, so what was sent is what staff see.
    """

    Status = DeliveryStatus

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=32, choices=EmailKind.choices)
    from_email = models.CharField(max_length=254)
    to = models.EmailField()
    subject = models.CharField(max_length=250, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    context = models.JSONField(
        default=dict, blank=True, encoder=DjangoJSONEncoder, help_text="The event's data the template renders."
    )
    rendered_at = models.DateTimeField(null=True, blank=True, help_text="Empty until the worker rendered it.")
    topic = models.CharField(max_length=32, blank=True, help_text="What the message is about, e.g. order.")
    topic_id = models.BigIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    tries = models.PositiveIntegerField(default=0, help_text="Attempts since it was queued or last resent.")
    queued_at = models.DateTimeField(default=timezone.now, help_text="When it was queued or last resent.")
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["topic", "topic_id"], name="message_topic_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="message_due_idx"),
        ]
        permissions = [("resend_message", "Can resend failed e-mails")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to}"

    @property
    def subject_display(self) -> str:
        """The subject; before the worker rendered it, the preview a staff list set, else a placeholder."""
        if self.rendered_at:
            return self.subject
        return getattr(self, "subject_preview", "") or "(written when sent)"


class MessageAttachment(models.Model):
    """A file sent with a message (an invoice PDF): its bytes are stored with the message, so a resend sends
    the same file and the worker needs nothing from the app that queued it."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=120)
    content_type = models.CharField(max_length=100, default="application/pdf")
    content = models.BinaryField()

    def __str__(self) -> str:
        return self.filename


class AttemptOutcome(models.TextChoices):
    STARTED = "started", "Started"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    ABANDONED = "abandoned", "Abandoned before hand-over (worker stopped)"
    UNKNOWN = "unknown", "Unknown (worker stopped during hand-over)"


class MessageAttempt(models.Model):
    """One try to hand a message to the SMTP server.

    `handed_over_at` is written just before the message data is given to an open SMTP connection:
    an attempt that stopped without it certainly sent nothing; one that stopped with it may have.
    """

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attempts")
    started_at = models.DateTimeField(default=timezone.now)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices, default=AttemptOutcome.STARTED)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M:%S} {self.get_outcome_display()}"


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500, validators=[URLValidator(schemes=["http", "https"])])
    secret = models.CharField(
        max_length=128, default=_new_secret, help_text="Signs each body: X-OMS-Signature: sha256=<HMAC>."
    )
    event_types = models.JSONField(default=list, blank=True, help_text="Event types this endpoint receives.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        config_invalidate("webhook_endpoints")

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        config_invalidate("webhook_endpoints")
        return result

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        unknown = sorted(set(self.event_types or []) - set(WEBHOOK_EVENT_TYPES))
        if unknown:
            raise ValidationError({"event_types": f"Unknown event types: {', '.join(unknown)}."})


class WebhookEvent(models.Model):
    """One event for the webhooks, written in the business transaction; the worker fans it out into one
    WebhookDelivery per endpoint subscribed at that moment (`fanned_out_at` then set)."""

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(max_length=64)
    topic = models.CharField(max_length=32, blank=True)
    topic_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["created_at"], name="webhook_event_waiting_idx", condition=models.Q(fanned_out_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class WebhookDelivery(models.Model):
    """One event for one endpoint. `event_id` is what the receiver de-duplicates on."""

    Status = DeliveryStatus

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    event_type = models.CharField(max_length=64)
    topic = models.CharField(max_length=32, blank=True)
    topic_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    tries = models.PositiveIntegerField(default=0)
    queued_at = models.DateTimeField(default=timezone.now, help_text="When it was queued or last resent.")
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["topic", "topic_id"], name="webhook_topic_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="webhook_due_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_event_once")]
        permissions = [("resend_webhookdelivery", "Can resend failed webhook deliveries")]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint}"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices, default=AttemptOutcome.STARTED)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M:%S} {self.get_outcome_display()}"
