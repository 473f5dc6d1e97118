"""Hand-off: a pending shipment released to the warehouse is the warehouse's until it is recalled.

Release sends the `shipment.released` webhook (the shipment with its lines, bins and address, as a snapshot,
through the outbox). From then on the shipment is locked: the guards below (registered in
`FulfillmentConfig.ready()` on edit, split, line cancel, cancel, allocation move and address change) refuse
any change touching its units with the sentence the order desk also sees beside the line ("Line Mug is in
shipment 10150-S1, released to the warehouse: request a recall first"). A recall is requested
(`shipment.recall_requested` webhook) and the warehouse accepts it (the order can change again) or rejects it
(the shipment stays with the warehouse), through the API or a Warehouse user.

Every service locks through `orders.services.locks.order_lock(operation="handoff")` and reads the shipment
after that lock (the order lock is the shipment's lock).
"""

import secrets

from django.db import transaction

from catalog.models import StockLevel
from notifications.services import webhook_event_enqueue
from orders.models import Channel, Order, OrderEvent
from orders.services.locks import order_lock

from .. import events
from ..exceptions import ShipmentError
from ..models import Shipment, ShipmentLine, WarehouseConnection
from .holds import active_holds, holds_sentence

Source = OrderEvent.Source
Handoff = Shipment.Handoff
WITH_WAREHOUSE = (Handoff.RELEASED, Handoff.RECALL_REQUESTED)
NOTE_MAX = 200


# --- what is locked, and the guards


def released_lines(order) -> list[ShipmentLine]:
    """The order's units in pending shipments that are with the warehouse (one query), in line order."""
    if order.status in (Order.Status.DRAFT, Order.Status.CANCELED):
        return []
    return list(
        ShipmentLine.objects.filter(
            shipment__order=order, shipment__status=Shipment.Status.PENDING, shipment__handoff_status__in=WITH_WAREHOUSE
        )
        .select_related("shipment", "order_line")
        .order_by("order_line__position", "order_line_id", "shipment_id")
    )


def line_lock_sentence(shipment_line: ShipmentLine) -> str:
    """Why the line cannot change: the same sentence for the guard, the admin's refusal and the line's badge."""
    shipment = shipment_line.shipment
    where = f"Line {shipment_line.order_line.name} is in shipment {shipment.number}, released to the warehouse"
    if shipment.handoff_status == Handoff.RECALL_REQUESTED:
        return f"{where}: a recall is requested; it can change once the warehouse accepts the recall."
    return f"{where}: request a recall first."


def line_lock_sentences(order) -> dict[int, list[str]]:
    """Order line id → the sentences saying why it is locked (for the Articles tab's badges; one query)."""
    sentences: dict[int, list[str]] = {}
    for row in released_lines(order):
        sentences.setdefault(row.order_line_id, []).append(line_lock_sentence(row))
    return sentences


def _touched_line_ids(operation: str, change) -> set[int] | None:
    """The order lines a proposed change touches, or None when it may touch any (be conservative)."""
    if operation == "edit" and hasattr(change, "quantities"):
        return {int(line_id) for line_id in change.quantities}  # added lines and the fee touch no locked unit
    if operation in ("line_cancel", "allocation_move") and isinstance(change, dict) and "line_id" in change:
        return {int(change["line_id"])}
    if operation == "split" and isinstance(change, dict):
        return {int(line_id) for line_id in change}
    return None


def _every_open_unit_locked(order, rows: list[ShipmentLine]) -> bool:
    open_units = sum(line.quantity_open for line in order.lines.all())
    return sum(row.quantity for row in rows) >= open_units


def handoff_guard(order, operation: str, change) -> str | None:
    """Guard on edit, split, line_cancel, cancel, allocation_move and address_change: no change touches units
    in a shipment the warehouse has. Asked without a change (the admin's "may I?"), it refuses only when every
    open unit is with the warehouse; a whole-order cancel touches every unit."""
    rows = released_lines(order)
    if not rows:
        return None
    if operation == "address_change" and isinstance(change, dict):
        if "shipping" not in change:
            return None  # the billing address is not on the parcel
        number = rows[0].shipment.number
        return f"Shipment {number} was released to the warehouse with this address: request a recall first."
    if change is None and operation != "cancel":
        return line_lock_sentence(rows[0]) if _every_open_unit_locked(order, rows) else None
    touched = _touched_line_ids(operation, change) if change is not None else None
    for row in rows:
        if touched is None or row.order_line_id in touched:
            return line_lock_sentence(row)
    return None


