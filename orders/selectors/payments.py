"""Read queries for an order's payments in the admin."""

from ..models import Order, OrderPayment


def order_payments_for_staff(*, order: Order) -> list[OrderPayment]:
    """Every payment row of the order, oldest first, with who recorded it and any reversal (one query)."""
    return list(
        OrderPayment.objects.filter(order=order)
        .select_related("actor", "reversal", "reverses")
        .order_by("created_at", "pk")
    )
