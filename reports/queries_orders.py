"""Orders reports: count and revenue per period, per channel, per status; top products and top customers.

Which orders: every placed order (not drafts) whose `placed_at` falls in the range, in the chosen channel.
"Orders" counts customer orders: an order split off another keeps its placement date and is part of the
same customer order, so only family roots and unsplit orders are counted (`parent` empty); revenue adds
every order that is not cancelled, split-off parts included (a split conserves money, so the family's sum is
the order's value). Revenue is the orders' current totals (after edits and cancelled lines), net and gross.
The per-status table counts every order row, split-off parts too: each part has its own status.
"""

from django.db.models import Count, F, Q, QuerySet, Sum

from orders.models import Order, OrderLine

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


def _money_aggregates() -> dict:
    return {
        "orders": Count("pk", filter=CUSTOMER_ORDER),
        "cancelled": Count("pk", filter=CUSTOMER_ORDER & Q(status=Order.Status.CANCELED)),
        "net": Sum("total_net", filter=LIVE),
        "gross": Sum("total_gross", filter=LIVE),
    }


def orders_per_period(filters: Filters) -> tuple[Table, list[dict]]:
    rows = list(
        placed_orders(filters)
        .annotate(period=period_of("placed_at", filters))
        .values("period", "currency")
        .annotate(**_money_aggregates())
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
    rows = (
        placed_orders(filters)
        .values("channel__name", "currency")
        .annotate(**_money_aggregates())
        .order_by("-gross", "channel__name", "currency")
    )
    table = Table("Orders per channel", ["Channel", "Currency", "Orders", "Cancelled", "Revenue net", "Revenue gross"])
    table.rows = [
        (r["channel__name"], r["currency"], r["orders"], r["cancelled"], cents(r["net"]), cents(r["gross"]))
        for r in rows
    ]
    return table


def orders_per_status(filters: Filters) -> Table:
    rows = (
        placed_orders(filters)
        .values("status", "payment_status", "fulfillment_status", "currency")
        .annotate(orders=Count("pk"), gross=Sum("total_gross"))
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


def top_products(filters: Filters) -> Table:
    """Catalogue products by gross revenue of their live units (custom items are not products)."""
    lines = OrderLine.objects.filter(order__in=placed_orders(filters).filter(LIVE), product__isnull=False)
    rows = (
        lines.values("product_id", "product__sku", "product__name", "order__currency")
        .annotate(
            units=Sum(F("quantity") - F("quantity_canceled")),
            # lines, not COUNT(DISTINCT order): a distinct count forces a sort of every line of the range
            # (external merge at 100,000 orders); an order has a product on one line unless typed twice
            lines=Count("pk"),
            gross=Sum("gross"),
        )
        .order_by("-gross", "product__sku")[:TOP]
    )
    table = Table(f"Top {TOP} products", ["SKU", "Product", "Currency", "Units", "Order lines", "Revenue gross"])
    table.rows = [
        (r["product__sku"], r["product__name"], r["order__currency"], r["units"], r["lines"], cents(r["gross"]))
        for r in rows
    ]
    return table


def top_customers(filters: Filters) -> Table:
    rows = (
        placed_orders(filters)
        .filter(LIVE)
        .values("customer_id", "customer__name", "customer__email", "currency")
        .annotate(orders=Count("pk", filter=CUSTOMER_ORDER), gross=Sum("total_gross"))
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
