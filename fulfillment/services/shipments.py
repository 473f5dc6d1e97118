"""Shipments: the allocated units of an order at one location, prepared, then shipped.

Every function here locks through `orders.services.locks.order_lock` (the order and its family root, then
the stock levels the operation touches) and reads the shipment rows only after that lock: every change of
a shipment happens under its order's lock, so the order lock is the shipment's lock too.

Units in shipments: a pending shipment's lines are units allocated at its location (for each order line
and location, the pending shipment lines never exceed the allocation there); shipping takes them off
`on_hand` and `allocated` through `orders.services.shipping`, the one path by which units leave stock.
"""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from catalog.models import StockLocation
from orders.models import Allocation, OrderEvent
from orders.notify import order_notify
from orders.services.locks import order_lock
from orders.services.shipping import order_lines_ship_locked, order_lines_unship_locked

from .. import events
from ..exceptions import ShipmentError
from ..models import MAX_PACKAGES, Shipment, ShipmentLine, http_url
from .holds import holds_auto_apply

Source = OrderEvent.Source


def _unshipped_units(order) -> dict[tuple[int, int], int]:
    """(line id, location id) → allocated units not yet in a pending shipment."""
    free = {
        (a.line_id, a.location_id): a.quantity for a in Allocation.objects.filter(line__order=order, quantity__gt=0)
    }
    in_shipments = (
        ShipmentLine.objects.filter(shipment__order=order, shipment__status=Shipment.Status.PENDING)
        .values("order_line_id", "shipment__location_id")
        .annotate(units=Sum("quantity"))
    )
    for row in in_shipments:
        key = (row["order_line_id"], row["shipment__location_id"])
        free[key] = free.get(key, 0) - row["units"]
    return {key: units for key, units in free.items() if units > 0}


def _stockless_units(order, lines) -> dict[tuple[int, None], int]:
    """(line id, None) → open units of lines without a product (gift wrap, a service) not in a pending shipment.

    They hold no stock and no allocation: they travel with the order's first shipment."""
    open_units = {pk: line.quantity_open for pk, line in lines.items() if not line.product_id}
    if not open_units:
        return {}
    pending = (
        ShipmentLine.objects.filter(order_line_id__in=open_units, shipment__status=Shipment.Status.PENDING)
        .values("order_line_id")
        .annotate(units=Sum("quantity"))
    )
    for row in pending:
        open_units[row["order_line_id"]] -= row["units"]
    return {(pk, None): units for pk, units in open_units.items() if units > 0}


def _only(free: dict[tuple, int], quantities: dict[int, int], rank) -> dict[tuple, int]:
    """At most `quantities[line]` units per line out of `free`, best location first; refuses asking for more."""
    taken = {}
    for line_id, wanted in sorted(quantities.items()):
        keys = sorted((key for key in free if key[0] == line_id), key=lambda key: rank(key[1]))
        if not isinstance(wanted, int) or wanted < 1 or wanted > sum(free[key] for key in keys):
            raise ShipmentError(f"Line {line_id}: {wanted} units are not allocated outside the shipments.")
        for key in keys:
            take = min(free[key], wanted)
            if take:
                taken[key], wanted = take, wanted - take
    return taken


@transaction.atomic
def shipments_create(
    *, order_id: int, quantities: dict[int, int] | None = None, actor=None, source: str = Source.ADMIN
) -> list[Shipment]:
    """Prepare one pending shipment per location for the order's allocated units not yet in a shipment
    (with `quantities`, only that many units per line id: a partial shipment, best locations first).

    Lock: `order_lock(operation="fulfil")`. Refuses (InvalidTransition from the state check and guards;
    ShipmentError when every allocated unit is already in a shipment, or `quantities` asks for more than is
    free), changing nothing.
    """
    locked = order_lock(order_id, operation="fulfil", actor=actor)
    order = locked.order
    lines = {line.pk: line for line in order.lines.all()}
    free = {**_unshipped_units(order), **_stockless_units(order, lines)}
    rank = _location_ranks()
    if quantities is not None:
        free = _only(free, quantities, rank)
    by_location = _by_location(free, rank)
    if not by_location:
        raise ShipmentError(f"Order {order.number} has no allocated units outside its shipments.")
    sequence = order.shipments.count()
    created = []
    for location_id in sorted(by_location, key=rank):
        sequence += 1
        shipment = Shipment.objects.create(
            number=f"{order.number}-S{sequence}", order=order, location_id=location_id, created_by=actor
        )
        ShipmentLine.objects.bulk_create(
            ShipmentLine(shipment=shipment, order_line_id=line_id, quantity=units)
            for line_id, units in by_location[location_id]
        )
        created.append(shipment)
    events.shipments_created_event(
        order=order, actor=actor, source=source, shipments=[_summary(s, by_location, lines) for s in created]
    )
    holds_auto_apply(created)
    return created


