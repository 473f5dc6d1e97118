"""Stock primitives. Every change of a StockLevel happens here, under a row lock, with a ledger row.

Callers that touch several levels lock them all first with `stock_levels_lock` (one query, primary-key
order) and pass the locked levels in; only receive and adjust, which touch one level and nothing else,
lock their level themselves.
"""

from collections.abc import Iterable
from functools import cache

from django.db import connection, transaction
from django.db.models import Q

from oms.bounds import STOCK_CHANGE_MAX, STOCK_LEVEL_MAX
from oms.inserts import rows_insert

from .alerts import alerts_mark, alerts_write
from .exceptions import InsufficientStock, InvalidStockChange
from .models import Product, StockLevel, StockLocation, StockMovement

Kind = StockMovement.Kind


def _levels_write(levels: list[StockLevel], fields: tuple[str, ...], movements: list[StockMovement]) -> list:
    """Write the counters `fields` of several locked levels (values already changed in memory) in one UPDATE,
    the ledger rows that explain the change, and the low-stock alerts raised or cleared; returns the movements.

    Plain SQL, not `bulk_update`: the ORM builds and compiles a CASE expression per level on every call
    (~1 ms of CPU for a 2-line placement); on PostgreSQL the statement text is the same whatever the number of
    levels (arrays through UNNEST), so a prepared statement serves every call, and the UPDATE is a CTE of the
    ledger's INSERT: one round trip for both. Check constraints still apply.
    """
    levels = list({level.pk: level for level in levels}.values())
    raised, cleared = alerts_mark(levels)  # sets low_stock_alerted, written with the counters
    fields = (*fields, "low_stock_alerted")
    table = StockLevel._meta.db_table
    if connection.vendor == "postgresql":
        sets = ", ".join(f"{f} = v.{f}" for f in fields)
        arrays = ", ".join(f"%s::{StockLevel._meta.get_field(f).db_type(connection)}[]" for f in fields)
        sql = (
            f"UPDATE {table} AS l SET {sets} FROM UNNEST(%s::bigint[], {arrays}) AS v(id, {', '.join(fields)}) "  # noqa: S608
            "WHERE l.id = v.id"
        )
        params = [[level.pk for level in levels], *([getattr(level, f) for level in levels] for f in fields)]
    else:
        whens = " ".join(["WHEN %s THEN %s"] * len(levels))
        sets = ", ".join(f"{f} = CASE id {whens} END" for f in fields)
        marks = ", ".join(["%s"] * len(levels))
        sql = f"UPDATE {table} SET {sets} WHERE id IN ({marks})"  # noqa: S608
        params = [v for f in fields for level in levels for v in (level.pk, getattr(level, f))]
        params += [level.pk for level in levels]
    movements = rows_insert(StockMovement, movements, before=(sql, params))
    alerts_write(raised, cleared)
    return movements


def stock_levels_lock(*, product_ids: Iterable[int] = (), product_filter: Q | None = None) -> list[StockLevel]:
    """Lock, in ONE query and in primary-key order, every level of the products; returns them in pk order,
    each with its location (the product is read only when something asks for it: refusal messages).

    `product_filter` selects the products some other way (the orders app passes "the products of this
    order's lines"). Callers lock all the levels an operation touches with one call, after any other row
    they lock (the orders app: order first, see orders/services/locks.py), and hand the locked levels to
    the primitives below, which never lock a level themselves.
    """
    if product_filter is None and connection.vendor == "postgresql":
        product_ids = sorted(set(product_ids))
        return _levels_lock_pg(product_ids) if product_ids else []  # the ORM, too, sends nothing for none
    where = Q(product_id__in=set(product_ids))
    if product_filter is not None:
        where |= product_filter
    return list(
        StockLevel.objects.select_for_update(of=("self",)).select_related("location").filter(where).order_by("pk")
    )


