"""The reports of the section, in sidebar order: key -> (title, builder, sidebar icon). Each builder takes the
filters and returns a `Page` of tables (each one a CSV download), made by a fixed number of grouped queries."""

from collections.abc import Callable
from dataclasses import dataclass

from .forms import Filters
from .queries_finance import report_finance
from .queries_orders import report_orders, report_top
from .queries_payments import report_payments
from .queries_shipping import report_shipping
from .queries_stock import report_inventory
from .tables import Page


@dataclass(frozen=True)
class ReportKind:
    key: str
    title: str
    build: Callable[[Filters], Page]
    icon: str
    uses_dates: bool = True


REPORTS = {
    kind.key: kind
    for kind in (
        ReportKind("orders", "Orders and revenue", report_orders, "bar_chart"),
        ReportKind("top", "Top products and customers", report_top, "leaderboard"),
        ReportKind("inventory", "Inventory", report_inventory, "inventory"),
        ReportKind("shipping", "Shipping", report_shipping, "local_shipping"),
        ReportKind("finance", "Financials", report_finance, "account_balance"),
        ReportKind("payments", "Payment reconciliation", report_payments, "price_check"),
    )
}
