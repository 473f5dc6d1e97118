"""Reservations of order lines at stock locations.

The rule: a live line's allocations always add up to its open quantity (ordered − cancelled − shipped).
`allocation_sync` restores that rule after any change of quantities (placement, import, edit, cancellation),
releasing from the worst locations first and reserving by the shop's allocation rules
(`ShopSettings.allocate_whole_order_first`):

- on: the whole order from ONE location when one has stock for all its missing units (and holds whatever the
  order already has reserved), the best by priority; else line by line, each line from one location when
  one has it all (where the order already holds units first, then by priority), and a line is split over
  locations only when no single location can supply it;
- off: strictly by priority, line by line, filling the best location before taking the next.

Locations that are inactive or set not to allocate automatically (a shop counter) are never chosen here; staff
can still move units there by hand (`allocation_move`). Planning happens in memory from the levels the caller
locked (`orders.services.locks`), so the statements written do not depend on the rule or the number of lines.
"""

from collections import defaultdict
from collections.abc import Sequence

from catalog import services as stock
from oms.models import ShopSettings

from ..exceptions import OrderValidationError, StockUnavailable
from ..models import Allocation, OrderLine
from .locks import LockedStock
from .rows import rows_create, rows_update

Plan = list[tuple[OrderLine, object, int]]  # (line, stock level, units to reserve there)


def _allocations_by_line(lines: Sequence[OrderLine], order=None) -> dict[int, list[Allocation]]:
    """The allocations of `lines`, or with `order` of every line of the order (one query either way)."""
    rows = Allocation.objects.filter(line__order=order) if order else Allocation.objects.filter(line__in=lines)
    by_line: dict[int, list[Allocation]] = defaultdict(list)
    for allocation in rows.order_by("pk"):
        by_line[allocation.line_id].append(allocation)
    return by_line


def allocation_sync(
    *, order, lines: Sequence[OrderLine], locked: LockedStock, actor=None, new_lines: bool = False
) -> tuple[list[dict], list[dict]]:
    """Make each product line's allocations equal its open quantity. Returns (reserved, released).

    `locked` holds the stock levels the caller locked through `orders.services.locks` (every level of
    the lines' products); nothing is locked here. `new_lines`: the lines were created in this transaction,
    so they hold no allocations and none are read.

    Releases come first (units freed by one line may serve another), then every reservation is
    planned before any is written: StockUnavailable names every line that cannot be reserved, and
    the planned reservations are written in a few bulk statements whatever the number of lines.
    """
    product_lines = [line for line in lines if line.product_id]
    if not product_lines:
        return [], []
    levels = {pid: locked.for_product(pid) for pid in {line.product_id for line in product_lines}}
    # The whole order's allocations, not only those of `lines`: the one-location rule must know where the
    # order's other lines are reserved.
    by_line = {} if new_lines else _allocations_by_line(product_lines, order=order)
    releases: list[tuple[OrderLine, Allocation, object, int]] = []
    missing: list[tuple[OrderLine, int]] = []
    for line in product_lines:
        allocations = by_line.get(line.pk, [])
        held = sum(a.quantity for a in allocations)
        wanted = max(line.quantity_open, 0) if order.status != order.Status.CANCELED else 0
        if wanted < held:
            releases += _release_plan(line, levels.get(line.product_id, []), allocations, held - wanted)
        elif wanted > held:
            missing.append((line, wanted - held))
    released = _draw_down_write(order, releases, stock.stock_release_many, actor)
    held_at = {a.location_id for allocations in by_line.values() for a in allocations if a.quantity}
    plan, shortages = _plan_reservations(missing, levels, held_at, ShopSettings.load().allocate_whole_order_first)
    if shortages:
        names = "; ".join(
            f"{s['sku']} ({s['name']}): {s['requested']} needed, {s['available']} available" for s in shortages
        )
        raise StockUnavailable(f"Not enough stock for {names}.", details=shortages)
    return _reserve(order, plan, by_line, actor), released


def _automatic(level) -> bool:
    return level.location.active and level.location.allocate_automatically


