"""Reservations of order lines at stock locations.

The rule: a live line's allocations always add up to its open quantity (ordered − cancelled − shipped).
`allocation_sync` restores that rule after any change of quantities, reserving from the best locations
first (lowest priority number) and releasing from the worst first. The caller holds the order lock.
"""

from collections import defaultdict
from collections.abc import Sequence

from catalog import services as stock
from catalog.exceptions import InsufficientStock

from ..exceptions import StockUnavailable
from ..models import Allocation, OrderLine


def _allocations_by_line(lines: Sequence[OrderLine]) -> dict[int, list[Allocation]]:
    by_line: dict[int, list[Allocation]] = defaultdict(list)
    for allocation in Allocation.objects.filter(line__in=[line.pk for line in lines]).order_by("pk"):
        by_line[allocation.line_id].append(allocation)
    return by_line


def allocation_sync(*, order, lines: Sequence[OrderLine], actor=None) -> tuple[list[dict], list[dict]]:
    """Make each product line's allocations equal its open quantity. Returns (reserved, released).

    Raises StockUnavailable naming every line that cannot be reserved; the caller's transaction
    then rolls back whatever this call had already changed.
    """
    product_lines = [line for line in lines if line.product_id]
    if not product_lines:
        return [], []
    levels = stock.stock_levels_lock(product_ids=[line.product_id for line in product_lines])
    by_line = _allocations_by_line(product_lines)
    reserved: list[dict] = []
    released: list[dict] = []
    shortages: list[dict] = []
    for line in product_lines:
        allocations = by_line.get(line.pk, [])
        held = sum(a.quantity for a in allocations)
        wanted = max(line.quantity_open, 0) if order.status != order.Status.CANCELED else 0
        if wanted > held:
            short = _reserve(order, line, levels.get(line.product_id, []), allocations, wanted - held, reserved, actor)
            if short:
                shortages.append(short)
        elif wanted < held:
            _release(order, line, levels.get(line.product_id, []), allocations, held - wanted, released, actor)
    if shortages:
        names = "; ".join(
            f"{s['sku']} ({s['name']}): {s['requested']} needed, {s['available']} available" for s in shortages
        )
        raise StockUnavailable(f"Not enough stock for {names}.", details=shortages)
    return reserved, released


def _reserve(order, line, levels, allocations, quantity, reserved, actor) -> dict | None:
    available = sum(max(level.sellable, 0) for level in levels if level.location.active)
    if available < quantity:
        return {"line_id": line.pk, "sku": line.sku, "name": line.name, "requested": quantity, "available": available}
    by_location = {a.location_id: a for a in allocations}
    for level in levels:
        if quantity == 0:
            break
        take = min(level.sellable, quantity)
        if take <= 0 or not level.location.active:
            continue
        try:
            stock.stock_allocate(level=level, quantity=take, reference=order.number or "", actor=actor)
        except InsufficientStock:  # pragma: no cover - guarded by the sellable check above
            continue
        allocation = by_location.get(level.location_id)
        if allocation is None:
            allocation = Allocation.objects.create(line=line, location=level.location, quantity=take)
            by_location[level.location_id] = allocation
        else:
            allocation.quantity += take
            allocation.save(update_fields=["quantity"])
        reserved.append({"sku": line.sku, "location": level.location.code, "quantity": take})
        quantity -= take
    return None


def _draw_down(order, line, level_at, allocations, quantity, stock_op, actor) -> list[dict]:
    """Take `quantity` units out of the given allocations, in the order given, through `stock_op`
    (release back to sellable, or ship). Emptied allocation rows are removed."""
    taken: list[dict] = []
    for allocation in allocations:
        if quantity == 0:
            break
        take = min(allocation.quantity, quantity)
        level = level_at[allocation.location_id]
        stock_op(level=level, quantity=take, reference=order.number or "", actor=actor)
        allocation.quantity -= take
        if allocation.quantity:
            allocation.save(update_fields=["quantity"])
        else:
            allocation.delete()
        taken.append({"sku": line.sku, "location": level.location.code, "quantity": take})
        quantity -= take
    return taken


def _release(order, line, levels, allocations, quantity, released, actor) -> None:
    level_at = {level.location_id: level for level in levels}
    # Free the least preferred locations first, so that what stays reserved is the best stock.
    worst_first = sorted(allocations, key=lambda a: (-level_at[a.location_id].location.priority, -a.pk))
    released += _draw_down(order, line, level_at, worst_first, quantity, stock.stock_release, actor)


def allocation_consume(*, order, line: OrderLine, quantity: int, actor=None) -> list[dict]:
    """Ship `quantity` reserved units of a line, taking them from its allocations (best location first)."""
    levels = stock.stock_levels_lock(product_ids=[line.product_id])[line.product_id]
    level_at = {level.location_id: level for level in levels}
    best_first = sorted(
        _allocations_by_line([line]).get(line.pk, []), key=lambda a: level_at[a.location_id].location.priority
    )
    return _draw_down(order, line, level_at, best_first, quantity, stock.stock_ship, actor)