def _location_ranks():
    """rank(location id) → (priority, id): lower ships first (the allocation order)."""
    priorities = dict(StockLocation.objects.values_list("pk", "priority"))
    return lambda location_id: (priorities.get(location_id, 0), location_id or 0)


def _by_location(free: dict[tuple, int], rank) -> dict[int, list[tuple[int, int]]]:
    """location id → [(line id, units)]; units without stock go with the first location's shipment (or,
    when the order has only those, from the first active location)."""
    by_location: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (line_id, location_id), units in sorted(free.items(), key=lambda item: (item[0][0], rank(item[0][1]))):
        by_location[location_id].append((line_id, units))
    loose = by_location.pop(None, [])
    if loose:
        home = min(by_location, key=rank) if by_location else _first_active_location()
        by_location[home].extend(loose)
    return by_location


def _first_active_location() -> int:
    location = StockLocation.objects.filter(active=True).order_by("priority", "pk").values_list("pk", flat=True)
    if not location:
        raise ShipmentError("No active stock location to ship from.")
    return location[0]


def _summary(shipment: Shipment, by_location, lines) -> dict:
    return {
        "number": shipment.number,
        "location": shipment.location.name,
        "lines": [
            {"sku": lines[line_id].sku, "name": lines[line_id].name, "quantity": units}
            for line_id, units in by_location[shipment.location_id]
        ],
    }


def _clean_tracking(carrier: str, tracking_code: str, tracking_url: str, packages: int | None) -> dict:
    """The tracking fields, checked by the model's own validators; refusals name the field."""
    fields = {"carrier": carrier.strip(), "tracking_code": tracking_code.strip(), "tracking_url": tracking_url.strip()}
    if fields["tracking_url"]:
        try:
            http_url(fields["tracking_url"])
        except ValidationError as error:
            raise ShipmentError(f"Tracking URL: {error.messages[0]}") from None
    for name, label in (("carrier", "Carrier"), ("tracking_code", "Tracking code"), ("tracking_url", "Tracking URL")):
        limit = Shipment._meta.get_field(name).max_length
        if len(fields[name]) > limit:
            raise ShipmentError(f"{label}: at most {limit} characters.")
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in fields[name]):
            raise ShipmentError(f"{label}: control characters are not allowed.")
    if packages is not None:
        if not isinstance(packages, int) or isinstance(packages, bool) or not 1 <= packages <= MAX_PACKAGES:
            raise ShipmentError(f"Packages: enter a whole number from 1 to {MAX_PACKAGES}.")
        fields["packages"] = packages
    return fields


@transaction.atomic
def shipment_ship(
    *,
    shipment_id: int,
    carrier: str = "",
    tracking_code: str = "",
    tracking_url: str = "",
    packages: int | None = None,
    email: bool = False,
    actor=None,
    source: str = Source.ADMIN,
) -> Shipment:
    """Ship a pending shipment: its units leave stock at its location; carrier and tracking are recorded.

    The `shipment.sent` webhook always goes out through the outbox; with `email`, the customer's "Shipment
    sent" e-mail too (carrier, tracking code and link, the units, no prices).

    Lock: `order_lock(operation="ship", change={"shipment_id": …})` (the guards see which shipment), then
    the shipment row is read. Refuses (InvalidTransition; ShipmentError: not pending, a bad field, more
    units than allocated there), changing nothing.
    """
    fields = _clean_tracking(carrier, tracking_code, tracking_url, packages)
    order_id = Shipment.objects.values_list("order_id", flat=True).get(pk=shipment_id)
    locked = order_lock(order_id, operation="ship", change={"shipment_id": shipment_id}, actor=actor)
    shipment = Shipment.objects.select_related("location").get(pk=shipment_id)
    if shipment.status != Shipment.Status.PENDING:
        raise ShipmentError(f"Shipment {shipment.number} is {shipment.get_status_display().lower()}; it cannot ship.")
    quantities = dict(shipment.lines.values_list("order_line_id", "quantity"))
    order_lines_ship_locked(
        locked,
        quantities=quantities,
        location_id=shipment.location_id,
        reference=shipment.number,
        shipment=_shipped_summary(shipment, fields),
        actor=actor,
        source=source,
    )
    for name, value in fields.items():
        setattr(shipment, name, value)
    shipment.ship()
    shipment.save()
    _notify_sent(locked.order, shipment, email=email, actor=actor, source=source)
    return shipment