@cache
def _levels_lock_sql() -> str:
    qn = connection.ops.quote_name
    level_columns = ", ".join(f"l.{qn(f.column)}" for f in StockLevel._meta.concrete_fields)
    location_columns = ", ".join(f"s.{qn(f.column)}" for f in StockLocation._meta.concrete_fields)
    return (
        f"SELECT {level_columns}, {location_columns} FROM {qn(StockLevel._meta.db_table)} l "  # noqa: S608
        f"JOIN {qn(StockLocation._meta.db_table)} s ON s.{qn(StockLocation._meta.pk.column)} = l.location_id "
        "WHERE l.product_id = ANY(%s) ORDER BY l.id FOR UPDATE OF l"
    )


def _levels_lock_pg(product_ids: list[int]) -> list[StockLevel]:
    """The same rows as the ORM query above, as plain SQL (one statement text, no query compiled per call:
    ~0.5 ms of CPU per placement) with the instances built as the ORM builds them (`from_db`)."""
    with connection.cursor() as cursor:
        cursor.execute(_levels_lock_sql(), [product_ids])
        rows = cursor.fetchall()
    split = len(StockLevel._meta.concrete_fields)
    location_field = StockLevel._meta.get_field("location")
    locations: dict[int, StockLocation] = {}
    levels = []
    for row in rows:
        level = StockLevel.from_db(connection.alias, None, row[:split])
        location = locations.get(row[split]) or StockLocation.from_db(connection.alias, None, row[split:])
        locations[location.pk] = location
        location_field.set_cached_value(level, location)
        levels.append(level)
    return levels


def stock_level_get_or_create_locked(*, product: Product, location: StockLocation) -> StockLevel:
    level, _ = StockLevel.objects.get_or_create(product=product, location=location)
    return StockLevel.objects.select_for_update(of=("self",)).select_related("product", "location").get(pk=level.pk)


def _apply(
    level: StockLevel,
    *,
    kind: str,
    on_hand: int = 0,
    allocated: int = 0,
    quarantined: int = 0,
    reason: str = "",
    reference: str = "",
    actor=None,
) -> StockMovement:
    """Change a locked level by the given deltas and write the movement that explains it."""
    level.on_hand += on_hand
    level.allocated += allocated
    level.quarantined += quarantined
    if min(level.on_hand, level.allocated, level.quarantined, level.sellable) < 0:
        raise InvalidStockChange(f"{level}: the change would make stock negative.")
    if level.on_hand > STOCK_LEVEL_MAX:
        raise InvalidStockChange(
            f"{level}: on hand would be {level.on_hand}, more than the most allowed, {STOCK_LEVEL_MAX}."
        )
    raised, cleared = alerts_mark([level])
    level.save(update_fields=["on_hand", "allocated", "quarantined", "low_stock_alerted"])
    alerts_write(raised, cleared)
    return StockMovement.objects.create(
        level=level,
        kind=kind,
        on_hand_delta=on_hand,
        allocated_delta=allocated,
        quarantined_delta=quarantined,
        reason=reason,
        reference=reference,
        actor=actor,
    )


def stock_allocate(*, level: StockLevel, quantity: int, reference: str, actor=None) -> StockMovement:
    """Reserve `quantity` sellable units at a locked level."""
    return stock_allocate_many(items=[(level, quantity)], reference=reference, actor=actor)[0]


def stock_allocate_many(*, items: list[tuple[StockLevel, int]], reference: str, actor=None) -> list[StockMovement]:
    """Reserve units at several locked levels at once (one level may appear more than once).

    The same rules as `stock_allocate`, written as one UPDATE of the levels and one insert into the
    ledger, however many items there are.
    """
    for level, quantity in items:
        if quantity <= 0:
            raise InvalidStockChange("Allocate a positive quantity.")
        if level.sellable < quantity:
            raise InsufficientStock(
                sku=level.product.sku, requested=quantity, available=level.sellable, location=level.location.name
            )
        level.allocated += quantity
    movements = [
        StockMovement(level=level, kind=Kind.ALLOCATION, allocated_delta=quantity, reference=reference, actor=actor)
        for level, quantity in items
    ]
    return _levels_write([level for level, _ in items], ("allocated",), movements)


