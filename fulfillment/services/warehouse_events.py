"""Events a warehouse posts about a shipment (`POST /api/shipments/<id>/events`), applied once per event id.

The API view checks the token and the body; `warehouse_event_receive` records the event under its
(connection, event id) and applies it through the shipment services, all in one transaction: a refused
event leaves nothing behind (not even its id, so it may be posted again once the refusal is resolved), and
a repeated id answers what the first post answered. Two posts of one id at once: the second waits on the
unique index until the first commits, then answers as a repeat (or applies it, if the first rolled back).
"""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.exceptions import IdempotencyConflict
from orders.models import OrderEvent

from ..models import Shipment, WarehouseConnection, WarehouseEvent
from .handoff import shipment_recall_answer, shipment_warehouse_update
from .shipments import shipment_deliver, shipment_ship

Source = OrderEvent.Source
Type = WarehouseEvent.Type
TRACKING_FIELDS = ("carrier", "tracking_code", "tracking_url")


def event_digest(event: dict) -> str:
    text = json.dumps(event, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode()).hexdigest()


def shipment_for_connection(connection: WarehouseConnection, shipment_id: int) -> Shipment | None:
    """The shipment, if this connection serves its location (a connection without locations serves all)."""
    shipments = Shipment.objects.filter(pk=shipment_id)
    if connection.locations.exists():
        shipments = shipments.filter(location__in=connection.locations.all())
    return shipments.first()


def shipment_answer(shipment: Shipment) -> dict:
    return {
        "id": shipment.pk,
        "number": shipment.number,
        "status": shipment.status,
        "handoff_status": shipment.handoff_status,
        "warehouse_status": shipment.warehouse_status,
        **{name: getattr(shipment, name) for name in TRACKING_FIELDS},
    }


def _apply(shipment: Shipment, event: dict) -> Shipment:
    """Apply one checked event through the services (actor None: the warehouse; source API)."""
    kind, note = event["type"], event.get("status_text", "")
    tracking = {name: event.get(name, "") for name in TRACKING_FIELDS}
    if kind == Type.SHIPPED:
        if shipment.handoff_status == Shipment.Handoff.RECALL_REQUESTED:
            # Shipping answers the recall: the parcel left, so the recall is rejected first, in this transaction.
            shipment_recall_answer(shipment_id=shipment.pk, accept=False, note="Shipped by the warehouse.",
                                   source=Source.API)  # fmt: skip
        shipment_ship(shipment_id=shipment.pk, source=Source.API, **tracking)
    elif kind == Type.DELIVERED:
        _deliver(shipment)
    elif kind in (Type.RECALL_ACCEPTED, Type.RECALL_REJECTED):
        shipment_recall_answer(
            shipment_id=shipment.pk, accept=kind == Type.RECALL_ACCEPTED, note=note, source=Source.API
        )
    if kind in (Type.TRACKING, Type.STATUS) or note:
        shipment_warehouse_update(
            shipment_id=shipment.pk,
            status_text=note,
            tracking=tracking if kind == Type.TRACKING else None,
            source=Source.API,
        )
    return Shipment.objects.get(pk=shipment.pk)


def _deliver(shipment: Shipment) -> None:
    # Shipped -> delivered through the lifecycle service (refused unless shipped: 409 naming the status). A
    # second "delivered" under a new event id changes nothing. The order has no delivered state: it stays shipped.
    shipment_deliver(shipment_id=shipment.pk, source=Source.API, repeat_ok=True)


@transaction.atomic
def warehouse_event_receive(
    *, connection: WarehouseConnection, shipment: Shipment, event: dict
) -> tuple[WarehouseEvent, bool]:
    """Record and apply a checked event once; returns (the event row, whether it is a repeat).

    Raises IdempotencyConflict when the id was used with another body or shipment, and the services'
    OrderError when the event is refused (then nothing is kept). Locks: the unique (connection, event id)
    entry first (a racing repeat waits there), then the services' own `order_lock`.
    """
    digest = event_digest(event)
    try:
        with transaction.atomic():
            row = WarehouseEvent.objects.create(
                connection=connection,
                shipment=shipment,
                event_id=event["event_id"],
                type=event["type"],
                status_text=event.get("status_text", ""),
                occurred_at=event.get("occurred_at") or timezone.now(),
                body_sha256=digest,
            )
    except IntegrityError:
        first = WarehouseEvent.objects.get(connection=connection, event_id=event["event_id"])
        if first.body_sha256 != digest or first.shipment_id != shipment.pk:
            raise IdempotencyConflict(
                f"Event {event['event_id']} was already received with another body; use a new event_id.",
                details={"field": "event_id"},
            ) from None
        return first, True
    row.answer = {"event_id": row.event_id, "shipment": shipment_answer(_apply(shipment, event))}
    row.save(update_fields=["answer"])
    return row, False
