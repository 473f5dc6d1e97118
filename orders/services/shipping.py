"""Units leaving the warehouse for an order: the one path by which a unit leaves stock.

The fulfilment app's shipments call `order_lines_ship_locked` under their own order lock (a shipment ships
the units of one order from one location); `order_lines_ship` takes the lock itself. A shipped shipment that
is cancelled brings its units back through `order_lines_unship_locked`: on hand and reserved again where
they left from, open again on their lines.
"""

from django.db import transaction

from catalog import services as stock

from .. import events, hooks
from ..exceptions import OrderValidationError
from ..models import Allocation, Order, OrderEvent, OrderLine
from .allocation import allocation_consume
from .locks import Locked, order_lock
from .rows import rows_create, rows_update
from .status import order_statuses_refresh

Source = OrderEvent.Source


@transaction.atomic
def order_lines_ship(
    *,
    order_id: int,
    quantities: dict[int, int],
    location_id: int | None = None,
    reference: str = "",
    actor=None,
    source: str = Source.ADMIN,
) -> Order:
    """Ship open units per line id: their reservations become shipment movements; statuses follow.

    Lock: `order_lock(operation="ship")`, the order (with its family root), then every level of its
    products in one pk-ordered query. Refuses (InvalidTransition: the "ship" state check and guards;
    OrderValidationError: a line or quantity it cannot ship), changing nothing. Side effects: the SHIPPED
    event, the "ship" hooks.
    """
    locked = order_lock(order_id, operation="ship", change=quantities, actor=actor)
    order_lines_ship_locked(
        locked, quantities=quantities, location_id=location_id, reference=reference, actor=actor, source=source
    )
    return locked.order


def order_lines_ship_locked(
    locked: Locked,
    *,
    quantities: dict[int, int],
    location_id: int | None = None,
    reference: str = "",
    shipment: dict | None = None,
    actor=None,
    source: str = Source.ADMIN,
) -> list[dict]:
    """`order_lines_ship` for a caller that already holds `order_lock(operation="ship")` (a shipment).

    With `location_id`, every unit comes from the lines' allocations at that location; `shipment` (number,
    location, carrier, tracking, packages) goes into the SHIPPED event. The caller's transaction makes a
    refusal change nothing. Returns the shipped
    rows ({line_id, sku, quantity}); raises OrderValidationError before anything is written when a line is
    unknown, closed or short.
    """
    order = locked.order
    lines = list(order.lines.order_by("position", "pk"))
    by_id = {line.pk: line for line in lines}
    for line_id, quantity in sorted(quantities.items()):
        line = by_id.get(line_id)
        if line is None or quantity < 1 or quantity > line.quantity_open:
            raise OrderValidationError(f"Order {order.number}: cannot ship {quantity} of line {line_id}.")
    items = [(by_id[line_id], quantity) for line_id, quantity in sorted(quantities.items())]
    # All the lines' stock in one draw-down: the statements are the same for 1 line or 50.
    allocation_consume(
        order=order,
        items=[(line, quantity) for line, quantity in items if line.product_id],
        locked=locked,
        actor=actor,
        location_id=location_id,
        reference=reference,
    )
    shipped = []
    for line, quantity in items:
        line.quantity_shipped += quantity
        shipped.append({"line_id": line.pk, "sku": line.sku, "name": line.name, "quantity": quantity})
    rows_update(OrderLine, lines, ["quantity_shipped"], actor=actor)
    changed = order_statuses_refresh(order, lines)
    order.reservation_expires_at = None
    order.save(update_fields=[*changed, "reservation_expires_at", "updated_at"])
    events.order_shipped_event(
        order=order, actor=actor, source=source, lines=shipped, reference=reference, shipment=shipment
    )
    hooks.run_hooks(hooks.HookContext("ship", order, actor=actor, change=shipped))
    return shipped


def order_lines_unship_locked(
    locked: Locked, *, quantities: dict[int, int], location_id: int, reference: str, reason: str, actor=None
) -> list[dict]:
    """Undo the shipping of units per line id: they are back on hand at `location_id`, reserved there again
    (the line's allocation grows) and open on their lines; statuses follow.

    The caller holds `order_lock` with every level of the lines' products (the fulfilment app's shipment
    cancellation) and records the event; the ledger rows are RETURN movements carrying `reference` and
    `reason`. Raises OrderValidationError before anything is written when the order is not placed, or a line
    is unknown, has fewer units shipped, or its level is not locked.
    """
    order = locked.order
    if order.status != Order.Status.PLACED:
        raise OrderValidationError(f"Order {order.number} is {order.get_status_display().lower()}; "
                                   "its shipped units cannot come back as open units.")  # fmt: skip
    lines = list(order.lines.order_by("position", "pk"))
    by_id = {line.pk: line for line in lines}
    items = []
    for line_id, quantity in sorted(quantities.items()):
        line = by_id.get(line_id)
        if line is None or quantity < 1 or quantity > line.quantity_shipped:
            raise OrderValidationError(f"Order {order.number}: cannot take back {quantity} of line {line_id}.")
        level = locked.levels.get((line.product_id, location_id))
        if line.product_id and level is None:
            raise OrderValidationError(f"Order {order.number}: the stock of {line.sku} there is not locked.")
        items.append((line, level, quantity))
    stock.stock_unship_many(
        items=[(level, quantity) for line, level, quantity in items if line.product_id],
        reference=reference, reason=reason, actor=actor,
    )  # fmt: skip
    _allocations_grow(location_id, [(line, quantity) for line, _, quantity in items if line.product_id])
    for line, _, quantity in items:
        line.quantity_shipped -= quantity
    rows_update(OrderLine, lines, ["quantity_shipped"], actor=actor)
    changed = order_statuses_refresh(order, lines)
    order.save(update_fields=[*changed, "updated_at"])
    return [{"line_id": line.pk, "sku": line.sku, "name": line.name, "quantity": q} for line, _, q in items]


def _allocations_grow(location_id: int, units: list[tuple[OrderLine, int]]) -> None:
    existing = {
        a.line_id: a for a in Allocation.objects.filter(line__in=[line for line, _ in units], location_id=location_id)
    }
    grown, created = [], []
    for line, quantity in units:
        if line.pk in existing:
            existing[line.pk].quantity += quantity
            grown.append(existing[line.pk])
        else:
            created.append(Allocation(line=line, location_id=location_id, quantity=quantity))
    if grown:
        rows_update(Allocation, grown, ["quantity"])
    if created:
        rows_create(Allocation, created)
