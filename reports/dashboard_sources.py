"""Where the dashboard's figures come from: for each, the rows it counts, the permission to see it and the
admin list that shows the same rows (its link must filter to exactly those rows).

Refunds are the returns app's Refund rows: pending ones await approval; approved (sending) and sent (a payout
to confirm) ones are in progress; paid ones are refunded (the Financials report sums those).
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from catalog.models import StockAlert
from invoicing.models import Invoice
from invoicing.selectors import TABS_BY_SLUG as INVOICE_TABS
from notifications.models import DeliveryStatus, Message, WebhookDelivery
from orders.models import Order
from orders.selectors.staff import ORDER_TABS
from returns.models import Refund


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    permission: str
    queryset: QuerySet
    url: str


def _url(name: str, params: dict | None = None) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(params)}" if params else url


def today_bounds():
    """Midnight to midnight in the shop's time zone, as aware datetimes."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timezone.timedelta(days=1)


def today_orders_url() -> str:
    # The parameters of the order list's "Placed" filter (Django's date filter, its "Today" choice).
    start, end = today_bounds()
    return _url("admin:orders_order_changelist", {"placed_at__gte": str(start), "placed_at__lt": str(end)})


def order_tab_sources() -> list[Source]:
    return [
        Source(f"tab:{tab.slug}", tab.label, "orders.view_order", Order.objects.filter(tab.condition),
               _url("admin:orders_order_changelist", {"tab": tab.slug} if tab.slug != "all" else None))
        for tab in ORDER_TABS
    ]  # fmt: skip


def attention_sources() -> list[Source]:
    """The figures that ask for someone's work, each a capped count (oms.admin_lists)."""
    sources = [
        Source("overdue_invoices", "Overdue invoices", "invoicing.view_invoice",
               Invoice.objects.filter(INVOICE_TABS["overdue"].condition()),
               _url("admin:invoicing_invoice_changelist", {"tab": "overdue"})),
        Source("low_stock", "Low-stock alerts", "catalog.view_stockalert",
               StockAlert.objects.filter(cleared_at__isnull=True),
               _url("admin:catalog_stockalert_changelist", {"status": "open"})),
        Source("failed_messages", "Failed e-mails", "notifications.view_message",
               Message.objects.filter(status=DeliveryStatus.FAILED),
               _url("admin:notifications_message_changelist", {"status__exact": DeliveryStatus.FAILED})),
        Source("failed_webhooks", "Failed webhooks", "notifications.view_webhookdelivery",
               WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED),
               _url("admin:notifications_webhookdelivery_changelist", {"status__exact": DeliveryStatus.FAILED})),
    ]  # fmt: skip
    sources[1:1] = refund_sources()
    return sources


def refund_sources() -> list[Source]:
    """Refunds awaiting approval (pending) and in progress (approved and sending, or sent as a payout that
    finance still confirms), each linked to the refund list filtered to the same statuses."""
    moving = [Refund.Status.APPROVED, Refund.Status.SENT]
    return [
        Source("refunds_awaiting_approval", "Refunds awaiting approval", "returns.view_refund",
               Refund.objects.filter(status=Refund.Status.PENDING),
               _url("admin:returns_refund_changelist", {"status__exact": Refund.Status.PENDING})),
        Source("refunds_in_progress", "Refunds in progress", "returns.view_refund",
               Refund.objects.filter(status__in=moving),
               _url("admin:returns_refund_changelist", {"status__in": ",".join(moving)})),
    ]  # fmt: skip
