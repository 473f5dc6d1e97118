"""Unpaid orders whose reservation time ran out are cancelled, which frees their stock."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .. import events
from ..exceptions import OrderError
from ..models import Order, OrderEvent
from .cancel import order_cancel_locked
from .locks import order_lock

REASON = "Reservation expired"


def _due(now: datetime):
    return Order.objects.filter(
        status=Order.Status.PLACED,
        payment_status=Order.PaymentStatus.UNPAID,
        fulfillment_status=Order.FulfillmentStatus.UNFULFILLED,
        reservation_expires_at__lte=now,
    )


def _still_due(order: Order, now: datetime) -> bool:
    """The conditions of `_due`, checked on the locked row."""
    return (
        order.status == Order.Status.PLACED
        and order.payment_status == Order.PaymentStatus.UNPAID
        and order.fulfillment_status == Order.FulfillmentStatus.UNFULFILLED
        and order.reservation_expires_at is not None
        and order.reservation_expires_at <= now
    )


def _expire_one(order_id: int, now: datetime) -> str | None:
    """Cancel one order if it is still due, in its own short transaction; return its number."""
    with transaction.atomic():
        # The one lock primitive, without waiting: an order (or family root) another transaction holds,
        # a payment being recorded, say, is skipped and the next run sees it. Re-checked under the lock:
        # a payment may have landed since the order was listed.
        locked = order_lock(order_id, operation="cancel", skip_locked=True)
        if locked is None or not _still_due(locked.order, now):
            return None
        order = locked.order
        hours = round((now - order.placed_at).total_seconds() / 3600) if order.placed_at else None
        order_cancel_locked(locked=locked, actor=None, source=OrderEvent.Source.BEAT, reason=REASON)
        events.order_reservation_expired_event(order=order, hours=hours)
        return order.number


def reservations_expire(*, now: datetime | None = None, batch_size: int = 200) -> list[str]:
    """Cancel every placed, unpaid, unshipped order past its reservation deadline. Returns their numbers.

    Orders are listed in pk batches (keyset, so the loop always ends) and each is cancelled in its
    own transaction, so stock levels are never held locked for a whole batch and a failure rolls
    back one order only. Paid or partly paid orders, orders with shipments and wholesale orders on
    terms (no deadline) are never touched. Running it twice cancels nothing more.
    """
    now = now or timezone.now()
    expired: list[str] = []
    last_pk = 0
    while True:
        ids = list(_due(now).filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:batch_size])
        for order_id in ids:
            try:
                number = _expire_one(order_id, now)
            except OrderError:
                continue  # e.g. it changed state meanwhile; nothing of it was written
            if number:
                expired.append(number)
        if len(ids) < batch_size:
            return expired
        last_pk = ids[-1]