def stock_release(*, level: StockLevel, quantity: int, reference: str, reason: str = "", actor=None) -> StockMovement:
    """Give reserved units back to sellable stock."""
    if quantity <= 0 or quantity > level.allocated:
        raise InvalidStockChange(f"{level}: cannot release {quantity} of {level.allocated} allocated.")
    return _apply(level, kind=Kind.RELEASE, allocated=-quantity, reason=reason, reference=reference, actor=actor)


def stock_ship(*, level: StockLevel, quantity: int, reference: str, actor=None) -> StockMovement:
    """Reserved units leave the building: on hand and allocated both go down."""
    if quantity <= 0 or quantity > level.allocated:
        raise InvalidStockChange(f"{level}: cannot ship {quantity} of {level.allocated} allocated.")
    return _apply(level, kind=Kind.SHIPMENT, on_hand=-quantity, allocated=-quantity, reference=reference, actor=actor)


def _take_many(items: list[tuple[StockLevel, int]], *, kind: str, ships: bool, reference: str, actor) -> list:
    """Take reserved units out of several locked levels (released, or shipped when `ships`): one UPDATE of
    the levels and one insert into the ledger, however many items there are."""
    for level, quantity in items:
        if quantity <= 0 or quantity > level.allocated:
            raise InvalidStockChange(f"{level}: cannot take {quantity} of {level.allocated} allocated.")
        level.allocated -= quantity
        level.on_hand -= quantity if ships else 0
    if not items:
        return []
    movements = [
        StockMovement(level=level, kind=kind, allocated_delta=-quantity, on_hand_delta=-quantity if ships else 0,
                      reference=reference, actor=actor)
        for level, quantity in items
    ]  # fmt: skip
    return _levels_write([level for level, _ in items], (*(("on_hand",) if ships else ()), "allocated"), movements)


def stock_release_many(*, items: list[tuple[StockLevel, int]], reference: str, actor=None) -> list[StockMovement]:
    """Give reserved units back to sellable stock at several locked levels, in bulk (see `stock_release`)."""
    return _take_many(items, kind=Kind.RELEASE, ships=False, reference=reference, actor=actor)


def stock_ship_many(*, items: list[tuple[StockLevel, int]], reference: str, actor=None) -> list[StockMovement]:
    """Ship reserved units from several locked levels, in bulk (see `stock_ship`)."""
    return _take_many(items, kind=Kind.SHIPMENT, ships=True, reference=reference, actor=actor)


def stock_unship_many(*, items: list[tuple[StockLevel, int]], reference: str, reason: str, actor=None) -> list:
    """Shipped units come back (a shipment cancelled after it left): on hand and reserved again at each locked
    level, one RETURN movement per item with its reason; one UPDATE of the levels however many items."""
    for level, quantity in items:
        if quantity <= 0:
            raise InvalidStockChange("Take back a positive quantity.")
        level.on_hand += quantity
        level.allocated += quantity
        if level.on_hand > STOCK_LEVEL_MAX:
            raise InvalidStockChange(f"{level}: on hand would be {level.on_hand}, more than {STOCK_LEVEL_MAX}.")
    if not items:
        return []
    movements = [
        StockMovement(level=level, kind=Kind.RETURN, on_hand_delta=quantity, allocated_delta=quantity,
                      reason=reason, reference=reference, actor=actor)
        for level, quantity in items
    ]  # fmt: skip
    return _levels_write([level for level, _ in items], ("on_hand", "allocated"), movements)


@transaction.atomic
def stock_receive(
    *, product: Product, location: StockLocation, quantity: int, reason: str, actor=None, reference: str = ""
) -> StockMovement:
    """Goods received into a location."""
    if not 0 < quantity <= STOCK_CHANGE_MAX:
        raise InvalidStockChange(f"Quantity: receive 1 to {STOCK_CHANGE_MAX} units at a time.")
    level = stock_level_get_or_create_locked(product=product, location=location)
    return _apply(level, kind=Kind.RECEIPT, on_hand=quantity, reason=reason, reference=reference, actor=actor)