def shipment_snapshot(shipment: Shipment) -> dict:
    """What the e-mail and the webhook say of a shipment, as plain data (no prices)."""
    lines = shipment.lines.select_related("order_line").order_by("order_line__position", "id")
    return {
        "id": shipment.pk,
        "number": shipment.number,
        "status": shipment.status,
        "location": shipment.location.name,
        "carrier": shipment.carrier,
        "tracking_code": shipment.tracking_code,
        "tracking_url": shipment.tracking_url,
        "packages": shipment.packages,
        "lines": [{"name": row.order_line.name, "sku": row.order_line.sku, "quantity": row.quantity} for row in lines],
    }


def _notify_sent(order, shipment: Shipment, *, email: bool, actor, source) -> None:
    order_notify(order=order, kind="shipment_sent", actor=actor, source=source, send_email=email,
                 extra_context={"shipment": shipment_snapshot(shipment)})  # fmt: skip


def _shipped_summary(shipment: Shipment, fields: dict) -> dict:
    return {
        "id": shipment.pk,
        "number": shipment.number,
        "location": shipment.location.name,
        "packages": fields.get("packages", shipment.packages),
        **{name: fields[name] for name in ("carrier", "tracking_code", "tracking_url")},
    }


# --- the rest of a shipment's life: cancel (before or after it left), deliver, pre-announce, packages.
def _locked_shipment(shipment_id, *, operation: str, actor, action: str, products: bool = False):
    """Lock the shipment's order (and with `products` every level of its lines' products), then read the
    shipment: the order lock is the shipment's lock. Unknown id: ShipmentError."""
    order_id = Shipment.objects.filter(pk=shipment_id).values_list("order_id", flat=True).first()
    if order_id is None:
        raise ShipmentError(f"Shipment {shipment_id} does not exist.")
    extra = []
    if products:
        lines = ShipmentLine.objects.filter(shipment_id=shipment_id, order_line__product__isnull=False)
        extra = list(lines.values_list("order_line__product_id", flat=True))
    change = {"shipment_id": shipment_id, "action": action}
    locked = order_lock(order_id, operation=operation, extra_product_ids=extra, change=change, actor=actor)
    return locked, Shipment.objects.select_related("location").get(pk=shipment_id)


def _refuse_unless(shipment: Shipment, *statuses: str, doing: str) -> None:
    if shipment.status not in statuses:
        state = shipment.get_status_display().lower()
        raise ShipmentError(f"Shipment {shipment.number} is {state}; it cannot be {doing}.")


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    limit = Shipment._meta.get_field("cancel_reason").max_length
    if len(reason) > limit:
        raise ShipmentError(f"Reason: at most {limit} characters.")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in reason):
        raise ShipmentError("Reason: control characters are not allowed.")
    return reason


