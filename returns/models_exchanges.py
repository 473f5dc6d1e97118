"""Exchanges and return-label downloads (see returns.models; imported at its end like the refunds).

- ReturnExchange: a return line whose units the customer exchanges for another product (or size) instead
  of money. When the return is processed the replacement becomes a new line of the same order, reserved and
  shipped like any open line, priced at the catalogue price less what the returned units were worth (an
  allowance, as a line discount), so only the difference is invoiced (a supplementary debit invoice) or
  credited (a credit invoice for the returned units' value the replacement did not use).
- ReturnLabelDownload: who printed a request's return label and when (the customer or staff).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import Product
from invoicing.models import Invoice
from oms.bounds import QUANTITY_MAX, QUANTITY_VALIDATORS
from orders.models import OrderLine, money_field

from .models import ReturnLine, ReturnRequest


class ReturnExchange(models.Model):
    """The replacement asked for one return line, and once processed the money it moved."""

    return_line = models.OneToOneField(ReturnLine, on_delete=models.CASCADE, related_name="exchange")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(validators=QUANTITY_VALIDATORS)
    replacement_line = models.OneToOneField(
        OrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="exchange_for", editable=False
    )
    # Gross amounts in the order's currency, set when the return is processed.
    returned_value = money_field(editable=False, help_text="What the returned units were worth (as invoiced).")
    replacement_value = money_field(editable=False, help_text="The replacement at the catalogue price.")
    allowance_used = money_field(editable=False, help_text="The part of the returned value the replacement used.")
    owed = money_field(editable=False, help_text="Replacement dearer: what the customer pays on top.")
    credited = money_field(editable=False, help_text="Replacement cheaper: what was credited back.")
    debit_invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    credit_invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["return_line", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=QUANTITY_MAX), name="return_exchange_quantity_bounded"
            ),
            models.CheckConstraint(
                condition=Q(
                    returned_value__gte=0, replacement_value__gte=0, allowance_used__gte=0, owed__gte=0, credited__gte=0
                ),
                name="return_exchange_amounts_not_negative",
            ),  # fmt: skip
            # Conserved: the returned value is what the replacement used plus what was credited (or left).
            models.CheckConstraint(
                condition=Q(allowance_used__lte=F("returned_value")) & Q(credited__lte=F("returned_value")),
                name="return_exchange_within_returned_value",
            ),
        ]

    def __str__(self) -> str:
        return f"Exchange for {self.quantity} × {self.product_id}"

    @property
    def difference(self):
        """Positive: the customer paid this on top; negative: this much was credited."""
        return self.owed - self.credited


class ReturnLabelDownload(models.Model):
    """One download of a request's return label (the storefront or the admin)."""

    class Source(models.TextChoices):
        STOREFRONT = "storefront", "Customer"
        ADMIN = "admin", "Staff"

    request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="label_downloads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=16, choices=Source.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Label of {self.request_id} by {self.source}"


__all__ = ["ReturnExchange", "ReturnLabelDownload"]