@transaction.atomic
def stock_adjust(*, product: Product, location: StockLocation, quantity: int, reason: str, actor=None) -> StockMovement:
    """Correct on-hand stock up or down (count differences, damage); a reason is required."""
    if quantity == 0 or abs(quantity) > STOCK_CHANGE_MAX:
        raise InvalidStockChange(f"Quantity: an adjustment is a non-zero number of units, at most {STOCK_CHANGE_MAX}.")
    if not reason.strip():
        raise InvalidStockChange("An adjustment needs a reason.")
    level = stock_level_get_or_create_locked(product=product, location=location)
    if level.sellable + quantity < 0:
        raise InvalidStockChange(
            f"{product.sku} @ {location.name}: only {level.sellable} sellable units can be adjusted away."
        )
    return _apply(level, kind=Kind.ADJUSTMENT, on_hand=quantity, reason=reason, actor=actor)


def stock_return(
    *, level: StockLevel, quantity: int, quarantine: bool = False, reason: str, reference: str, actor=None
) -> StockMovement:
    """Returned units come back into a locked level: on hand goes up, and with `quarantine` the units are
    held as quarantined (counted on hand, never sellable) until released or written off."""
    if not 0 < quantity <= STOCK_CHANGE_MAX:
        raise InvalidStockChange(f"Quantity: take back 1 to {STOCK_CHANGE_MAX} units at a time.")
    held = quantity if quarantine else 0
    return _apply(
        level, kind=Kind.RETURN, on_hand=quantity, quarantined=held, reason=reason, reference=reference, actor=actor
    )


def stock_quarantine_release(*, level: StockLevel, quantity: int, reason: str, reference: str, actor=None):
    """Quarantined units at a locked level become sellable (they were on hand all along)."""
    if quantity <= 0 or quantity > level.quarantined:
        raise InvalidStockChange(f"{level}: cannot release {quantity} of {level.quarantined} quarantined.")
    return _apply(level, kind=Kind.QUARANTINE, quarantined=-quantity, reason=reason, reference=reference, actor=actor)


def stock_write_off(
    *, level: StockLevel, quantity: int, from_quarantine: bool = False, reason: str, reference: str, actor=None
) -> StockMovement:
    """Units at a locked level are written off (damaged): on hand goes down, and out of quarantine with
    `from_quarantine`; sellable units are never written off by this path (stock_adjust does that)."""
    held = level.quarantined if from_quarantine else level.on_hand - level.allocated - level.quarantined
    if quantity <= 0 or quantity > held:
        raise InvalidStockChange(f"{level}: cannot write off {quantity} of {held} units.")
    released = -quantity if from_quarantine else 0
    return _apply(
        level, kind=Kind.ADJUSTMENT, on_hand=-quantity, quarantined=released, reason=reason, reference=reference,
        actor=actor,
    )  # fmt: skip


def stock_return_missing(*, level: StockLevel, quantity: int, reason: str, reference: str, actor=None):
    """Returned units that never arrived: a RETURN movement that changes nothing, so the ledger records them."""
    if not 0 < quantity <= STOCK_CHANGE_MAX:
        raise InvalidStockChange(f"Quantity: record 1 to {STOCK_CHANGE_MAX} missing units at a time.")
    return _apply(
        level, kind=Kind.RETURN, reason=f"{quantity} missing: {reason}"[:200], reference=reference, actor=actor
    )


@transaction.atomic
def stock_level_set_reorder_point(*, level_id: int, reorder_point: int, actor=None) -> StockLevel:
    """Staff change a level's reorder point: under the level's lock, raising or clearing its alert at once
    (a point set above today's sellable stock raises one now, not at the next order)."""
    if not 0 <= reorder_point <= STOCK_LEVEL_MAX:
        raise InvalidStockChange(f"Reorder point: 0 to {STOCK_LEVEL_MAX} units.")
    level = StockLevel.objects.select_for_update(of=("self",)).select_related("product", "location").get(pk=level_id)
    level.reorder_point = reorder_point
    raised, cleared = alerts_mark([level])
    level.save(update_fields=["reorder_point", "low_stock_alerted"])
    alerts_write(raised, cleared)
    return level
