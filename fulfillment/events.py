"""Fulfilment's events on the order timeline: registered once, recorded only here.

Each type comes with its sentence, made from the event's stored parameters (see `orders.events`). Shipping
itself is the order's SHIPPED event (`orders.services.shipping`), which carries the shipment's number,
location, carrier and tracking.
"""

from orders import events as order_events


def _units(lines) -> str:
    return ", ".join(f"{row['quantity']} × {row.get('name') or row.get('sku')}" for row in lines or []) or "nothing"


def _created(event, who):
    rows = event.parameters.get("shipments") or []
    parts = [f"{row['number']} from {row['location']} ({_units(row['lines'])})" for row in rows]
    return f"{who} prepared {'a shipment' if len(rows) == 1 else f'{len(rows)} shipments'}: " + "; ".join(parts), []


SHIPMENTS_CREATED = order_events.register_event_type("shipments_created", "Shipments prepared", _created)


def shipments_created_event(*, order, actor, source, shipments: list[dict]):
    return order_events.record_event(order, SHIPMENTS_CREATED.code, actor=actor, source=source, shipments=shipments)


# --- holds (fulfillment.services.holds)


def _hold_text(row: dict) -> str:
    text = row["reason"].lower()
    if row.get("until"):
        text += f" until {row['until']}"
    if row.get("note"):
        text += f" ({row['note']})"
    return text


def _held(event, who):
    p = event.parameters
    by = "The shop's rule 'ship only paid orders'" if p.get("automatic") else who
    return f"{by} put shipment {p['shipment']} on hold: {_hold_text(p)}", []


def _hold_released(event, who):
    p = event.parameters
    how = " (the order is paid)" if p.get("automatic") else ""
    return f"{who} released the hold on shipment {p['shipment']}: {_hold_text(p)}{how}", []


SHIPMENT_HELD = order_events.register_event_type("shipment_held", "Shipment held", _held)
SHIPMENT_HOLD_RELEASED = order_events.register_event_type(
    "shipment_hold_released", "Shipment hold released", _hold_released
)


def _hold_parameters(hold) -> dict:
    return {
        "shipment": hold.shipment.number,
        "hold_id": hold.pk,
        "reason": hold.get_reason_display(),
        "note": hold.note,
        "until": hold.until.isoformat() if hold.until else None,
        "automatic": hold.automatic,
    }


def shipment_held_event(*, order, hold, actor, source):
    return order_events.record_event(order, SHIPMENT_HELD.code, actor=actor, source=source, **_hold_parameters(hold))


def shipment_hold_released_event(*, order, hold, actor, source):
    return order_events.record_event(
        order, SHIPMENT_HOLD_RELEASED.code, actor=actor, source=source, **_hold_parameters(hold)
    )


# --- hand-off to the warehouse (fulfillment.services.handoff)

_HANDOFF_SENTENCES = {
    "shipment_released": "{who} released shipment {shipment} to the warehouse",
    "shipment_recall_requested": "{who} asked the warehouse to recall shipment {shipment}",
    "shipment_recall_accepted": "{who} accepted the recall of shipment {shipment}: the order can change again",
    "shipment_recall_rejected": "{who} rejected the recall of shipment {shipment}: it stays with the warehouse",
}


def _handoff(event, who):
    p = event.parameters
    text = _HANDOFF_SENTENCES[event.type].format(who=who, shipment=p["shipment"])
    return text + (f" ({p['note']})" if p.get("note") else ""), []


SHIPMENT_RELEASED = order_events.register_event_type("shipment_released", "Released to warehouse", _handoff)
RECALL_REQUESTED = order_events.register_event_type("shipment_recall_requested", "Recall requested", _handoff)
RECALL_ACCEPTED = order_events.register_event_type("shipment_recall_accepted", "Recall accepted", _handoff)
RECALL_REJECTED = order_events.register_event_type("shipment_recall_rejected", "Recall rejected", _handoff)


def shipment_handoff_event(*, code: str, order, shipment, actor, source, note: str = ""):
    """One of the hand-off events above (`code`), for `shipment`."""
    return order_events.record_event(order, code, actor=actor, source=source, shipment=shipment.number, note=note)


def _warehouse_update(event, who):
    p = event.parameters
    parts = [f"status '{p['status_text']}'" if p.get("status_text") else ""]
    if p.get("tracking_code"):
        parts.append(f"tracking {p.get('carrier') or ''} {p['tracking_code']}".replace("  ", " "))
    said = ", ".join(part for part in parts if part) or "an update"
    return f"The warehouse reported {said} for shipment {p['shipment']}", []


WAREHOUSE_UPDATE = order_events.register_event_type("shipment_warehouse_update", "Warehouse update", _warehouse_update)


def shipment_warehouse_update_event(*, order, shipment, actor, source, **reported):
    return order_events.record_event(
        order, WAREHOUSE_UPDATE.code, actor=actor, source=source, shipment=shipment.number, **reported
    )


