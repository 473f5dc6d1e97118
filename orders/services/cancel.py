"""Cancelling whole orders and single lines; reservations are released.

Money follows the rules in `orders.pricing` (one docstring for every reduction): cancelled units take
their share of the line and order discounts with them, the lines that stay are not re-priced, and an
order left without an active unit is cancelled and owes no shipping, so what was paid shows as a refund due.
"""

from django.db import transaction

from notifications.models import EmailKind

from .. import events, hooks
from ..exceptions import OrderValidationError
from ..models import Order, OrderEvent, OrderLine
from ..notify import order_notify
from ..pricing import LINE_AMOUNT_FIELDS, REPRICED_FIELDS, line_reduce, order_has_active_units, order_reprice
from .allocation import allocation_sync
from .locks import Locked, order_lock
from .rows import rows_update
from .split import family_expected_adjust
from .status import order_statuses_refresh

Source = OrderEvent.Source
ALL_UNITS_CANCELLED = "Every unit was cancelled"
LINE_FIELDS = ["quantity_canceled", "discount_amount", *LINE_AMOUNT_FIELDS]
CANCEL_FIELDS = ["status", "canceled_at", "cancel_reason", "reservation_expires_at"]


def _cancel_units(line: OrderLine, quantity: int) -> None:
    """Cancel `quantity` active units of a line; its discounts follow the units (pricing rule 1)."""
    line_reduce(line, line.quantity_active - quantity)
    line.quantity_canceled += quantity


def _cancelled_records(*, order: Order, actor, source: str, old_status: str, reason: str, lines=None) -> None:
    """The CANCELED event, the "cancel" hooks and, for an order the customer knew of, the "order cancelled"
    e-mail (saying what will be refunded) and the `order.cancelled` webhook, through the outbox (their data
    from `lines`, the order's lines in memory)."""
    events.order_canceled_event(order=order, actor=actor, source=source, old_status=old_status, reason=reason)
    hooks.run_hooks(hooks.HookContext("cancel", order, actor=actor, change={"reason": reason}))
    if old_status != Order.Status.DRAFT:
        order_notify(
            order=order,
            kind=EmailKind.ORDER_CANCELLED,
            actor=actor,
            extra_context={"cancel_reason": reason},
            source=source,
            lines=lines,
        )


@transaction.atomic
def order_cancel(*, order_id: int, actor=None, source: str = Source.ADMIN, reason: str = "") -> Order:
    """Cancel a draft or a placed order that has shipped nothing.

    Every unit is cancelled (the discounts follow the units) and no shipping is owed, so the total becomes
    0.00 and anything paid shows as a refund due; all reservations are released.
    Lock: `order_lock(operation="cancel")`, the order (with its family root), then its stock levels.
    Refuses with the "cancel" state check or a guard's sentence (InvalidTransition), changing nothing.
    Transition: status -> canceled. Side effects: CANCELED and RELEASED events, the "cancel" hooks, the
    family's expected total follows, and for a placed order the customer's "order cancelled" e-mail and
    the `order.cancelled` webhook.
    """
    locked = order_lock(order_id, operation="cancel", actor=actor)
    return order_cancel_locked(locked=locked, actor=actor, source=source, reason=reason)


def order_cancel_locked(*, locked: Locked, actor, source: str, reason: str) -> Order:
    """The cancellation itself, for callers that already hold `order_lock(operation="cancel")` (expiry)."""
    order = locked.order
    lines = list(order.lines.order_by("position", "pk"))
    old_status, total_before = order.status, order.total_gross
    for line in lines:
        _cancel_units(line, line.quantity_active)
    order_reprice(order, lines, changed=lines)
    order.cancel(reason=reason)
    order.reservation_expires_at = None
    rows_update(OrderLine, lines, LINE_FIELDS, actor=actor)
    _, released = allocation_sync(order=order, lines=lines, locked=locked, actor=actor)
    changed = order_statuses_refresh(order, lines)
    order.save(update_fields=[*CANCEL_FIELDS, *REPRICED_FIELDS, *changed, "updated_at"])
    family_expected_adjust(order=order, delta=order.total_gross - total_before)
    with events.events_batched():  # the cancellation's events, e-mail queued included, in one insert
        _cancelled_records(order=order, actor=actor, source=source, old_status=old_status, reason=reason, lines=lines)
        if released:
            events.order_released_event(order=order, actor=actor, source=source, releases=released, reason="cancelled")
    return order


@transaction.atomic
def order_line_cancel(
    *, order_id: int, line_id: int, quantity: int, actor=None, source: str = Source.ADMIN, reason: str = ""
) -> Order:
    """Cancel `quantity` open units of one line of a placed order; the totals follow and stock is released.

    Money: the units take their share of the line and order discounts with them; no other line is
    re-priced (orders.pricing). When no active unit is left anywhere the order is cancelled (no shipping
    owed) with the same records as `order_cancel`.
    Lock: `order_lock(operation="line_cancel")`, the order with its family root (the family's expected
    total follows), then its stock levels. Refuses (InvalidTransition, OrderValidationError) changing
    nothing. Side effects: LINE_CANCELED (and CANCELED) and RELEASED events, the "line_cancel" hooks.
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
    _cancel_units(line, quantity)
    total_before = order.total_gross
    order_reprice(order, lines, changed=[line])
    emptied = not order_has_active_units(lines)
    if emptied:
        order.cancel(reason=reason or ALL_UNITS_CANCELLED)
        order.reservation_expires_at = None
    rows_update(OrderLine, [line], LINE_FIELDS, actor=actor)
    _, released = allocation_sync(order=order, lines=[line], locked=locked, actor=actor)
    changed = order_statuses_refresh(order, lines)
    order.save(update_fields=[*REPRICED_FIELDS, *changed, *(CANCEL_FIELDS if emptied else []), "updated_at"])
    family_expected_adjust(order=order, delta=order.total_gross - total_before)  # keeps split families balanced
    with events.events_batched():  # the line cancellation's events in one insert
        _line_canceled_records(order, line, lines, released, actor=actor, source=source, reason=reason,
                               change=change, emptied=emptied, quantity=quantity)  # fmt: skip
    return order


def _line_canceled_records(order, line, lines, released, *, actor, source, reason, change, emptied, quantity) -> None:
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
    hooks.run_hooks(hooks.HookContext("line_cancel", order, actor=actor, change={**change, "reason": reason}))
    if emptied:
        reason = reason or ALL_UNITS_CANCELLED
        _cancelled_records(
            order=order, actor=actor, source=source, old_status=Order.Status.PLACED, reason=reason, lines=lines
        )
    if released:
        events.order_released_event(order=order, actor=actor, source=source, releases=released, reason="line cancelled")
