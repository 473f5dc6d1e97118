"""One recorder per event type. Services call these in the same transaction as the change.

An operation that records several events wraps them in `events_batched()`: they are then written in one
INSERT when the block ends (and not at all if it raises), in the order they were recorded.
"""

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from oms.inserts import rows_insert

from .models import Order, OrderEvent

Type = OrderEvent.Type
_batch: ContextVar[list[OrderEvent] | None] = ContextVar("order_event_batch", default=None)


@dataclass(frozen=True)
class EventType:
    """An event type another app brings: its label, and how the timeline says it.

    `sentence(event, who) -> (sentence, details)`: `who` is the actor's name (or "The system", ...), the
    details a list of short lines shown under the sentence. Made only from the event's stored parameters."""

    code: str
    label: str
    sentence: Callable | None = None


EVENT_TYPES: dict[str, EventType] = {}


def summary_sentence(event, who):
    """The sentence of an event that stores its own `summary` and `details` (the apps above orders record
    theirs that way, so the timeline reads them without a query)."""
    p = event.parameters
    return f"{who} {p.get('summary', '')}", [str(line) for line in p.get("details") or []]


def register_event_type(code: str, label: str, sentence: Callable | None = None) -> EventType:
    """Let an app above orders record events of its own on the order's timeline (from its ready()).

    Codes are unique across orders' own types and every app's; registering one twice raises."""
    if code in Type.values or code in EVENT_TYPES:
        raise ValueError(f"An order event type {code!r} already exists.")
    if len(code) > OrderEvent._meta.get_field("type").max_length:
        raise ValueError(f"Event type {code!r} is longer than the column allows.")
    EVENT_TYPES[code] = EventType(code, label, sentence)
    return EVENT_TYPES[code]


def event_type_label(code: str) -> str:
    if code in Type.values:
        return Type(code).label
    registered = EVENT_TYPES.get(code)
    return registered.label if registered else code.replace("_", " ").capitalize()


def record_event(order: Order, code: str, *, actor=None, source: str = OrderEvent.Source.SYSTEM, **parameters):
    """Record an event of a type another app registered (its `events.py` calls this, nothing else does)."""
    if code not in EVENT_TYPES:
        raise ValueError(f"Unknown order event type {code!r}: register it with register_event_type first.")
    return _record(order, code, actor=actor, source=source, **parameters)


@contextmanager
def events_batched():
    """Collect the events recorded inside the block and write them in one INSERT at its end.

    Nested blocks join the outermost one. Recorded events get their primary key when the block ends."""
    if _batch.get() is not None:
        yield
        return
    pending: list[OrderEvent] = []
    token = _batch.set(pending)
    try:
        yield
    finally:
        _batch.reset(token)
    if pending:
        rows_insert(OrderEvent, pending)


def _record(
    order: Order, type_: str, *, actor=None, source: str = OrderEvent.Source.SYSTEM, **parameters
) -> OrderEvent:
    event = OrderEvent(order=order, type=type_, actor=actor, source=source, parameters=parameters)
    pending = _batch.get()
    if pending is None:
        rows_insert(OrderEvent, [event])
    else:
        pending.append(event)
    return event


def order_draft_created_event(*, order, actor, source):
    return _record(order, Type.DRAFT_CREATED, actor=actor, source=source)


def order_placed_event(*, order, actor, source, total):
    return _record(order, Type.PLACED, actor=actor, source=source, total=total, currency=order.currency)


def order_imported_event(*, order, actor, source, channel, external_reference):
    return _record(
        order, Type.IMPORTED, actor=actor, source=source, channel=channel, external_reference=external_reference
    )


def order_allocated_event(*, order, actor, source, allocations: list[dict]):
    return _record(order, Type.ALLOCATED, actor=actor, source=source, allocations=allocations)


def order_released_event(*, order, actor, source, releases: list[dict], reason: str):
    return _record(order, Type.RELEASED, actor=actor, source=source, releases=releases, reason=reason)