@transaction.atomic
def shipment_cancel(*, shipment_id: int, reason: str = "", actor=None, source: str = Source.ADMIN) -> Shipment:
    """Cancel a shipment. Not shipped yet: its units stay allocated, free for a new shipment. Shipped: only
    with a reason; its units come back on hand at its location, open and reserved there again.

    Lock: `order_lock(operation="fulfil")`, with the levels of the shipment's products for a shipped one.
    Refuses (ShipmentError: delivered or cancelled already, no reason for a shipped one, a bad reason;
    InvalidTransition from the guards, e.g. a shipment released to the warehouse), changing nothing.
    """
    reason = _clean_reason(reason)
    shipped = Shipment.objects.filter(pk=shipment_id, status=Shipment.Status.SHIPPED).exists()
    locked, shipment = _locked_shipment(shipment_id, operation="fulfil", actor=actor, action="cancel",
                                        products=shipped)  # fmt: skip
    _refuse_unless(shipment, Shipment.Status.PENDING, Shipment.Status.SHIPPED, doing="cancelled")
    if (shipment.status == Shipment.Status.SHIPPED) != shipped:  # it shipped between our read and the lock
        raise ShipmentError(f"Shipment {shipment.number} changed meanwhile; try again.")
    lines = []
    if shipped:
        if not reason:
            raise ShipmentError(f"Reason: say why shipped shipment {shipment.number} is cancelled.")
        quantities = dict(shipment.lines.values_list("order_line_id", "quantity"))
        lines = order_lines_unship_locked(locked, quantities=quantities, location_id=shipment.location_id,
                                          reference=shipment.number, reason=reason[:200], actor=actor)  # fmt: skip
    shipment.cancel(reason=reason)
    shipment.save()
    events.shipment_canceled_event(order=locked.order, actor=actor, source=source, number=shipment.number,
                                   location=shipment.location.name, shipped=shipped, reason=reason,
                                   lines=lines)  # fmt: skip
    return shipment


@transaction.atomic
def shipment_deliver(*, shipment_id: int, actor=None, source: str = Source.ADMIN, repeat_ok: bool = False) -> Shipment:
    """Record that a shipped shipment arrived. Lock: `order_lock(operation="fulfil")`. Refuses unless shipped.

    `repeat_ok` (the warehouse API): a shipment already delivered is answered as it is, unchanged, since a
    warehouse may report one delivery twice under two event ids; the check is made under the lock.
    """
    locked, shipment = _locked_shipment(shipment_id, operation="fulfil", actor=actor, action="deliver")
    if repeat_ok and shipment.status == Shipment.Status.DELIVERED:
        return shipment
    _refuse_unless(shipment, Shipment.Status.SHIPPED, doing="marked delivered")
    shipment.deliver()
    shipment.save()
    events.shipment_delivered_event(order=locked.order, actor=actor, source=source, number=shipment.number)
    return shipment


@transaction.atomic
def shipment_pre_announce(*, shipment_id: int, carrier: str = "", actor=None, source: str = Source.ADMIN) -> Shipment:
    """Tell the carrier a parcel is coming: the time is recorded and a `shipment.pre_announced` webhook goes out
    through the outbox (no carrier API here). Lock: `order_lock(operation="fulfil")`. Refuses unless pending
    and not announced before."""
    fields = _clean_tracking(carrier, "", "", None)
    locked, shipment = _locked_shipment(shipment_id, operation="fulfil", actor=actor, action="pre_announce")
    _refuse_unless(shipment, Shipment.Status.PENDING, doing="pre-announced")
    if shipment.pre_announced_at:
        raise ShipmentError(f"Shipment {shipment.number} was pre-announced already.")
    shipment.carrier = fields["carrier"] or shipment.carrier
    shipment.pre_announced_at = timezone.now()
    shipment.save(update_fields=["carrier", "pre_announced_at"])
    events.shipment_pre_announced_event(order=locked.order, actor=actor, source=source, number=shipment.number,
                                        carrier=shipment.carrier)  # fmt: skip
    order_notify(order=locked.order, kind="shipment_pre_announced", actor=actor, source=source, send_email=False,
                 extra_context={"shipment": shipment_snapshot(shipment)})  # fmt: skip
    return shipment


@transaction.atomic
def shipment_packages_set(*, shipment_id: int, packages, actor=None, source: str = Source.ADMIN) -> Shipment:
    """Change the number of packages of a shipment that has not shipped. Lock: `order_lock(operation="fulfil")`."""
    fields = _clean_tracking("", "", "", 0 if packages is None else packages)  # None is no number either
    locked, shipment = _locked_shipment(shipment_id, operation="fulfil", actor=actor, action="packages")
    _refuse_unless(shipment, Shipment.Status.PENDING, doing="repacked")
    before = shipment.packages
    if before == fields["packages"]:
        return shipment
    shipment.packages = fields["packages"]
    shipment.save(update_fields=["packages"])
    events.shipment_packages_event(order=locked.order, actor=actor, source=source, number=shipment.number,
                                   before=before, after=shipment.packages)  # fmt: skip
    return shipment