LOCKED_OPERATIONS = ("edit", "split", "line_cancel", "cancel", "allocation_move", "address_change")


def shipment_cancel_guard(order, operation: str, change) -> str | None:
    """Guard on "fulfil" for cancelling a pending shipment (`change={"shipment_id", "action": "cancel"}`): the
    warehouse has it, so it is recalled first."""
    if not (isinstance(change, dict) and change.get("action") == "cancel"):
        return None
    number = (
        Shipment.objects.filter(
            pk=change.get("shipment_id"), status=Shipment.Status.PENDING, handoff_status__in=WITH_WAREHOUSE
        )
        .values_list("number", flat=True)
        .first()
    )
    return f"Shipment {number} is released to the warehouse: request a recall first." if number else None


def ship_recall_guard(order, operation: str, change) -> str | None:
    """Guard on "ship": a shipment whose recall is pending waits for the warehouse's answer (a warehouse that
    reports it shipped answers the recall first: `fulfillment.services.warehouse_events`)."""
    shipment_id = change.get("shipment_id") if isinstance(change, dict) else None
    if shipment_id is None:
        return None
    number = (
        Shipment.objects.filter(pk=shipment_id, handoff_status=Handoff.RECALL_REQUESTED)
        .values_list("number", flat=True)
        .first()
    )
    return f"Shipment {number} has a recall requested: the warehouse accepts or rejects it first." if number else None


# --- the services


def _locked_shipment(shipment_id: int, *, actor, action: str):
    """Lock the shipment's order (operation "handoff"), then read the shipment: (locked, shipment)."""
    try:
        order_id = Shipment.objects.values_list("order_id", flat=True).get(pk=shipment_id)
    except Shipment.DoesNotExist:
        raise ShipmentError(f"Shipment {shipment_id} does not exist.") from None
    change = {"shipment_id": shipment_id, "action": action}
    locked = order_lock(order_id, operation="handoff", change=change, actor=actor)
    return locked, Shipment.objects.select_related("location").get(pk=shipment_id)


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX or any(ord(ch) < 32 or ord(ch) == 127 for ch in note):
        raise ShipmentError(f"Note: one line of at most {NOTE_MAX} characters.")
    return note


def _with_warehouse(shipment: Shipment, wanted: str, what: str) -> None:
    if shipment.status != Shipment.Status.PENDING:
        raise ShipmentError(f"Shipment {shipment.number} is {shipment.get_status_display().lower()}; {what}.")
    if shipment.handoff_status != wanted:
        state = shipment.get_handoff_status_display().lower()
        raise ShipmentError(f"Shipment {shipment.number} is {state}; {what}.")


def _payload(shipment: Shipment, order, note: str = "") -> dict:
    """The shipment as the warehouse needs it, copied now (the worker sends this snapshot, reads nothing)."""
    lines = list(shipment.lines.select_related("order_line").order_by("order_line__position", "pk"))
    product_ids = [row.order_line.product_id for row in lines if row.order_line.product_id]
    bins = dict(
        StockLevel.objects.filter(location_id=shipment.location_id, product_id__in=product_ids).values_list(
            "product_id", "bin_location"
        )
    )
    return {
        "shipment": {
            "id": shipment.pk,
            "number": shipment.number,
            "order_number": order.number,
            "location": shipment.location.name,
            "packages": shipment.packages,
            "promised_date": shipment.promised_date.isoformat() if shipment.promised_date else None,
            "shipping_address": order.shipping_address(),
            "lines": [
                {
                    "sku": row.order_line.sku,
                    "name": row.order_line.name,
                    "quantity": row.quantity,
                    "bin_location": bins.get(row.order_line.product_id, ""),
                }
                for row in lines
            ],
        },
        "note": note,
    }


@transaction.atomic
def shipment_release(*, shipment_id: int, actor=None, source: str = Source.ADMIN) -> Shipment:
    """Hand a pending, unheld shipment to the warehouse; from now on its units are locked.

    Lock: `order_lock(operation="handoff")`, then the shipment. Transition: not released → released.
    Refuses (ShipmentError, InvalidTransition), changing nothing: not pending, already released, on hold.
    Side effects: a shipment_released event and the `shipment.released` webhook (outbox, snapshot data).
    """
    locked, shipment = _locked_shipment(shipment_id, actor=actor, action="release")
    _with_warehouse(shipment, Handoff.NOT_RELEASED, "only a pending shipment that is not released can be released")
    holds = active_holds([shipment.pk]).get(shipment.pk)
    if holds:
        raise ShipmentError(f"Shipment {shipment.number} cannot go to the warehouse. {holds_sentence(holds)}")
    shipment.release()
    shipment.save(update_fields=["handoff_status", "released_at"])
    _announce(locked.order, shipment, "shipment.released", events.SHIPMENT_RELEASED.code, actor, source)
    return shipment


