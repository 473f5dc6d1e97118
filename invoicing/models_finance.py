"""The pay-link side's rows: the document access log, and the finance reports' admin entry.

Imported at the end of `invoicing/models.py` so that Django finds them.
"""

from django.conf import settings
from django.db import models


class DocumentAccess(models.Model):
    class Channel(models.TextChoices):
        ADMIN = "admin", "Staff (admin)"
        STOREFRONT = "storefront", "Customer (account page)"
        PAY_LINK = "pay_link", "Pay link"

    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.PROTECT, related_name="accesses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "document access"
        verbose_name_plural = "document accesses"
        indexes = [
            models.Index(fields=["invoice", "-created_at"], name="invoicing_access_invoice_idx"),
            models.Index(fields=["created_at", "id"], name="invoicing_access_list_idx"),  # the keyset list
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.created_at:%Y-%m-%d %H:%M}"


class InvoiceReport(models.Model):
    """No table: the admin entry of the finance reports (its view permission is who may open them)."""

    class Meta:
        managed = False
        default_permissions = ("view",)
        verbose_name = "invoice report"
        verbose_name_plural = "invoice reports"

    def __str__(self) -> str:
        return "Invoice reports"


class LocalProviderRefund(models.Model):
    """The local test provider's own books of the refunds it paid out, one row per idempotency key.

    It stands for the provider's side of the wire: a second call with a key it has seen returns this row's
    result and pays nothing (what a real provider's idempotency keys promise), even when the first call's
    answer never reached us (a timeout, a worker killed after the call)."""

    idempotency_key = models.CharField(max_length=64, unique=True)
    payment_id = models.CharField(max_length=64)
    refund_id = models.CharField(max_length=64, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="local_refund_amount_positive")]

    def __str__(self) -> str:
        return f"{self.refund_id}: {self.amount}"
