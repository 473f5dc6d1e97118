"""Orders reports: count and revenue per period, per channel, per status; top products and top customers.

Which orders: every placed order (not drafts) whose `placed_at` falls in the range, in the chosen channel.
"Orders" counts customer orders: an order split off another keeps its placement date and is part of the
same customer order, so only family roots and unsplit orders are counted (`parent` empty); revenue adds
every order that is not cancelled, split-off parts included (a split conserves money, so the family's sum is
the order's value). Revenue is the orders' current totals (after edits and cancelled lines), net and gross.
The per-status table counts every order row, split-off parts too: each part has its own status.

The three tables of the orders report read the daily roll-up on PostgreSQL (reports/rollups.py: a year is a
few thousand groups instead of half a million orders at a million), the orders themselves on SQLite; both
give the same figures (tests/reports/test_rollups.py). Top products and customers read the orders and lines.
"""

from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from orders.models import Customer, Order, OrderLine

from . import rollups
from .forms import Filters
from .tables import Page, Table, cents, period_label, period_of, trend

TOP = 20
CUSTOMER_ORDER = Q(parent__isnull=True)
LIVE = ~Q(status=Order.Status.CANCELED)


def placed_orders(filters: Filters) -> QuerySet[Order]:
    orders = Order.objects.exclude(status=Order.Status.DRAFT).filter(
        placed_at__gte=filters.start, placed_at__lt=filters.end
    )
    return orders.filter(channel_id=filters.channel_id) if filters.channel_id else orders


@dataclass(frozen=True)
class Groups:
    """The placed orders of the filters, as rows to group: orders (one each) or roll-up groups (a count each).
    `n(condition)` counts the orders meeting `condition`; `total(field)` sums a total of the live orders."""

    rows: QuerySet
    day: str  # the field a period is cut from
    customer_order: Q

    def n(self, condition: Q | None = None):
        if self.rows.model is Order:
            return Count("pk", filter=condition)
        return Coalesce(Sum("n_orders", filter=condition), 0)

    def total(self, field: str, condition: Q | None = LIVE):
        return Sum(field if self.rows.model is Order else field.replace("total_", "sum_"), filter=condition)


def order_groups(filters: Filters) -> Groups:
    if not rollups.in_use():
        return Groups(placed_orders(filters), "placed_at", CUSTOMER_ORDER)
    rows = rollups.OrderDayFigures.objects.filter(day__gte=filters.since, day__lte=filters.until)
    if filters.channel_id:
        rows = rows.filter(channel_id=filters.channel_id)
    return Groups(rows, "day", Q(customer_order=True))


def _money_aggregates(groups: Groups) -> dict:
    return {
        # every order of the group: a roll-up group whose changes cancelled out holds none and is left out
        "placed": groups.n(),
        "orders": groups.n(groups.customer_order),
        "cancelled": groups.n(groups.customer_order & Q(status=Order.Status.CANCELED)),
        "net": groups.total("total_net"),
        "gross": groups.total("total_gross"),
    }


def orders_per_period(filters: Filters) -> tuple[Table, list[dict]]:
    groups = order_groups(filters)
    rows = list(
        groups.rows.annotate(period=period_of(groups.day, filters))
        .values("period", "currency")
        .annotate(**_money_aggregates(groups))
        .filter(placed__gt=0)
        .order_by("period", "currency")
    )
    table = Table(
        f"Orders per {filters.period}", ["Period", "Currency", "Orders", "Cancelled", "Revenue net", "Revenue gross"]
    )
    table.rows = [
        (period_label(r["period"], filters.period), r["currency"], r["orders"], r["cancelled"], cents(r["net"]),
         cents(r["gross"]))
        for r in rows
    ]  # fmt: skip
    return table, rows


def orders_per_channel(filters: Filters) -> Table:
    groups = order_groups(filters)
    rows = (
        groups.rows.values("channel__name", "currency")
        .annotate(**_money_aggregates(groups))
        .filter(placed__gt=0)
        .order_by("-gross", "channel__name", "currency")
    )
    table = Table("Orders per channel", ["Channel", "Currency", "Orders", "Cancelled", "Revenue net", "Revenue gross"])
    table.rows = [
        (r["channel__name"], r["currency"], r["orders"], r["cancelled"], cents(r["net"]), cents(r["gross"]))
        for r in rows
    ]
    return table


