"""Where the dashboard's figures come from: for each, the rows it counts, the permission to see it and the
admin list that shows the same rows (its link must filter to exactly those rows).

Models of apps that may not be installed or built yet (returns' refunds) are looked up by name, so the
dashboard shows their card when the app has them and leaves it out until then; reports sits on top and
may read every app, but never needs one to exist.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.apps import apps
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from catalog.models import StockAlert
from invoicing.models import Invoice
from invoicing.selectors import TABS_BY_SLUG as INVOICE_TABS
from notifications.models import DeliveryStatus, Message, WebhookDelivery
from orders.models import Order
from orders.selectors.staff import ORDER_TABS


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
    refunds = refunds_awaiting_approval_source()
    if refunds is not None:
        sources.insert(1, refunds)
    return sources


def refunds_awaiting_approval_source() -> Source | None:
    """Refunds waiting for staff approval, once the returns app has its Refund model and admin (else None)."""
    try:
        refund = apps.get_model("returns", "Refund")
    except LookupError:
        return None
    status = _awaiting_approval_status(refund)
    if status is None:
        return None
    try:
        url = _url("admin:returns_refund_changelist", {"status__exact": status})
    except NoReverseMatch:
        return None
    return Source("refunds_awaiting_approval", "Refunds awaiting approval", "returns.view_refund",
                  refund.objects.filter(Q(status=status)), url)  # fmt: skip


def _awaiting_approval_status(refund) -> str | None:
    choices = getattr(refund, "Status", None)
    for name in ("AWAITING_APPROVAL", "PENDING_APPROVAL", "NEEDS_APPROVAL", "PENDING"):
        member = getattr(choices, name, None)
        if member is not None:
            return member.value
    return None
