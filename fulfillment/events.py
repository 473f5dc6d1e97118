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
