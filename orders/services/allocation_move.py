"""Moving reserved units of an order line from one stock location to another, by hand.

Automatic allocation (`orders.services.allocation`) picks locations by the shop's rules; staff override it
when a location cannot pick the units (damaged stock, a closed store) or a customer collects at the counter.
A move may target any active location with sellable stock, including one excluded from automatic
allocation (a shop counter): that is what the exclusion leaves to staff.
"""

from django.db import transaction

from catalog import services as stock
from catalog.models import StockLocation

from .. import events, hooks
from ..exceptions import OrderValidationError
from ..models import Allocation, OrderEvent, OrderLine
from .locks import order_lock
from .rows import rows_create, rows_update


@transaction.atomic
def allocation_move(
    *,
    order_id: int,
    line_id: int,
    from_location_id: int,
    to_location_id: int,
    quantity: int,
    actor,
    source: str = OrderEvent.Source.ADMIN,
) -> Allocation:
    """Move `quantity` reserved units of a line from one location to another; returns the target allocation.

    Lock: `order_lock(operation="allocation_move")`, the order with its family root, then the stock levels of
    its products (the line's product included). Guards get `change` = {line_id, from_location_id,
    to_location_id, quantity} (fulfilment refuses units released to the warehouse or picked).
    Stock: two ledger movements, a release at the old level and an allocation at the new one.
    Refuses (OrderValidationError naming the field, InvalidTransition) with nothing changed: an unknown or
    closed line, a quantity outside 1..the units reserved there, the same location, a target that is
    inactive or has too little sellable stock. Side effects: ALLOCATION_MOVED event, "allocation_move" hooks.
    """
    line = OrderLine.objects.filter(pk=line_id, order_id=order_id, product__isnull=False).first()
    if line is None:
        raise OrderValidationError(f"Line: order {order_id} has no product line {line_id}.")
    if from_location_id == to_location_id:
        raise OrderValidationError("To location: choose a location other than the one the units are reserved at.")
    change = {
        "line_id": line_id,
        "from_location_id": from_location_id,
        "to_location_id": to_location_id,
        "quantity": quantity,
    }
    locked = order_lock(
        order_id, operation="allocation_move", extra_product_ids=[line.product_id], change=change, actor=actor
    )
    line.refresh_from_db()  # under the order lock: the quantities other services may have changed
    source_allocation, target_level, from_level = _checked(locked, line, change)
    reference = locked.order.number or ""
    stock.stock_release_many(items=[(from_level, quantity)], reference=reference, actor=actor)
    stock.stock_allocate_many(items=[(target_level, quantity)], reference=reference, actor=actor)
    target = _rows_moved(line, source_allocation, target_level.location, quantity)
    events.order_allocation_moved_event(
        order=locked.order,
        actor=actor,
        source=source,
        line=line,
        quantity=quantity,
        from_location=from_level.location,
        to_location=target_level.location,
    )
    hooks.run_hooks(hooks.HookContext("allocation_move", locked.order, actor=actor, change=change))
    return target


def _checked(locked, line: OrderLine, change: dict):
    """(the source allocation, the target level, the source level), or OrderValidationError naming the field."""
    if line.quantity_open <= 0:
        raise OrderValidationError(f"Line: '{line.name}' has no open units (cancelled or shipped).")
    source_allocation = Allocation.objects.filter(line=line, location_id=change["from_location_id"]).first()
    reserved = source_allocation.quantity if source_allocation else 0
    quantity = change["quantity"]
    if not reserved:
        raise OrderValidationError(f"From location: '{line.name}' has no units reserved there.")
    if not isinstance(quantity, int) or not 1 <= quantity <= reserved:
        raise OrderValidationError(f"Quantity: choose between 1 and {reserved} units of '{line.name}' to move.")
    target_level = locked.levels.get((line.product_id, change["to_location_id"]))
    if target_level is None:
        location = StockLocation.objects.filter(pk=change["to_location_id"]).first()
        where = location.name if location else f"location {change['to_location_id']}"
        raise OrderValidationError(f"To location: {where} holds no stock of {line.sku}.")
    if not target_level.location.active:
        raise OrderValidationError(f"To location: {target_level.location.name} is inactive.")
    if target_level.sellable < quantity:
        raise OrderValidationError(
            f"To location: {target_level.location.name} has {max(target_level.sellable, 0)} sellable "
            f"{line.sku} ({line.name}), {quantity} needed."
        )
    return source_allocation, target_level, locked.levels[(line.product_id, change["from_location_id"])]


def _rows_moved(line: OrderLine, source: Allocation, location: StockLocation, quantity: int) -> Allocation:
    """The allocation rows after the move: the source shrinks (removed when emptied), the target grows."""
    source.quantity -= quantity
    if source.quantity:
        rows_update(Allocation, [source], ["quantity"])
    else:
        source.delete()
    target = Allocation.objects.filter(line=line, location=location).first()
    if target:
        target.quantity += quantity
        rows_update(Allocation, [target], ["quantity"])
        return target
    target = Allocation(line=line, location=location, quantity=quantity)
    rows_create(Allocation, [target])
    return target