def _plan_reservations(missing, levels, held_at: set[int], whole_order_first: bool) -> tuple[Plan, list[dict]]:
    """(line, level, units) to reserve by the shop's rules, and the lines that cannot be served at all.

    `held_at`: the locations where the order already holds units (after this call's releases)."""
    usable = {pid: [level for level in product_levels if _automatic(level)] for pid, product_levels in levels.items()}
    free = {level.pk: max(level.sellable, 0) for product_levels in usable.values() for level in product_levels}
    shortages = _shortages(missing, usable, dict(free))
    if shortages:
        return [], shortages
    if whole_order_first:
        plan = _plan_one_location(missing, usable, free, held_at)
        if plan is not None:
            return plan, []
    return _plan_line_by_line(missing, usable, free, held_at if whole_order_first else None), []


def _shortages(missing, usable, free: dict[int, int]) -> list[dict]:
    """The lines that the usable stock cannot serve, served in line order (what each line could still get)."""
    shortages = []
    for line, quantity in missing:
        product_levels = usable.get(line.product_id, [])
        available = sum(free[level.pk] for level in product_levels)
        if available < quantity:
            shortages.append(
                {"line_id": line.pk, "sku": line.sku, "name": line.name, "requested": quantity, "available": available}
            )
            continue
        _fill_by_priority(line, quantity, product_levels, free)
    return shortages


def _plan_one_location(missing, usable, free: dict[int, int], held_at: set[int]) -> Plan | None:
    """Everything missing from the best location that has it all and holds all the order already has, or None."""
    if len(held_at) > 1:
        return None  # the order is already spread over locations: no one location can ship it whole
    needed: dict[int, int] = defaultdict(int)
    for line, quantity in missing:
        needed[line.product_id] += quantity
    level_at = {(level.product_id, level.location_id): level for pl in usable.values() for level in pl}
    candidates = {level.location for pl in usable.values() for level in pl}
    for location in sorted(candidates, key=lambda loc: (loc.priority, loc.pk)):
        if held_at and location.pk not in held_at:
            continue
        stocked = [level_at.get((pid, location.pk)) for pid in needed]
        if all(level and free[level.pk] >= needed[level.product_id] for level in stocked):
            for line, quantity in missing:
                free[level_at[(line.product_id, location.pk)].pk] -= quantity
            return [(line, level_at[(line.product_id, location.pk)], quantity) for line, quantity in missing]
    return None


def _plan_line_by_line(missing, usable, free: dict[int, int], held_at: set[int] | None) -> Plan:
    """Each line from one location when one has all of it (with `held_at`, those the order uses first), else
    split by priority. `held_at` None: strictly by priority, filling the best location first."""
    plan: Plan = []
    for line, quantity in missing:
        product_levels = usable.get(line.product_id, [])
        if held_at is not None:
            whole = [level for level in product_levels if free[level.pk] >= quantity]
            # sorted() is stable: among the order's own locations, and then the others, priority order stays.
            whole.sort(key=lambda level: level.location_id not in held_at)
            if whole:
                free[whole[0].pk] -= quantity
                plan.append((line, whole[0], quantity))
                continue
        plan += _fill_by_priority(line, quantity, product_levels, free)
    return plan


def _fill_by_priority(line, quantity: int, product_levels, free: dict[int, int]) -> Plan:
    """Take `quantity` from the levels in priority order, as much as each has; `free` is drawn down."""
    plan: Plan = []
    for level in product_levels:
        take = min(free[level.pk], quantity)
        if take:
            plan.append((line, level, take))
            free[level.pk] -= take
            quantity -= take
    return plan


