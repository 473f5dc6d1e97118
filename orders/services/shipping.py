"""Units leaving the warehouse for an order. The fulfilment app's shipments call this service."""

from django.db import transaction

from .. import events, hooks
from ..exceptions import OrderValidationError
from ..models import Order, OrderEvent, OrderLine
from .allocation import allocation_consume
from .locks import order_lock
from .rows import rows_update
from .status import order_statuses_refresh

Source = OrderEvent.Source


@transaction.atomic
def order_lines_ship(
    *, order_id: int, quantities: dict[int, int], reference: str = "", actor=None, source: str = Source.ADMIN
) -> Order:
    """Ship open units per line id: their reservations become shipment movements; statuses follow.

    Lock: `order_lock(operation="ship")`, the order (with its family root), then every level of its
    products in one pk-ordered query. Refuses (InvalidTransition: the "ship" state check and guards;
    OrderValidationError: a line or quantity it cannot ship), changing nothing. Side effects: the SHIPPED
    event, the "ship" hooks.
    """
    locked = order_lock(order_id, operation="ship", change=quantities, actor=actor)
    order = locked.order
    lines = list(order.lines.order_by("position", "pk"))
    by_id = {line.pk: line for line in lines}
    shipped = []
    for line_id, quantity in sorted(quantities.items()):
        line = by_id.get(line_id)
        if line is None or quantity < 1 or quantity > line.quantity_open:
            raise OrderValidationError(f"Order {order.number}: cannot ship {quantity} of line {line_id}.")
        if line.product_id:
            allocation_consume(order=order, line=line, quantity=quantity, locked=locked, actor=actor)
        line.quantity_shipped += quantity
        shipped.append({"line_id": line.pk, "sku": line.sku, "quantity": quantity})
    rows_update(OrderLine, lines, ["quantity_shipped"], actor=actor)
    changed = order_statuses_refresh(order, lines)
    order.reservation_expires_at = None
    order.save(update_fields=[*changed, "reservation_expires_at", "updated_at"])
    events.order_shipped_event(order=order, actor=actor, source=source, lines=shipped, reference=reference)
    hooks.run_hooks(hooks.HookContext("ship", order, actor=actor, change=shipped))
    return order