# --- shipment lifecycle (fulfillment/services/shipments.py)
def _canceled(event, who):
    p = event.parameters
    if p.get("shipped"):
        back = f"back in stock at {p['location']}: {_units(p.get('lines'))}"
        return f"{who} cancelled shipped shipment {p['number']} ({p.get('reason')}); {back}", []
    return f"{who} cancelled shipment {p['number']} before it shipped; its units are free for a new shipment", []


def _delivered(event, who):
    return f"Shipment {event.parameters['number']} was delivered (recorded by {who})", []


def _pre_announced(event, who):
    p = event.parameters
    return f"{who} pre-announced shipment {p['number']} to {p.get('carrier') or 'the carrier'}", []


def _packages(event, who):
    p = event.parameters
    return f"{who} changed the packages of shipment {p['number']} from {p['before']} to {p['after']}", []


SHIPMENT_CANCELED = order_events.register_event_type("shipment_canceled", "Shipment cancelled", _canceled)
SHIPMENT_DELIVERED = order_events.register_event_type("shipment_delivered", "Shipment delivered", _delivered)
SHIPMENT_PRE_ANNOUNCED = order_events.register_event_type(
    "shipment_pre_announced", "Shipment pre-announced", _pre_announced
)
SHIPMENT_PACKAGES = order_events.register_event_type("shipment_packages", "Shipment packages changed", _packages)


def shipment_canceled_event(*, order, actor, source, number, location, shipped: bool, reason: str, lines):
    return order_events.record_event(order, SHIPMENT_CANCELED.code, actor=actor, source=source, number=number,
                                     location=location, shipped=shipped, reason=reason, lines=lines)  # fmt: skip


def shipment_delivered_event(*, order, actor, source, number):
    return order_events.record_event(order, SHIPMENT_DELIVERED.code, actor=actor, source=source, number=number)


def shipment_pre_announced_event(*, order, actor, source, number, carrier):
    return order_events.record_event(order, SHIPMENT_PRE_ANNOUNCED.code, actor=actor, source=source,
                                     number=number, carrier=carrier)  # fmt: skip


def shipment_packages_event(*, order, actor, source, number, before: int, after: int):
    return order_events.record_event(order, SHIPMENT_PACKAGES.code, actor=actor, source=source, number=number,
                                     before=before, after=after)  # fmt: skip


def _trimmed(event, who):
    p = event.parameters
    action = "cancelled" if p.get("canceled") else "reduced"
    return f"Shipment {p['number']} {action} because {p.get('why')}: {_units(p.get('lines'))} taken out", []


SHIPMENT_TRIMMED = order_events.register_event_type("shipment_trimmed", "Shipment adjusted", _trimmed)


def shipment_trimmed_event(*, order, actor, source, number, lines, canceled: bool, why: str):
    return order_events.record_event(order, SHIPMENT_TRIMMED.code, actor=actor, source=source, number=number,
                                     lines=lines, canceled=canceled, why=why)  # fmt: skip


def _pick_list_created(event, who):
    p = event.parameters
    rows = p.get("lines") or []
    shipments = sorted({row.get("shipment", "") for row in rows})
    where = f"pick list {p.get('pick_list')} at {p.get('location')}"
    return f"{who} put {', '.join(shipments)} on {where} ({_units(rows)})", []


def _pick_short(event, who):
    p = event.parameters
    rest = f"{p.get('shipment')} now takes {p.get('found')}"
    if p.get("shipment_canceled"):
        rest = f"{p.get('shipment')} was cancelled"
    return (
        f"{who} found {p.get('found')} of {p.get('quantity')} × {p.get('name') or p.get('sku')} on pick list "
        f"{p.get('pick_list')}: {rest}; the rest stays reserved for a later shipment",
        [],
    )


def _picked(event, who):
    p = event.parameters
    return f"{who} picked {', '.join(p.get('shipments') or [])} (pick list {p.get('pick_list')})", []


PICK_LIST_CREATED = order_events.register_event_type("pick_list_created", "Pick list printed", _pick_list_created)
PICK_SHORT = order_events.register_event_type("pick_short", "Short when picking", _pick_short)
PICKED = order_events.register_event_type("picked", "Picked", _picked)


def pick_list_created_event(*, order, actor, source, pick_list: str, location: str, lines: list[dict]):
    return order_events.record_event(
        order, PICK_LIST_CREATED.code, actor=actor, source=source, pick_list=pick_list, location=location, lines=lines
    )


def pick_short_event(*, order, actor, source, **parameters):
    """parameters: pick_list, shipment, sku, name, quantity, found, shipment_canceled."""
    return order_events.record_event(order, PICK_SHORT.code, actor=actor, source=source, **parameters)


def picked_event(*, order, actor, source, pick_list: str, shipments: list[str]):
    return order_events.record_event(
        order, PICKED.code, actor=actor, source=source, pick_list=pick_list, shipments=shipments
    )