def _reserve(order, plan, by_line, actor) -> list[dict]:
    """Write planned reservations: the stock counters and ledger, then the allocation rows."""
    if not plan:
        return []
    stock.stock_allocate_many(
        items=[(level, take) for _, level, take in plan], reference=order.number or "", actor=actor
    )
    existing = {(a.line_id, a.location_id): a for allocations in by_line.values() for a in allocations}
    created: dict[tuple[int, int], Allocation] = {}
    updated: dict[tuple[int, int], Allocation] = {}
    for line, level, take in plan:
        key = (line.pk, level.location_id)
        if key in existing:
            existing[key].quantity += take
            updated[key] = existing[key]
        elif key in created:
            created[key].quantity += take
        else:
            created[key] = Allocation(line=line, location=level.location, quantity=take)
    if updated:
        rows_update(Allocation, updated.values(), ["quantity"])
    if created:
        rows_create(Allocation, created.values())
    return [{"sku": line.sku, "location": level.location.code, "quantity": take} for line, level, take in plan]


def _draw_down_plan(line, level_at, allocations, quantity) -> list[tuple[OrderLine, Allocation, object, int]]:
    """(line, allocation, level, units) taking `quantity` units out of the allocations, in the order given."""
    plan = []
    for allocation in allocations:
        if quantity == 0:
            break
        take = min(allocation.quantity, quantity)
        plan.append((line, allocation, level_at[allocation.location_id], take))
        quantity -= take
    return plan


def _draw_down_write(order, plan, stock_many, actor, reference: str = "") -> list[dict]:
    """Write a draw-down through `stock_many` (release back to sellable, or ship), in bulk whatever the
    number of lines: the levels and the ledger, the allocations that keep units, the emptied ones removed."""
    if not plan:
        return []
    stock_many(
        items=[(level, take) for _, _, level, take in plan], reference=reference or order.number or "", actor=actor
    )
    for _, allocation, _, take in plan:
        allocation.quantity -= take
    kept = [allocation for _, allocation, _, _ in plan if allocation.quantity]
    emptied = [allocation.pk for _, allocation, _, _ in plan if not allocation.quantity]
    if kept:
        rows_update(Allocation, kept, ["quantity"])
    if emptied:
        Allocation.objects.filter(pk__in=emptied).delete()
    return [{"sku": line.sku, "location": level.location.code, "quantity": take} for line, _, level, take in plan]


def _release_plan(line, levels, allocations, quantity) -> list:
    level_at = {level.location_id: level for level in levels}
    # Free the least preferred locations first, so that what stays reserved is the best stock.
    worst_first = sorted(allocations, key=lambda a: (-level_at[a.location_id].location.priority, -a.pk))
    return _draw_down_plan(line, level_at, worst_first, quantity)


def allocation_consume(
    *,
    order,
    items: Sequence[tuple[OrderLine, int]],
    locked: LockedStock,
    actor=None,
    location_id: int | None = None,
    reference: str = "",
) -> list[dict]:
    """Ship reserved units of several lines, (line, units) each, taking them from their allocations (best
    location first), or only from their allocations at `location_id` (a shipment leaves from one location).
    The ledger rows carry `reference` (the shipment's number), else the order's number.

    One read of the allocations and one draw-down write (levels, ledger, allocations) for all the lines, so
    the statements do not grow with the number of lines. `locked` holds the lines' products' stock levels,
    locked by the caller (`orders.services.locks`). Raises OrderValidationError, changing nothing, when a
    line's allocations hold fewer units than asked.
    """
    by_line = _allocations_by_line([line for line, _ in items])
    plan = []
    for line, quantity in items:
        level_at = {level.location_id: level for level in locked.for_product(line.product_id)}
        allocations = by_line.get(line.pk, [])
        if location_id is not None:
            allocations = [a for a in allocations if a.location_id == location_id]
        held = sum(a.quantity for a in allocations)
        if held < quantity:
            where = f" at {level_at[location_id].location.name}" if location_id in level_at else ""
            raise OrderValidationError(
                f"Order {order.number}: cannot ship {quantity} × {line.name}{where}; only {held} allocated there."
            )
        best_first = sorted(allocations, key=lambda a: level_at[a.location_id].location.priority)
        plan += _draw_down_plan(line, level_at, best_first, quantity)
    return _draw_down_write(order, plan, stock.stock_ship_many, actor, reference)
