"""Inventory reports: stock per location, sellable against physical per product, stock value, low stock and
slow movers. Stock figures are the levels now (the date range does not apply to them); slow movers count
the units sold in the range (and channel). Value is units on hand at the product's selling price: the
catalogue keeps no cost price, so this is the stock's value at list price, not its cost.
"""

from django.db.models import Count, ExpressionWrapper, F, IntegerField, Sum

from catalog.models import StockLevel

from .forms import Filters
from .queries_orders import product_sales
from .tables import MONEY, Page, Table, cents

LIST_MAX = 200  # rows of a per-product table on one page (the CSV has the same rows)
LOW_MAX = 100
SLOW_MAX = 25
SELLABLE = ExpressionWrapper(F("on_hand") - F("allocated") - F("quarantined"), output_field=IntegerField())


def _stock_sums() -> dict:
    return {
        "sum_on_hand": Sum("on_hand"),
        "sum_allocated": Sum("allocated"),
        "sum_quarantined": Sum("quarantined"),
        "sum_sellable": Sum(SELLABLE),
        "sum_value": Sum(ExpressionWrapper(F("on_hand") * F("product__unit_price"), output_field=MONEY)),
    }


def stock_per_location() -> Table:
    rows = (
        StockLevel.objects.values("location__code", "location__name")
        .annotate(products=Count("product_id"), **_stock_sums())
        .order_by("location__code")
    )
    table = Table(
        "Stock per location",
        ["Location", "Name", "Products", "On hand", "Reserved", "Quarantined", "Sellable", "Value at list price"],
    )
    table.rows = [
        (r["location__code"], r["location__name"], r["products"], r["sum_on_hand"], r["sum_allocated"],
         r["sum_quarantined"], r["sum_sellable"], cents(r["sum_value"]))
        for r in rows
    ]  # fmt: skip
    totals = StockLevel.objects.aggregate(**_stock_sums())
    table.totals = [
        ("Total", "", "", totals["sum_on_hand"] or 0, totals["sum_allocated"] or 0, totals["sum_quarantined"] or 0,
         totals["sum_sellable"] or 0, cents(totals["sum_value"]))
    ]  # fmt: skip
    return table


def stock_per_product() -> Table:
    """Physical (on hand) against sellable per product over every location, biggest gap first."""
    rows = (
        StockLevel.objects.values("product__sku", "product__name")
        .annotate(**_stock_sums())
        .annotate(gap=F("sum_on_hand") - F("sum_sellable"))
        .order_by("-gap", "product__sku")[:LIST_MAX]
    )
    table = Table(
        f"Sellable and physical stock per product (first {LIST_MAX}, biggest gap first)",
        ["SKU", "Product", "On hand", "Reserved", "Quarantined", "Sellable", "Value at list price"],
    )
    table.rows = [
        (r["product__sku"], r["product__name"], r["sum_on_hand"], r["sum_allocated"], r["sum_quarantined"],
         r["sum_sellable"], cents(r["sum_value"]))
        for r in rows
    ]  # fmt: skip
    return table


def low_stock() -> Table:
    rows = (
        StockLevel.objects.annotate(sellable_now=SELLABLE)
        .filter(sellable_now__lt=F("reorder_point"))
        .annotate(short=F("reorder_point") - F("sellable_now"))
        .values("product__sku", "product__name", "location__code", "sellable_now", "reorder_point", "short")
        .order_by("-short", "product__sku", "location__code")[:LOW_MAX]
    )
    table = Table(
        f"Low stock (below the reorder point, first {LOW_MAX})",
        ["SKU", "Product", "Location", "Sellable", "Reorder point", "Short by"],
    )
    table.rows = [
        (r["product__sku"], r["product__name"], r["location__code"], r["sellable_now"], r["reorder_point"],
         r["short"])
        for r in rows
    ]  # fmt: skip
    return table


def slow_movers(filters: Filters) -> Table:
    """Products with stock on hand that sold the fewest units in the range (none first).

    Two grouped queries, merged per product: the stock of every product that has some, and the units sold
    per product in the range. (As one query, a correlated subquery per product re-read the order lines of
    the range for every product: 40 s at 100,000 orders.) The merge loops over products, never orders.
    """
    stocked = (
        StockLevel.objects.values("product_id", "product__sku", "product__name")
        .annotate(**_stock_sums())
        .filter(sum_on_hand__gt=0)
    )
    sold: dict[int, int] = {}
    for product_id, units in product_sales(filters).values_list("product_id", "units"):  # per product and currency
        sold[product_id] = sold.get(product_id, 0) + units
    rows = sorted(
        (
            (sold.get(r["product_id"], 0), -r["sum_on_hand"], r["product__sku"], r["product__name"], r["sum_value"])
            for r in stocked
        ),
        key=lambda row: row[:3],
    )[:SLOW_MAX]
    table = Table(
        f"Slow movers (fewest units sold in the range, first {SLOW_MAX})",
        ["SKU", "Product", "On hand", "Units sold", "Value at list price"],
    )
    table.rows = [(sku, name, -minus_on_hand, units, cents(value)) for units, minus_on_hand, sku, name, value in rows]
    return table


def report_inventory(filters: Filters) -> Page:
    tables = [stock_per_location(), stock_per_product(), low_stock(), slow_movers(filters)]
    page = Page("inventory", "Inventory", tables)
    page.notes.append(
        "Stock is as it is now; only slow movers use the date range and channel. Value is on hand × list price "
        "(the catalogue has no cost price)."
    )
    return page
