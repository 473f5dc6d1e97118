"""Low-stock alerts: raised and cleared by the stock primitives (catalog.services) on the levels they hold
locked; who is told about a new alert is not catalog's business.

catalog imports no other app, so an app above it that wants to hear of new alerts registers a listener in
its AppConfig.ready() (orders: queue the e-mail to the shop's low-stock address through the outbox). A
listener runs after the transaction that raised the alerts commits, with their ids; it is the fast path
only: the alert row (`notified_at` empty) is what is never lost, and a beat task sweeps the rest.
"""

from collections.abc import Callable
from functools import partial

from django.db import transaction
from django.utils import timezone

from .models import StockAlert, StockLevel

AlertListener = Callable[[list[int]], None]
_listeners: dict[str, AlertListener] = {}


def alert_listener_register(name: str, listener: AlertListener) -> None:
    """Call `listener(alert_ids)` after each commit that raised alerts (registering a name again replaces it)."""
    _listeners[name] = listener


def alert_listener_unregister(name: str) -> None:
    _listeners.pop(name, None)


def alerts_mark(levels: list[StockLevel]) -> tuple[list[StockLevel], list[StockLevel]]:
    """Before a locked level's counters are saved: which levels fell below their reorder point (no open
    alert yet) and which are back at or above it (an open alert). Sets `low_stock_alerted` so the caller's
    UPDATE writes it with the counters; `alerts_write` then writes the alert rows."""
    raised, cleared = [], []
    for level in {level.pk: level for level in levels}.values():
        if level.is_low and not level.low_stock_alerted:
            level.low_stock_alerted = True
            raised.append(level)
        elif not level.is_low and level.low_stock_alerted:
            level.low_stock_alerted = False
            cleared.append(level)
    return raised, cleared


def alerts_write(raised: list[StockLevel], cleared: list[StockLevel]) -> list[StockAlert]:
    """One INSERT for the new alerts, one UPDATE for the cleared ones; nothing at all when neither."""
    now = timezone.now()
    if cleared:
        StockAlert.objects.filter(level_id__in=[level.pk for level in cleared], cleared_at=None).update(cleared_at=now)
    if not raised:
        return []
    alerts = StockAlert.objects.bulk_create(
        StockAlert(level=level, sellable=level.sellable, reorder_point=level.reorder_point, raised_at=now)
        for level in raised
    )
    ids = [alert.pk for alert in alerts]
    for listener in list(_listeners.values()):
        transaction.on_commit(partial(listener, ids))
    return alerts
