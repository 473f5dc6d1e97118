"""Cancelling whole orders and single lines; reservations are released."""

from django.db import transaction
from django_fsm import can_proceed

from .. import events
from ..exceptions import InvalidTransition, OrderValidationError
from ..models import Order, OrderEvent, OrderLine
from ..pricing import LINE_AMOUNT_FIELDS, TOTAL_FIELDS, line_discount_follow, order_price
from .allocation import allocation_sync
from .locks import order_lock_with_root
from .rows import rows_update
from .split import family_expected_adjust
from .status import order_statuses_refresh

Source = OrderEvent.Source


@transaction.atomic
def order_cancel(*, order_id: int, actor=None, source: str = Source.ADMIN, reason: str = "") -> Order:
    """Cancel a draft or a placed order that has shipped nothing; all its reservations are released.

    Lock: the order, then its products' stock levels.
    """
    order = Order.objects.select_for_update().get(pk=order_id)
    if not can_proceed(order.cancel):
        raise InvalidTransition(
            f"Order {order.number} is {order.get_status_display().lower()} and cannot be cancelled."
        )
    lines = list(order.lines.order_by("pk"))
    if any(line.quantity_shipped for line in lines):
        raise InvalidTransition(
            f"Order {order.number} has shipped units; cancel its open lines instead of the whole order."
        )
    old_status = order.status
    order.cancel(reason=reason)
    order.reservation_expires_at = None
    order.save(update_fields=["status", "canceled_at", "cancel_reason", "reservation_expires_at", "updated_at"])
    _, released = allocation_sync(order=order, lines=lines, actor=actor)
    events.order_canceled_event(order=order, actor=actor, source=source, old_status=old_status, reason=reason)
    if released:
        events.order_released_event(order=order, actor=actor, source=source, releases=released, reason="cancelled")
    return order


@transaction.atomic
def order_line_cancel(
    *, order_id: int, line_id: int, quantity: int, actor=None, source: str = Source.ADMIN, reason: str = ""
) -> Order:
    """Cancel `quantity` open units of one line of a placed order; the totals follow and stock is released."""
    order, _ = order_lock_with_root(order_id)  # the root too: the family's expected total follows
    if order.status != Order.Status.PLACED:
        raise InvalidTransition(
            f"Order {order.number} is {order.get_status_display().lower()}; its lines cannot be cancelled."
        )
    lines = list(order.lines.select_related("product").order_by("position", "pk"))
    line = next((candidate for candidate in lines if candidate.pk == line_id), None)
    if line is None:
        raise OrderValidationError(f"Order {order.number} has no line {line_id}.")
    if quantity < 1 or quantity > line.quantity_open:
        raise OrderValidationError(f"Line '{line.name}': choose between 1 and {line.quantity_open} units to cancel.")
    line_discount_follow(line, line.quantity_active - quantity)
    line.quantity_canceled += quantity
    total_before = order.total_gross
    order_price(order, lines)
    rows_update(OrderLine, lines, ["quantity_canceled", "discount_amount", *LINE_AMOUNT_FIELDS], actor=actor)
    _, released = allocation_sync(order=order, lines=lines, actor=actor)
    changed = order_statuses_refresh(order, lines)
    order.save(update_fields=[*TOTAL_FIELDS, *changed, "updated_at"])
    family_expected_adjust(order=order, delta=order.total_gross - total_before)  # keeps split families balanced
    events.order_line_canceled_event(
        order=order,
        actor=actor,
        source=source,
        line_id=line.pk,
        sku=line.sku,
        name=line.name,
        quantity=quantity,
        reason=reason,
    )
    if released:
        events.order_released_event(order=order, actor=actor, source=source, releases=released, reason="line cancelled")
    return order
