"""Reads of refunds for other pages: the customer's refunds of one order (storefront), in one query."""

from .models import Refund

# What the customer reads: no internal words (approved, batch, failed) for money on its way back.
CUSTOMER_STATUS = {
    Refund.Status.PENDING: ("Being processed", "waiting"),
    Refund.Status.APPROVED: ("Being processed", "active"),
    Refund.Status.SENT: ("On its way", "active"),
    Refund.Status.PAID: ("Refunded", "done"),
    Refund.Status.FAILED: ("Delayed, we are on it", "waiting"),
}


def refund_list_for_customer_order(*, order) -> list[dict]:
    """The order's refunds as the customer sees them (the caller already checked the order is theirs)."""
    rows = Refund.objects.filter(order=order).order_by("created_at", "pk")
    return [
        {"amount": r.amount, "currency": r.currency, "created_at": r.created_at, "paid_at": r.paid_at,
         "status": CUSTOMER_STATUS[r.status][0], "tone": CUSTOMER_STATUS[r.status][1],
         "credit_number": r.credit_invoice.number if r.credit_invoice_id else ""}
        for r in rows.select_related("credit_invoice").only(
            "amount", "currency", "created_at", "paid_at", "status", "credit_invoice__number"
        )
    ]  # fmt: skip
