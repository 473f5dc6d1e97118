"""Money: order totals are the sums of their stored, rounded lines; every line's net + tax = gross.

Compared as |a - b| >= half a cent: amounts have two places, so any real break is at least a cent,
and SQLite (which sums decimals as floats) does not report rounding noise as a break.
"""

from decimal import Decimal

from django.db.models import DecimalField, F, Q, Sum, Value
from django.db.models.functions import Abs, Coalesce
from django.db.models.lookups import GreaterThanOrEqual

from catalog.invariants import listed
from oms.invariants import rule

from ..models import Order, OrderLine

HALF_CENT = Value(Decimal("0.005"))
MONEY = DecimalField(max_digits=14, decimal_places=2)


def differs(a, b) -> Q:
    return Q(GreaterThanOrEqual(Abs(a - b, output_field=MONEY), HALF_CENT))


def _sum(expression):
    return Coalesce(Sum(expression), Value(Decimal("0.00")), output_field=MONEY)


@rule("orders: order totals equal the sums of their stored rounded lines plus shipping")
def order_totals_match_lines() -> list[str]:
    orders = (
        Order.objects.annotate(
            sum_gross=_sum("lines__gross"),
            sum_net=_sum("lines__net"),
            sum_tax=_sum("lines__tax"),
            sum_discount=_sum(F("lines__discount_amount") + F("lines__order_discount_share")),
        )
        .filter(
            differs(F("lines_gross"), F("sum_gross"))
            | differs(F("total_net"), F("sum_net") + F("shipping_net"))
            | differs(F("total_tax"), F("sum_tax") + F("shipping_tax"))
            | differs(F("total_gross"), F("sum_gross") + F("shipping_gross"))
            | differs(F("discount_total"), F("sum_discount"))
            | differs(F("shipping_gross"), F("shipping_net") + F("shipping_tax"))
        )
        .order_by("pk")
        .values_list(
            "number",
            "lines_gross",
            "total_net",
            "total_tax",
            "total_gross",
            "discount_total",
            "sum_gross",
            "sum_net",
            "sum_tax",
            "sum_discount",
            "shipping_net",
            "shipping_tax",
            "shipping_gross",
        )
    )
    return listed(
        orders,
        lambda r: (
            f"order {r[0]}: lines_gross/net/tax/gross/discount {r[1]}/{r[2]}/{r[3]}/{r[4]}/{r[5]}; "
            f"lines sum to {r[6]}/{r[7]}/{r[8]}/-/{r[9]}; shipping net/tax/gross {r[10]}/{r[11]}/{r[12]}"
        ),
    )


@rule("orders: every line's net plus tax equals its gross")
def line_net_plus_tax_is_gross() -> list[str]:
    lines = (
        OrderLine.objects.filter(differs(F("gross"), F("net") + F("tax")))
        .order_by("pk")
        .values_list("order__number", "pk", "sku", "name", "net", "tax", "gross")
    )
    return listed(lines, lambda r: f"order {r[0]} line {r[1]} {r[2] or r[3]}: net {r[4]} + tax {r[5]} != gross {r[6]}")