def orders_per_status(filters: Filters) -> Table:
    groups = order_groups(filters)
    rows = (
        groups.rows.values("status", "payment_status", "fulfillment_status", "currency")
        .annotate(orders=groups.n(), gross=groups.total("total_gross", condition=None))
        .filter(orders__gt=0)
        .order_by("status", "payment_status", "fulfillment_status", "currency")
    )
    labels = {
        **dict(Order.Status.choices),
        **dict(Order.PaymentStatus.choices),
        **dict(Order.FulfillmentStatus.choices),
    }
    table = Table(
        "Orders per status", ["Status", "Payment", "Fulfilment", "Currency", "Orders (split parts too)", "Total gross"]
    )
    table.rows = [
        (labels[r["status"]], labels[r["payment_status"]], labels[r["fulfillment_status"]], r["currency"],
         r["orders"], cents(r["gross"]))
        for r in rows
    ]  # fmt: skip
    return table


def report_orders(filters: Filters) -> Page:
    per_period, rows = orders_per_period(filters)
    page = Page("orders", "Orders and revenue", [per_period, orders_per_channel(filters), orders_per_status(filters)])
    page.chart = trend(f"Revenue gross per {filters.period}", filters, rows, lambda r: cents(r["gross"]))
    return page


def product_sales(filters: Filters) -> QuerySet:
    """Per product and currency of the live orders of the filters: `units` (ordered less cancelled), `lines`
    and `gross`; from the product roll-up on PostgreSQL, the order lines on SQLite."""
    if not rollups.in_use():
        lines = OrderLine.objects.filter(order__in=placed_orders(filters).filter(LIVE), product__isnull=False)
        return lines.values("product_id", "product__sku", "product__name", currency=F("order__currency")).annotate(
            units=Sum(F("quantity") - F("quantity_canceled")),
            # lines, not COUNT(DISTINCT order): a distinct count forces a sort of every line of the range
            # (external merge at 100,000 orders); an order has a product on one line unless typed twice
            lines=Count("pk"),
            gross=Sum("gross"),
        )
    days = rollups.ProductDayFigures.objects.filter(day__gte=filters.since, day__lte=filters.until)
    if filters.channel_id:
        days = days.filter(channel_id=filters.channel_id)
    return (
        days.values("product_id", "product__sku", "product__name", "currency")
        .annotate(units=Sum("sum_units"), lines=Sum("n_lines"), gross=Sum("sum_gross"))
        .filter(lines__gt=0)  # a product whose lines of the range all went (a group's changes cancelled out)
    )


def top_products(filters: Filters) -> Table:
    """Catalogue products by gross revenue of their live units (custom items are not products)."""
    rows = product_sales(filters).order_by("-gross", "product__sku")[:TOP]
    table = Table(f"Top {TOP} products", ["SKU", "Product", "Currency", "Units", "Order lines", "Revenue gross"])
    table.rows = [
        (r["product__sku"], r["product__name"], r["currency"], r["units"], r["lines"], cents(r["gross"])) for r in rows
    ]
    return table


def top_customers(filters: Filters) -> Table:
    """Grouped on the customer's id alone; the name and e-mail are subqueries, which PostgreSQL evaluates after
    the sort and limit, for the 20 rows shown (grouping on them joined and sorted every customer's text: 2.7 s
    of a year at a million orders)."""
    customer = Customer.objects.filter(pk=OuterRef("customer_id"))
    rows = (
        placed_orders(filters)
        .filter(LIVE)
        .values("customer_id", "currency")
        .annotate(orders=Count("pk", filter=CUSTOMER_ORDER), gross=Sum("total_gross"))
        .annotate(
            customer__name=Subquery(customer.values("name")[:1]),
            customer__email=Subquery(customer.values("email")[:1]),
        )
        .order_by("-gross", "customer_id")[:TOP]
    )
    table = Table(f"Top {TOP} customers", ["Customer", "E-mail", "Currency", "Orders", "Revenue gross"])
    table.rows = [
        (r["customer__name"], r["customer__email"], r["currency"], r["orders"], cents(r["gross"])) for r in rows
    ]
    return table


def report_top(filters: Filters) -> Page:
    page = Page("top", "Top products and customers", [top_products(filters), top_customers(filters)])
    page.notes.append("Cancelled orders and cancelled units are left out; custom items are not products.")
    return page
