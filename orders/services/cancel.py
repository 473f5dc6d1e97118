"""Cancelling whole orders and single lines; reservations are released."""

from django.db import transaction

from .. import events, hooks
from ..exceptions import OrderValidationError
from ..models import Order, OrderEvent, OrderLine
from ..pricing import LINE_AMOUNT_FIELDS, TOTAL_FIELDS, line_discount_follow, order_price
from .allocation import allocation_sync
from .locks import Locked, order_lock
from .rows import rows_update
from .split import family_expected_adjust
from .status import order_statuses_refresh

Source = OrderEvent.Source


@transaction.atomic
def order_cancel(*, order_id: int, actor=None, source: str = Source.ADMIN, reason: str = "") -> Order:
    """Cancel a draft or a placed order that has shipped nothing; all its reservations are released.

    Lock: `order_lock(operation="cancel")`, the order (with its family root), then its stock levels.
    Refuses with the "cancel" state check or a guard's sentence (InvalidTransition), changing nothing.
    Side effects: the CANCELED and RELEASED events, the "cancel" hooks.
    """
    locked = order_lock(order_id, operation="cancel", actor=actor)
    return order_cancel_locked(locked=locked, actor=actor, source=source, reason=reason)


def order_cancel_locked(*, locked: Locked, actor, source: str, reason: str) -> Order:
    """The cancellation itself, for callers that already hold `order_lock(operation="cancel")` (expiry)."""
    order = locked.order
    lines = list(order.lines.order_by("pk"))
    old_status = order.status
    order.cancel(reason=reason)
    order.reservation_expires_at = None
    order.save(update_fields=["status", "canceled_at", "cancel_reason", "reservation_expires_at", "updated_at"])
    _, released = allocation_sync(order=order, lines=lines, locked=locked, actor=actor)
    events.order_canceled_event(order=order, actor=actor, source=source, old_status=old_status, reason=reason)
    if released:
        events.order_released_event(order=order, actor=actor, source=source, releases=released, reason="cancelled")
    hooks.run_hooks(hooks.HookContext("cancel", order, actor=actor, change={"reason": reason}))
    return order


@transaction.atomic
def order_line_cancel(
    *, order_id: int, line_id: int, quantity: int, actor=None, source: str = Source.ADMIN, reason: str = ""
) -> Order:
    """Cancel `quantity` open units of one line of a placed order; the totals follow and stock is released.

    Lock: `order_lock(operation="line_cancel")`, the order with its family root (the family's expected
    total follows), then its stock levels. Refuses (InvalidTransition, OrderValidationError) changing
    nothing. Side effects: LINE_CANCELED and RELEASED events, the "line_cancel" hooks.
    """
    change = {"line_id": line_id, "quantity": quantity}
    locked = order_lock(order_id, operation="line_cancel", change=change, actor=actor)
    order = locked.order
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
    _, released = allocation_sync(order=order, lines=lines, locked=locked, actor=actor)
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
    hooks.run_hooks(hooks.HookContext("line_cancel", order, actor=actor, change={**change, "reason": reason}))
    return order
