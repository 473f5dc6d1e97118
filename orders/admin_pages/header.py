"""The header every order page shares: number, channel, dates, version, status badges and the action buttons.

Presentation only: the badges read the order's stored statuses and amounts (no query); the buttons come from
`general.order_object_tools`, which asks the same rules the services enforce.
"""

from datetime import timedelta

from django.utils import timezone

from ..models import Order

# Badge tones, by status value; CSS colours them (static/oms/admin.css, .badge-<tone>).
TONES = {
    "draft": "neutral",
    "placed": "info",
    "canceled": "danger",
    "unpaid": "warning",
    "partially_paid": "warning",
    "paid": "success",
    "refund_due": "danger",
    "unfulfilled": "neutral",
    "partially_fulfilled": "warning",
    "fulfilled": "success",
}


def _badge(key: str, label: str, value: str) -> dict:
    return {"key": key, "label": label, "tone": TONES.get(value, "neutral"), "value": value}


def duration_words(delta: timedelta) -> str:
    """'45 min', '3 h', '2 days': how long until something happens, rounded down, never below a minute."""
    minutes = max(int(delta.total_seconds() // 60), 1)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


def order_badges(order: Order, *, now=None) -> list[dict]:
    """Order, payment (with the amount of a refund due) and fulfilment status, and the reservation deadline."""
    now = now or timezone.now()
    badges = [_badge("status", order.get_status_display(), order.status)]
    if order.status != Order.Status.DRAFT:
        payment = order.get_payment_status_display()
        if order.refund_due:  # the amount owed back, where staff look first
            payment = f"{payment} {order.currency} {order.refund_due}"
        badges.append(_badge("payment", payment, order.payment_status))
        badges.append(_badge("fulfillment", order.get_fulfillment_status_display(), order.fulfillment_status))
    expires = order.reservation_expires_at
    if order.status == Order.Status.PLACED and expires and not order.amount_paid:
        if expires > now:
            label = f"Reservation expires in {duration_words(expires - now)}"
        else:
            label = "Reservation expired: cancelled at the next expiry run"
        badges.append({"key": "reservation", "label": label, "tone": "warning"})
    return badges
