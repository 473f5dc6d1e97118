"""Money held by orders: what was paid is the payment rows, the payment status is what total and paid give,
the order discount is what the lines carry, and an order without an active unit is not open
(orders/pricing.py rules 1, 5 and 6). Each rule is one aggregate query."""

from decimal import Decimal

from django.db.models import Case, CharField, Exists, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from catalog.invariants import listed
from oms.invariants import rule

from ..models import Order, OrderLine, OrderPayment
from .totals import MONEY, differs

P = Order.PaymentStatus
ZERO = Value(Decimal("0.00"))
HALF_CENT = Value(Decimal("0.005"))


def _sum_of(queryset, field: str):
    """The sum of `field` over the rows of `queryset` that belong to the outer order, 0.00 when none."""
    rows = queryset.filter(order=OuterRef("pk")).order_by().values("order").annotate(total=Sum(field))
    return Coalesce(Subquery(rows.values("total"), output_field=MONEY), ZERO, output_field=MONEY)


@rule("orders: an order's amount paid equals the sum of its payment rows")
def amount_paid_matches_payments() -> list[str]:
    orders = (
        Order.objects.annotate(rows=_sum_of(OrderPayment.objects, "amount"))
        .filter(differs(F("amount_paid"), F("rows")))
        .order_by("pk")
        .values_list("number", "amount_paid", "rows")
    )
    return listed(orders, lambda r: f"order {r[0]}: amount paid {r[1]}, payment rows sum to {r[2]}")


def _expected_payment_status() -> Case:
    """The status that balance = total − paid gives (the same decision as services/status.payment_status_for)."""
    # needed = max(total - credited, 0), as Order.amount_needed
    needed = Case(
        When(total_gross__gt=F("amount_credited"), then=F("total_gross") - F("amount_credited")),
        default=ZERO,
        output_field=MONEY,
    )
    # Half a cent of room: SQLite evaluates total - credited in floats (35.80 - 5.85 = 29.949999…).
    return Case(
        When(amount_paid__gt=needed + HALF_CENT, then=Value(P.REFUND_DUE)),
        When(
            Q(amount_paid__lte=0) & (Q(total_gross__gt=F("amount_credited")) | Q(status=Order.Status.CANCELED)),
            then=Value(P.UNPAID),
        ),
        When(amount_paid__lte=0, then=Value(P.PAID)),
        When(amount_paid__lt=needed - HALF_CENT, then=Value(P.PARTIALLY_PAID)),
        default=Value(P.PAID),
        output_field=CharField(),
    )


@rule("orders: the payment status is the one balance = total - paid gives (refund due when paid > total)")
def payment_status_matches_balance() -> list[str]:
    orders = (
        Order.objects.exclude(status=Order.Status.DRAFT)
        .annotate(expected=_expected_payment_status())
        .exclude(payment_status=F("expected"))
        .order_by("pk")
        .values_list("number", "payment_status", "expected", "total_gross", "amount_paid")
    )
    return listed(orders, lambda r: f"order {r[0]}: payment status {r[1]}, expected {r[2]} (total {r[3]}, paid {r[4]})")


@rule("orders: no open order has every unit cancelled")
def no_open_order_without_units() -> list[str]:
    live = OrderLine.objects.filter(order=OuterRef("pk"), quantity__gt=F("quantity_canceled"))
    orders = (
        Order.objects.filter(status=Order.Status.PLACED)
        .filter(~Exists(live))
        .order_by("pk")
        .values_list("number", "total_gross")
    )
    return listed(orders, lambda r: f"order {r[0]} is placed (total {r[1]}) but every unit is cancelled")


@rule("orders: a placed order's discount is the sum of the order-discount shares its lines carry")
def order_discount_matches_shares() -> list[str]:
    orders = (
        Order.objects.exclude(status=Order.Status.DRAFT)
        .annotate(shares=_sum_of(OrderLine.objects, "order_discount_share"))
        .filter(differs(F("discount_amount"), F("shares")))
        .order_by("pk")
        .values_list("number", "discount_amount", "shares")
    )
    return listed(orders, lambda r: f"order {r[0]}: order discount {r[1]}, its lines carry {r[2]}")