def order_allocation_moved_event(*, order, actor, source, line, quantity: int, from_location, to_location):
    return _record(
        order,
        Type.ALLOCATION_MOVED,
        actor=actor,
        source=source,
        line_id=line.pk,
        sku=line.sku,
        name=line.name,
        quantity=quantity,
        from_location=from_location.name,
        to_location=to_location.name,
        from_location_id=from_location.pk,
        to_location_id=to_location.pk,
    )


def order_canceled_event(*, order, actor, source, old_status, reason):
    return _record(order, Type.CANCELED, actor=actor, source=source, old_status=old_status, reason=reason)


def order_line_canceled_event(*, order, actor, source, line_id, sku, name, quantity, reason):
    return _record(
        order,
        Type.LINE_CANCELED,
        actor=actor,
        source=source,
        line_id=line_id,
        sku=sku,
        name=name,
        quantity=quantity,
        reason=reason,
    )


def order_reservation_expired_event(*, order, hours):
    return _record(order, Type.RESERVATION_EXPIRED, source=OrderEvent.Source.BEAT, hours=hours)


def order_payment_recorded_event(
    *, order, actor, source, payment_id, amount, method, reference, paid_on, overpayment, balance
):
    return _record(
        order,
        Type.PAYMENT_RECORDED,
        actor=actor,
        source=source,
        payment_id=payment_id,
        amount=amount,
        method=method,
        reference=reference,
        paid_on=paid_on,
        overpayment=overpayment,
        balance=balance,
    )


def order_payment_reversed_event(*, order, actor, source, payment_id, amount, reason, balance):
    return _record(
        order,
        Type.PAYMENT_REVERSED,
        actor=actor,
        source=source,
        payment_id=payment_id,
        amount=amount,
        reason=reason,
        balance=balance,
    )


def order_shipped_event(*, order, actor, source, lines: list[dict], reference: str, shipment: dict | None = None):
    """`shipment`: when a fulfilment shipment shipped the units, its number, location, carrier, tracking and
    packages, so the timeline says it in one sentence."""
    extra = {"shipment": shipment} if shipment else {}
    return _record(order, Type.SHIPPED, actor=actor, source=source, lines=lines, reference=reference, **extra)


def order_memo_added_event(*, order, actor, memo_id):
    return _record(order, Type.MEMO_ADDED, actor=actor, source=OrderEvent.Source.ADMIN, memo_id=memo_id)


def order_edited_event(*, order, actor, source, diff: dict, note: str, notify: bool):
    return _record(order, Type.EDITED, actor=actor, source=source, **diff, note=note, customer_notified=notify)


def order_split_events(*, order, child, actor, source, **parameters) -> list[OrderEvent]:
    """SPLIT on the original and SPLIT_FROM on the new order, written in one statement (the batch's, when
    the caller collects its events in `events_batched`)."""
    with events_batched():
        return [
            _record(order, Type.SPLIT, actor=actor, source=source, child=child.number, **parameters),
            _record(child, Type.SPLIT_FROM, actor=actor, source=source, parent=order.number, **parameters),
        ]


def order_email_queued_event(*, order, actor, source: str, kind: str, message_id: int, to: str):
    return _record(order, Type.EMAIL_QUEUED, actor=actor, source=source, kind=kind, message_id=message_id, to=to)


def order_address_changed_event(*, order, actor, source, changes: dict):
    """`changes`: {"shipping": {"old": {...}, "new": {...}}, ...} for each address that changed."""
    return _record(order, Type.ADDRESS_CHANGED, actor=actor, source=source, changes=changes)


def order_event_row(*, order_id: int, type_: str, created_at, source: str = OrderEvent.Source.SYSTEM, **parameters):
    """An event as a plain row, for bulk loaders that write many at once (orders/bulkload.py): the same
    fields as the recorders above give it, nothing saved here."""
    return {
        "order_id": order_id,
        "type": type_,
        "actor_id": None,
        "source": source,
        "parameters": parameters,
        "created_at": created_at,
    }
