"""Pick lists: what the warehouse takes from which bin, for one order or a wave of many, ticked line by line.

A pick list belongs to one stock location. It has one line per pending shipment line there (product, bin
from `StockLevel.bin_location`, quantity), printed sorted by bin. A shipment line goes on at most one pick
list that is not cancelled: a wave takes only lines no other list took. Ticking a line picked, or short
with the quantity found, changes no stock: a shortage shrinks the shipment line to what was found, so the
rest of the order line stays allocated at the location and goes into a later shipment
(`shipments_create`). The pick list is done when no line is open.

Locking, and why it cannot deadlock:

- Every function takes `order_lock(operation="pick")` for each order it touches before it reads the
  shipments (the order lock is the shipment's lock, see `shipments.py`). A wave locks its orders one by
  one in the order of (family root pk, order pk). `order_lock` itself takes the root before the order
  (the root is the oldest row), so every transaction here acquires order rows in one global order:
  family by family (by root pk), and within a family root first, then ascending pk. Sorting by order pk
  alone would not do: a wave over orders 5 (root 2) and 7 (root 1) would take 2 before 1 while a wave
  over orders 3 (root 1) and 5 would take 1 before 2.
- The other services lock one order (with its root), then stock levels. "pick" is not a stock operation:
  nothing here locks a stock level, so no transaction holding a level waits for us and we never wait for
  a level while holding an order.
- Ticking a line locks its order, then its pick list row (`select_for_update`, the last lock taken and
  held by nobody who then waits for an order): two staff ticking the last two open lines of a wave
  (different orders) queue there, so the second sees the first's line done and completes the list.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef

from catalog.models import StockLevel, StockLocation
from orders.events import events_batched
from orders.models import Order, OrderEvent
from orders.services.locks import order_lock

from .. import events
from ..exceptions import InvalidTransition, PickError
from ..models import PickList, PickListLine, Shipment, ShipmentHold, ShipmentLine

Source = OrderEvent.Source
# A bound for one wave (the work queue's bulk action sends at most a page of shipments' orders).
MAX_WAVE_ORDERS = 1000


@dataclass
class PickWave:
    """The pick list made (None when there was nothing to pick) and the orders refused, by number."""

    pick_list: PickList | None
    refused: dict[str, str] = field(default_factory=dict)


def lock_order(order_ids) -> list[int]:
    """The order ids in the one order every multi-order lock follows: (family root pk, pk)."""
    rows = Order.objects.filter(pk__in=set(order_ids)).order_by().values_list("pk", "root_id")
    return [pk for pk, root_id in sorted(rows, key=lambda row: (row[1] or row[0], row[0]))]


def _lines_to_pick(location_id: int, order_ids) -> list[ShipmentLine]:
    """Pending, not held shipment lines of these orders at the location that no live pick list took."""
    taken = PickListLine.objects.filter(shipment_line=OuterRef("pk")).exclude(
        pick_list__status=PickList.Status.CANCELED
    )
    held = ShipmentHold.objects.filter(shipment=OuterRef("shipment_id"), released_at__isnull=True)
    return list(
        ShipmentLine.objects.filter(
            shipment__order_id__in=order_ids,
            shipment__location_id=location_id,
            shipment__status=Shipment.Status.PENDING,
            order_line__product__isnull=False,
        )
        .filter(~Exists(taken), ~Exists(held))
        .select_related("shipment__order", "order_line")
        .order_by("shipment__order_id", "shipment_id", "order_line__position", "pk")
    )


def _new_pick_list(location: StockLocation, actor) -> PickList:
    # The number comes from the row's own pk: no counter to lock, and gap-free numbering is not needed.
    pick_list = PickList.objects.create(number=uuid.uuid4().hex[:20], location=location, created_by=actor)
    pick_list.number = f"PL-{pick_list.pk:05d}"
    pick_list.save(update_fields=["number"])
    return pick_list


def _lock_wave(order_ids: list[int], location_id: int, actor) -> tuple[list[int], dict[str, str]]:
    """Lock each order (see the module's lock order); an order its guards refuse is left out, named."""
    allowed, refused = [], {}
    for order_id in lock_order(order_ids):
        try:
            locked = order_lock(order_id, operation="pick", change={"location_id": location_id}, actor=actor)
        except InvalidTransition as refusal:
            number = Order.objects.values_list("number", flat=True).get(pk=order_id)
            refused[number] = str(refusal)
            continue
        allowed.append(locked.order.pk)
    return allowed, refused


@transaction.atomic
def pick_list_create(*, location_id: int, order_ids, actor=None, source: str = Source.ADMIN) -> PickWave:
    """One pick list at the location for the orders' pending shipment lines there not on a live pick list.

    Lock: `order_lock(operation="pick")` per order, in (root pk, pk) order. An order refused by its state
    check or a guard is left out and reported in `PickWave.refused`; PickError (nothing changed) when no
    line is left to pick. Event: `pick_list_created` on each order on the list.
    """
    order_ids = list(dict.fromkeys(order_ids))
    if not order_ids:
        raise PickError("Orders: choose at least one order to pick.")
    if len(order_ids) > MAX_WAVE_ORDERS:
        raise PickError(f"Orders: at most {MAX_WAVE_ORDERS} orders in one wave.")
    location = StockLocation.objects.filter(pk=location_id).first()
    if location is None:
        raise PickError("Location: unknown stock location.")
    allowed, refused = _lock_wave(order_ids, location.pk, actor)
    lines = _lines_to_pick(location.pk, allowed)
    if not lines:
        return PickWave(pick_list=None, refused=refused)
    bins = dict(
        StockLevel.objects.filter(
            location=location, product_id__in={ln.order_line.product_id for ln in lines}
        ).values_list("product_id", "bin_location")
    )
    pick_list = _new_pick_list(location, actor)
    PickListLine.objects.bulk_create(
        PickListLine(
            pick_list=pick_list,
            shipment_id=line.shipment_id,
            shipment_line=line,
            product_id=line.order_line.product_id,
            bin_location=bins.get(line.order_line.product_id, ""),
            quantity=line.quantity,
        )
        for line in lines
    )
    _record_created(pick_list, lines, bins, actor, source)
    return PickWave(pick_list=pick_list, refused=refused)


def _record_created(pick_list: PickList, lines: list[ShipmentLine], bins: dict, actor, source: str) -> None:
    by_order: dict[int, list[ShipmentLine]] = defaultdict(list)
    for line in lines:
        by_order[line.shipment.order_id].append(line)
    with events_batched():  # one INSERT for the whole wave
        for order_lines in by_order.values():
            events.pick_list_created_event(
                order=order_lines[0].shipment.order,
                actor=actor,
                source=source,
                pick_list=pick_list.number,
                location=pick_list.location.name,
                lines=[
                    {
                        "shipment": ln.shipment.number,
                        "sku": ln.order_line.sku,
                        "name": ln.order_line.name,
                        "quantity": ln.quantity,
                        "bin": bins.get(ln.order_line.product_id, ""),
                    }
                    for ln in order_lines
                ],
            )


@transaction.atomic
def pick_lists_create_for_order(*, order_id: int, actor=None, source: str = Source.ADMIN) -> list[PickList]:
    """A pick list per location for one order's pending shipments not yet on a live pick list.

    Lock: `order_lock(operation="pick")` first (a refusal raises InvalidTransition, nothing changed).
    PickError when every pending shipment line is already on a pick list (or there is none).
    """
    order_lock(order_id, operation="pick", actor=actor)
    location_ids = sorted(
        set(
            Shipment.objects.filter(order_id=order_id, status=Shipment.Status.PENDING).values_list(
                "location_id", flat=True
            )
        )
    )
    created = []
    for location_id in location_ids:
        wave = pick_list_create(location_id=location_id, order_ids=[order_id], actor=actor, source=source)
        if wave.pick_list is not None:
            created.append(wave.pick_list)
    if not created:
        number = Order.objects.values_list("number", flat=True).get(pk=order_id)
        raise PickError(f"Order {number} has no shipment lines to pick: prepare a shipment, or pick the open list.")
    return created


def _locked_line(line_id: int, actor) -> PickListLine:
    """Lock the line's order (order_lock "pick"), then its pick list row; return the line read after."""
    row = PickListLine.objects.filter(pk=line_id).values("shipment__order_id", "pick_list_id").first()
    if row is None:
        raise PickError("Pick line: unknown line.")
    order_lock(row["shipment__order_id"], operation="pick", actor=actor)
    PickList.objects.select_for_update().filter(pk=row["pick_list_id"]).values_list("pk").get()
    return PickListLine.objects.select_related(
        "pick_list__location", "shipment__order", "shipment_line__order_line", "product"
    ).get(pk=line_id)


def _refusal(line: PickListLine) -> str | None:
    """Why the line cannot be ticked now, or None."""
    label = f"Pick line {line.product.sku} ({line.shipment.number})"
    if line.pick_list.status != PickList.Status.OPEN:
        return f"Pick list {line.pick_list.number} is {line.pick_list.get_status_display().lower()}."
    if line.status != PickListLine.Status.OPEN:
        return f"{label} is already {line.get_status_display().lower()}."
    if line.shipment.status != Shipment.Status.PENDING:
        status = line.shipment.get_status_display().lower()
        return f"Shipment {line.shipment.number} is {status}; its lines are no longer picked."
    shipment_line = line.shipment_line
    if shipment_line is None or shipment_line.order_line.quantity_open == 0:
        return f"{label} was cancelled; there is nothing to pick."
    if shipment_line.quantity != line.quantity:
        return f"{label}: the shipment now takes {shipment_line.quantity}, not {line.quantity}; print a new pick list."
    return None


@transaction.atomic
def pick_line_pick(*, line_id: int, actor=None, source: str = Source.ADMIN) -> PickListLine:
    """Tick a pick line picked: every unit was found. Refuses (PickError) with nothing changed."""
    line = _locked_line(line_id, actor)
    reason = _refusal(line)
    if reason:
        raise PickError(reason)
    line.mark_picked()
    line.save(update_fields=["status", "quantity_picked"])
    _after_tick(line, actor, source)
    return line


def _clean_found(value, quantity: int) -> int:
    if isinstance(value, str):
        value = value.strip()
        value = int(value) if value.isdigit() else None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < quantity:
        raise PickError(f"Quantity found: enter a whole number from 0 to {quantity - 1} (fewer than {quantity}).")
    return value


@transaction.atomic
def pick_line_short(*, line_id: int, found, actor=None, source: str = Source.ADMIN) -> PickListLine:
    """Mark a pick line short with the units found (0 to quantity - 1).

    The shipment line shrinks to what was found (removed when nothing was; a shipment left with no line is
    cancelled), so the missing units stay allocated for a later shipment. No stock changes. Refuses
    (PickError) with nothing changed. Event: `pick_short`.
    """
    line = _locked_line(line_id, actor)
    reason = _refusal(line)
    if reason:
        raise PickError(reason)
    found = _clean_found(found, line.quantity)
    line.mark_short(found)
    line.save(update_fields=["status", "quantity_picked"])
    shipment, shipment_line = line.shipment, line.shipment_line
    if found:
        shipment_line.quantity = found
        shipment_line.save(update_fields=["quantity"])
    else:
        shipment_line.delete()  # the pick line keeps its shipment; its shipment_line becomes NULL
        if not shipment.lines.exists():
            shipment.cancel(reason="Nothing found when picking.")
            shipment.save(update_fields=["status", "canceled_at", "cancel_reason"])
    events.pick_short_event(
        order=shipment.order,
        actor=actor,
        source=source,
        pick_list=line.pick_list.number,
        shipment=shipment.number,
        sku=line.product.sku,
        name=shipment_line.order_line.name,
        quantity=line.quantity,
        found=found,
        shipment_canceled=shipment.status == Shipment.Status.CANCELED,
    )
    _after_tick(line, actor, source)
    return line


@transaction.atomic
def pick_list_pick_all(*, pick_list_id: int, actor=None, source: str = Source.ADMIN) -> PickList:
    """Tick every open line of the list picked ("all found"), and complete it.

    Lock: `order_lock(operation="pick")` for each order on the list, in (root pk, pk) order, then the pick
    list row. Lines that cannot be picked any more (a cancelled line, a shipment gone) are refused as a whole:
    PickError naming the first, nothing changed. A fixed number of queries plus one lock per order.
    """
    order_ids = PickListLine.objects.filter(pick_list_id=pick_list_id).values_list("shipment__order_id", flat=True)
    for order_id in lock_order(order_ids):
        order_lock(order_id, operation="pick", actor=actor)
    pick_list = PickList.objects.select_for_update().select_related("location").filter(pk=pick_list_id).first()
    if pick_list is None:
        raise PickError("Pick list: unknown pick list.")
    if pick_list.status != PickList.Status.OPEN:
        raise PickError(f"Pick list {pick_list.number} is {pick_list.get_status_display().lower()}.")
    lines = list(
        pick_list.lines.filter(status=PickListLine.Status.OPEN).select_related(
            "shipment__order", "shipment_line__order_line", "product"
        )
    )
    for line in lines:
        line.pick_list = pick_list
        reason = _refusal(line)
        if reason:
            raise PickError(reason)
        line.mark_picked()
    PickListLine.objects.bulk_update(lines, ["status", "quantity_picked"])
    orders = {line.shipment.order_id: line.shipment.order for line in lines}
    shipments = defaultdict(set)
    for number, order_id in pick_list.lines.values_list("shipment__number", "shipment__order_id"):
        shipments[order_id].add(number)
    with events_batched():
        for order_id, order in orders.items():
            events.picked_event(
                order=order,
                actor=actor,
                source=source,
                pick_list=pick_list.number,
                shipments=sorted(shipments[order_id]),
            )
    pick_list.complete()
    pick_list.save(update_fields=["status", "completed_at"])
    return pick_list


def _after_tick(line: PickListLine, actor, source: str) -> None:
    """Record the order's shipments picked once its lines on this list are done; complete a done list."""
    open_lines = PickListLine.objects.filter(pick_list_id=line.pick_list_id, status=PickListLine.Status.OPEN)
    if not open_lines.filter(shipment__order_id=line.shipment.order_id).exists():
        numbers = sorted(
            set(
                line.pick_list.lines.filter(shipment__order_id=line.shipment.order_id).values_list(
                    "shipment__number", flat=True
                )
            )
        )
        events.picked_event(
            order=line.shipment.order, actor=actor, source=source, pick_list=line.pick_list.number, shipments=numbers
        )
    if not open_lines.exists():
        line.pick_list.complete()
        line.pick_list.save(update_fields=["status", "completed_at"])