def _announce(order, shipment: Shipment, webhook: str, event_code: str, actor, source: str, note: str = "") -> None:
    events.shipment_handoff_event(
        code=event_code, order=order, shipment=shipment, actor=actor, source=source, note=note
    )
    if webhook:
        webhook_event_enqueue(
            event_type=webhook, payload=_payload(shipment, order, note), topic="order", topic_id=order.pk
        )


@transaction.atomic
def shipment_recall_request(*, shipment_id: int, note: str = "", actor=None, source: str = Source.ADMIN) -> Shipment:
    """Ask the warehouse to give a released shipment back (so the order can change).

    Lock: `order_lock(operation="handoff")`, then the shipment. Transition: released → recall requested.
    Refuses (ShipmentError) a shipment not released or not pending, changing nothing. Side effects: a
    shipment_recall_requested event and the `shipment.recall_requested` webhook.
    """
    note = _clean_note(note)
    locked, shipment = _locked_shipment(shipment_id, actor=actor, action="recall_request")
    _with_warehouse(shipment, Handoff.RELEASED, "only a shipment released to the warehouse can be recalled")
    shipment.request_recall()
    shipment.save(update_fields=["handoff_status"])
    _announce(locked.order, shipment, "shipment.recall_requested", events.RECALL_REQUESTED.code, actor, source, note)
    return shipment


@transaction.atomic
def shipment_recall_answer(
    *, shipment_id: int, accept: bool, note: str = "", actor=None, source: str = Source.ADMIN
) -> Shipment:
    """The warehouse's answer to a recall: accepted (back to not released: the order can change again) or
    rejected (released: it stays with the warehouse).

    Lock: `order_lock(operation="handoff")`, then the shipment. Refuses (ShipmentError) when no recall is
    requested, changing nothing. Side effects: a recall accepted / rejected event.
    """
    note = _clean_note(note)
    locked, shipment = _locked_shipment(shipment_id, actor=actor, action="recall_answer")
    _with_warehouse(shipment, Handoff.RECALL_REQUESTED, "no recall is waiting for an answer")
    if accept:
        shipment.accept_recall()
        shipment.save(update_fields=["handoff_status", "released_at"])
    else:
        shipment.reject_recall()
        shipment.save(update_fields=["handoff_status"])
    code = events.RECALL_ACCEPTED.code if accept else events.RECALL_REJECTED.code
    _announce(locked.order, shipment, "", code, actor, source, note)
    return shipment


@transaction.atomic
def shipment_warehouse_update(
    *, shipment_id: int, status_text: str = "", tracking: dict | None = None, actor=None, source: str = Source.API
) -> Shipment:
    """Record what the warehouse reports without shipping: its status text and, before shipping, tracking.

    `tracking` holds checked carrier / tracking_code / tracking_url (the API checks them). Lock:
    `order_lock(operation="handoff")`, then the shipment. Side effects: a shipment_warehouse_update event.
    """
    locked, shipment = _locked_shipment(shipment_id, actor=actor, action="update")
    fields = []
    if status_text:
        shipment.warehouse_status = status_text
        fields.append("warehouse_status")
    for name, value in (tracking or {}).items():
        if value:
            setattr(shipment, name, value)
            fields.append(name)
    if fields:
        shipment.save(update_fields=fields)
    reported = {name: getattr(shipment, name) for name in fields}
    events.shipment_warehouse_update_event(
        order=locked.order, shipment=shipment, actor=actor, source=source, **reported
    )
    return shipment


@transaction.atomic
def warehouse_token_issue(*, connection_id: int, actor) -> str:
    """Issue a new API token for a warehouse connection and return it; the old one stops working at once.

    Only the SHA-256 digest is stored (`Channel.digest`, the channels' scheme), so the token is shown once.
    Lock: the connection row, so two simultaneous issues leave one consistent digest.
    """
    connection = WarehouseConnection.objects.select_for_update().get(pk=connection_id)
    token = secrets.token_urlsafe(32)
    connection.api_token_digest = Channel.digest(token)
    connection.save(update_fields=["api_token_digest"])
    return token
