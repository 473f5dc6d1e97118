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

from orders.models import Allocation, OrderEvent
from orders.services.locks import order_lock
from orders.services.shipping import order_lines_ship_locked

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


@transaction.atomic
def shipments_create(*, order_id: int, actor=None, source: str = Source.ADMIN) -> list[Shipment]:
    """Prepare one pending shipment per location for the order's allocated units not yet in a shipment.

    Lock: `order_lock(operation="fulfil")`. Refuses (InvalidTransition from the state check and guards;
    ShipmentError when every allocated unit is already in a shipment), changing nothing.
    """
    locked = order_lock(order_id, operation="fulfil", actor=actor)
    order = locked.order
    by_location: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (line_id, location_id), units in sorted(_unshipped_units(order).items()):
        by_location[location_id].append((line_id, units))
    if not by_location:
        raise ShipmentError(f"Order {order.number} has no allocated units outside its shipments.")
    sequence = order.shipments.count()
    created = []
    lines = {line.pk: line for line in order.lines.all()}
    for location_id in sorted(by_location, key=lambda pk: _location_rank(locked, pk)):
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


def _location_rank(locked, location_id: int) -> tuple:
    for level in locked.levels.values():
        if level.location_id == location_id:
            return (level.location.priority, location_id)
    return (0, location_id)


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
        if not isinstance(packages, int) or not 1 <= packages <= MAX_PACKAGES:
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
    actor=None,
    source: str = Source.ADMIN,
) -> Shipment:
    """Ship a pending shipment: its units leave stock at its location; carrier and tracking are recorded.

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
    return shipment


def _shipped_summary(shipment: Shipment, fields: dict) -> dict:
    return {
        "id": shipment.pk,
        "number": shipment.number,
        "location": shipment.location.name,
        "packages": fields.get("packages", shipment.packages),
        **{name: fields[name] for name in ("carrier", "tracking_code", "tracking_url")},
    }
