"""The admin home's figures (issue 13, "Dashboard"): what staff decide from each morning.

`dashboard_callback` is unfold's DASHBOARD_CALLBACK (settings.UNFOLD): it adds `dashboard` to the admin
index's context and templates/admin/index.html shows it above the sidebar's groups.

Cost: four queries after session and user, whatever the data size (tests/reports/test_dashboard.py pins
the page's 6), each an index range scan or bounded by a LIMIT, so no figure grows with the order table:
1. every count (the order list's status tabs, overdue invoices, refunds awaiting approval, open low-stock
   alerts, failed e-mails and webhooks) in ONE query of capped scalar subqueries (oms.admin_lists);
2. today's orders and revenue per currency (placed_at's index: today's rows only);
3. the five orders waiting longest for shipment (the awaiting-fulfilment tab's partial index, oldest first);
4. the newest open low-stock alerts (the open-alert partial index).
A card shows only to users who may open the list it links to, and its query runs only for them.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum

from catalog.models import StockAlert
from oms.admin_lists import CappedCount, capped_counts
from oms.money import quantize
from orders.models import Order
from orders.selectors.staff import ORDER_TABS_BY_SLUG

from .dashboard_sources import Source, attention_sources, order_tab_sources, today_bounds, today_orders_url

WAITING_ROWS = 5
ALERT_ROWS = 5


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: CappedCount | int | str
    url: str
    attention: bool = False  # a non-zero figure that asks for work (the card is marked)


@dataclass
class Dashboard:
    today: dict | None = None  # {"orders": int, "revenue": [(currency, Decimal)], "url": str}
    tabs: list[Figure] = field(default_factory=list)
    attention: list[Figure] = field(default_factory=list)
    waiting: list[Order] | None = None
    waiting_url: str = ""
    alerts: list[StockAlert] | None = None
    alerts_url: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.today or self.tabs or self.attention)


def _figures(sources: list[Source], counts: dict, attention: bool) -> list[Figure]:
    return [Figure(s.key, s.label, counts[s.key], s.url, attention and counts[s.key] > 0) for s in sources]


def _today() -> dict:
    start, end = today_bounds()
    rows = (
        Order.objects.filter(placed_at__gte=start, placed_at__lt=end)
        .order_by()
        .values("currency")
        .annotate(orders=Count("pk"), revenue=Sum("total_gross"))
        .order_by("currency")
    )
    rows = list(rows)
    return {
        "orders": sum(row["orders"] for row in rows),
        # quantize: SQLite sums decimals as floats; PostgreSQL keeps the cents.
        "revenue": [(row["currency"], quantize(Decimal(str(row["revenue"] or 0)))) for row in rows],
        "url": today_orders_url(),
    }


def _waiting() -> list[Order]:
    """The awaiting-fulfilment tab's oldest orders: ordered by its partial index (created_at, id), which for
    placed orders is their age (a draft's placing follows its creation within the day, as a rule)."""
    tab = ORDER_TABS_BY_SLUG["awaiting_fulfilment"]
    return list(
        Order.objects.filter(tab.condition).select_related("customer").order_by("created_at", "pk")[:WAITING_ROWS]
    )


def _alerts() -> list[StockAlert]:
    return list(
        StockAlert.objects.filter(cleared_at__isnull=True)
        .select_related("level__product", "level__location")
        .order_by("-raised_at", "-pk")[:ALERT_ROWS]
    )


def dashboard_for(user) -> Dashboard:
    """The figures `user` may see (each needs the view permission of the list it links to)."""
    dash = Dashboard()
    sees_orders = user.has_perm("orders.view_order")
    tabs = order_tab_sources() if sees_orders else []
    attention = [s for s in attention_sources() if user.has_perm(s.permission)]
    if tabs or attention:
        counts = capped_counts({s.key: s.queryset for s in (*tabs, *attention)})
        dash.tabs = _figures(tabs, counts, attention=False)
        dash.attention = _figures(attention, counts, attention=True)
    if sees_orders:
        dash.today = _today()
        dash.waiting = _waiting()
        dash.waiting_url = next(t.url for t in tabs if t.key == "tab:awaiting_fulfilment")
    low_stock = next((s for s in attention if s.key == "low_stock"), None)
    if low_stock is not None:
        dash.alerts = _alerts()
        dash.alerts_url = low_stock.url
    return dash


def dashboard_callback(request, context: dict) -> dict:
    """unfold's DASHBOARD_CALLBACK: the admin index's context, with the user's dashboard."""
    context["dashboard"] = dashboard_for(request.user)
    return context
