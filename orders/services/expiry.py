"""Unpaid orders whose reservation time ran out are cancelled, which frees their stock."""

from django.db import transaction
from django.utils import timezone

from .. import events
from ..exceptions import OrderError
from ..models import Order, OrderEvent
from .cancel import order_cancel


def reservations_expire(*, now=None, batch_size: int = 200) -> list[str]:
    """Cancel every placed, unpaid, unshipped order past its reservation deadline. Returns their numbers.

    Each order is handled in its own transaction; rows another worker holds are skipped (skip_locked)
    and picked up on the next run, so two schedulers never cancel the same order twice.
    """
    now = now or timezone.now()
    expired: list[str] = []
    while True:
        with transaction.atomic():
            candidates = list(
                Order.objects.select_for_update(skip_locked=True)
                .filter(
                    status=Order.Status.PLACED,
                    payment_status=Order.PaymentStatus.UNPAID,
                    fulfillment_status=Order.FulfillmentStatus.UNFULFILLED,
                    reservation_expires_at__lte=now,
                )
                .order_by("reservation_expires_at", "pk")[:batch_size]
            )
            for order in candidates:
                hours = round((now - order.placed_at).total_seconds() / 3600) if order.placed_at else None
                try:
                    with transaction.atomic():
                        order_cancel(order_id=order.pk, source=OrderEvent.Source.BEAT, reason="Reservation expired")
                        events.order_reservation_expired_event(order=order, hours=hours)
                except OrderError:
                    continue
                expired.append(order.number)
        # Stop on a short batch, or when a whole batch could not be cancelled (nothing would change).
        if len(candidates) < batch_size or not expired[-len(candidates) :]:
            return expired
