"""Telling the shop about low-stock alerts: one e-mail per alert to ShopSettings.low_stock_email, through the
outbox.

catalog raises an alert once per fall below the reorder point, under the level's lock (catalog.alerts); it
cannot queue an e-mail itself (catalog and notifications do not import each other), so orders, which sits
above both, does: a listener registered in OrdersConfig.ready() hands the new alerts' ids to
`stock_alerts_notify_task` after their transaction commits (the fast path), and beat runs the same task
every few minutes for any alert still without `notified_at` (a broker outage delays, never drops).
Each alert is claimed under its row lock (skip locked) and marked notified in the transaction that writes
its outbox row, so a retry or two workers at once never queue a second e-mail.
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from catalog.models import StockAlert
from notifications.models import EmailKind
from notifications.services.email import email_enqueue
from oms.models import ShopSettings

BATCH = 200  # alerts claimed per transaction


def _alerts_url() -> str:
    return f"{settings.OMS_SITE_URL}{reverse('admin:catalog_stockalert_changelist')}?status=open"


def _context(alert: StockAlert, shop: ShopSettings) -> dict:
    level = alert.level
    return {
        "shop_name": shop.name,
        "sku": level.product.sku,
        "product": level.product.name,
        "location": level.location.name,
        "sellable": alert.sellable,
        "reorder_point": alert.reorder_point,
        "raised_at": timezone.localtime(alert.raised_at).strftime("%-d %b %Y %H:%M"),
        "alerts_url": _alerts_url(),
    }


@transaction.atomic
def stock_alerts_notify(*, alert_ids: list[int] | None = None) -> int:
    """Queue the e-mail of each alert not yet notified (those of `alert_ids`, or any) and mark it notified.

    Locks the alerts (skip locked: another worker has those). An alert cleared before its e-mail left is
    not e-mailed (the stock is back). Without a configured address the alerts are marked notified with no
    e-mail: setting an address later does not send a flood of stale alerts. Returns the e-mails queued.
    """
    alerts = StockAlert.objects.select_for_update(skip_locked=True, of=("self",)).filter(notified_at=None)
    if alert_ids is not None:
        alerts = alerts.filter(pk__in=alert_ids)
    claimed = list(alerts.select_related("level__product", "level__location").order_by("pk")[:BATCH])
    if not claimed:
        return 0
    shop = ShopSettings.load()
    to = shop.low_stock_email
    sent = 0
    for alert in claimed:
        if to and alert.cleared_at is None:
            email_enqueue(kind=EmailKind.LOW_STOCK, to=to, context=_context(alert, shop), topic="stock_alert",
                          topic_id=alert.pk)  # fmt: skip
            sent += 1
    StockAlert.objects.filter(pk__in=[alert.pk for alert in claimed]).update(notified_at=timezone.now())
    return sent
