"""Reservations: allocations follow the open quantities of live lines, and the stock counters follow them."""

from django.db import connection
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Sum, Value, When
from django.db.models.functions import Coalesce

from catalog.invariants import SHOWN, listed
from catalog.models import Product, StockLevel, StockLocation
from oms.invariants import rule

from ..models import Allocation, Order, OrderLine


@rule("orders: every line's allocations equal its open quantity (none for draft or cancelled orders)")
def allocations_match_open_quantities() -> list[str]:
    expected = Case(
        When(
            order__status=Order.Status.PLACED,
            product__isnull=False,
            then=F("quantity") - F("quantity_canceled") - F("quantity_shipped"),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    lines = (
        OrderLine.objects.annotate(
            held=Coalesce(Sum("allocations__quantity"), Value(0), output_field=IntegerField()), expected=expected
        )
        .exclude(held=F("expected"))
        .order_by("pk")
        .values_list("order__number", "order__status", "pk", "sku", "held", "expected")
    )
    return listed(
        lines,
        lambda r: f"order {r[0]} ({r[1]}) line {r[2]} {r[3]}: {r[4]} allocated, {r[5]} expected",
    )


def _allocated_per_level_sql() -> str:
    # One grouped pass over all allocations joined to the levels: a correlated subquery per level
    # would rescan a location's allocations for every product.
    t = {
        "level": StockLevel._meta.db_table,
        "product": Product._meta.db_table,
        "location": StockLocation._meta.db_table,
        "allocation": Allocation._meta.db_table,
        "line": OrderLine._meta.db_table,
    }
    return f"""
        SELECT lv.id, p.sku, loc.code, lv.allocated, COALESCE(held.quantity, 0) AS held
        FROM {t["level"]} lv
        JOIN {t["product"]} p ON p.id = lv.product_id
        JOIN {t["location"]} loc ON loc.id = lv.location_id
        LEFT JOIN (
            SELECT line.product_id, a.location_id, SUM(a.quantity) AS quantity
            FROM {t["allocation"]} a JOIN {t["line"]} line ON line.id = a.line_id
            GROUP BY line.product_id, a.location_id
        ) held ON held.product_id = lv.product_id AND held.location_id = lv.location_id
        WHERE lv.allocated <> COALESCE(held.quantity, 0)
        ORDER BY lv.id
    """  # noqa: S608 - table names come from model metadata, no input


@rule("orders: each stock level's allocated count equals the sum of its allocations")
def stock_allocated_matches_allocations() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(_allocated_per_level_sql())
        rows = cursor.fetchmany(SHOWN + 1)
    broken = listed(rows, lambda r: f"level {r[0]} ({r[1]} @ {r[2]}): allocated {r[3]}, allocations sum to {r[4]}")
    level = StockLevel.objects.filter(product_id=OuterRef("line__product_id"), location_id=OuterRef("location_id"))
    orphans = (
        Allocation.objects.filter(~Exists(level), line__product__isnull=False)
        .order_by("pk")
        .values_list("pk", "line__order__number", "line__sku", "location__code", "quantity")
    )
    return broken + listed(
        orphans, lambda r: f"allocation {r[0]} (order {r[1]}, {r[2]} @ {r[3]}): {r[4]} units without a stock level"
    )
