"""Payment rows: no order holds a negative paid amount, and a reversal takes back exactly its payment."""

from django.db.models import F, OuterRef, Subquery

from catalog.invariants import listed
from oms.invariants import rule

from ..models import Order, OrderPayment


@rule("orders: no order's amount paid is negative")
def amount_paid_not_negative() -> list[str]:
    orders = Order.objects.filter(amount_paid__lt=0).order_by("pk").values_list("number", "amount_paid")
    return listed(orders, lambda row: f"order {row[0]}: amount paid {row[1]}")


@rule("orders: a reversal is on its payment's order and takes back exactly that payment's amount")
def reversals_match_their_payments() -> list[str]:
    original = OrderPayment.objects.filter(pk=OuterRef("reverses_id"))
    rows = (
        OrderPayment.objects.filter(kind=OrderPayment.Kind.REVERSAL)
        .annotate(
            original_amount=Subquery(original.values("amount")[:1]),
            original_order=Subquery(original.values("order_id")[:1]),
        )
        .exclude(amount=-F("original_amount"), order_id=F("original_order"))
        .order_by("pk")
        .values_list("pk", "amount", "original_amount")
    )
    return listed(rows, lambda row: f"reversal {row[0]}: {row[1]} for a payment of {row[2]}")
