"""The order timeline in sentences: who did what, and for an edit each line's change, read from the events.

Presentation only: every sentence is made from the event's stored parameters (what the service recorded at
the time) plus the memos and e-mails loaded once by the selector; no query per event.
"""

from collections.abc import Callable

from notifications.models import EmailKind, Message

from ..events import EVENT_TYPES
from ..models import OrderEvent, PaymentMethod, SplitReason

T = OrderEvent.Type
SOURCE_NAMES = {"system": "The system", "beat": "The scheduler", "api": "The channel", "storefront": "The customer"}
EMAIL_KINDS = dict(EmailKind.choices) | {EmailKind.ORDER_PLACED: "Order confirmed"}
EMAIL_STATUS = {
    Message.Status.SENT: "sent to",
    Message.Status.FAILED: "failed to reach",
    Message.Status.PENDING: "queued for",
    Message.Status.SENDING: "being sent to",
}


def _method(code: str) -> str:
    return dict(PaymentMethod.choices).get(code, code).lower()


def who(event: OrderEvent) -> str:
    if event.actor_id:
        return event.actor.get_full_name() or event.actor.email
    return SOURCE_NAMES.get(event.source, "The system")


def _units(items) -> str:
    """'2 × Tea towel, 1 × Mug' from event rows with a quantity and a name (or SKU)."""
    parts = []
    for item in items or []:
        if isinstance(item, dict):
            name = item.get("name") or item.get("sku") or "item"
            where = f" at {item['location']}" if item.get("location") else ""
            parts.append(f"{item.get('quantity', '?')} × {name}{where}")
    return ", ".join(parts) or "nothing"


def _reason_words(value: str) -> str:
    label = dict(SplitReason.choices).get(value, value or "no reason given")
    return label.split(" (")[0].lower()


def _edit_line(entry: dict) -> str:
    label = entry.get("name") or entry.get("sku") or "item"
    if entry.get("change") == "added":
        return f"Added {entry['new_quantity']} × {label} at {entry['new_unit_price']} ({entry['new_total']})"
    if entry.get("change") == "removed":
        return f"Removed {label} (was {entry['old_quantity']} × {entry['old_unit_price']} = {entry['old_total']})"
    return (
        f"Changed the quantity of {label} {entry['old_quantity']} → {entry['new_quantity']} "
        f"(total {entry['old_total']} → {entry['new_total']})"
    )


def _edited(event, ctx) -> tuple[str, list[str]]:
    p = event.parameters
    lines = p.get("lines") or []
    totals = p.get("totals") or {}
    details = [_edit_line(entry) for entry in lines]
    for key, label in (("shipping_fee", "Shipping fee"), ("total_gross", "Total")):
        change = totals.get(key) or {}
        if change and change.get("old") != change.get("new"):
            details.append(f"{label} {change['old']} → {change['new']}")
    if p.get("note"):
        details.append(f"Note to the customer: “{p['note']}”")
    if p.get("customer_notified") is False:
        details.append("The customer was not e-mailed.")
    version = f" (version {p.get('version_from')} → {p.get('version_to')})"
    changed = [entry for entry in lines if entry.get("change") == "changed"]
    if len(lines) == 1 and changed:
        entry = changed[0]
        quantities = f"{entry['old_quantity']} → {entry['new_quantity']}"
        return f"{who(event)} changed the quantity of {entry.get('name')} {quantities}{version}", details[1:]
    return f"{who(event)} edited the order{version}", details


def _email(event, ctx) -> tuple[str, list[str]]:
    p = event.parameters
    kind = EMAIL_KINDS.get(p.get("kind"), str(p.get("kind", "")).replace("_", " ").capitalize())
    message = ctx["messages"].get(p.get("message_id"))
    if event.type == T.EMAIL_SENT:
        status = "sent to"
    else:
        status = EMAIL_STATUS.get(message.status, "queued for") if message else "queued for"
    return f"E-mail ‘{kind}’ {status} {p.get('to', 'the customer')}", []


def _memo(event, ctx) -> tuple[str, list[str]]:
    memo = ctx["memos"].get(event.parameters.get("memo_id"))
    return f"{who(event)} added a memo", [f"“{memo.text}”"] if memo else []


def _address(event, ctx) -> tuple[str, list[str]]:
    details = []
    for kind, change in (event.parameters.get("changes") or {}).items():
        old, new = (", ".join(v for v in change[side].values() if v) for side in ("old", "new"))
        details.append(f"{'Shipping' if kind == 'shipping' else 'Billing'}: {old} → {new}")
    kinds = " and ".join(event.parameters.get("changes") or {}) or "an"
    return f"{who(event)} changed the {kinds} address", details


def _shipped(event) -> tuple[str, list[str]]:
    p = event.parameters
    shipment = p.get("shipment")
    if not shipment:
        return f"{who(event)} shipped {_units(p.get('lines'))}" + (
            f" ({p['reference']})" if p.get("reference") else ""
        ), []
    packages = shipment.get("packages") or 1
    tracking = " ".join(part for part in (shipment.get("carrier"), shipment.get("tracking_code")) if part)
    sentence = (
        f"{who(event)} shipped {shipment.get('number')} from {shipment.get('location')}: {_units(p.get('lines'))} "
        f"in {packages} package{'s' if packages != 1 else ''}" + (f", {tracking}" if tracking else "")
    )
    return sentence, [f"Tracking: {shipment['tracking_url']}"] if shipment.get("tracking_url") else []


SENTENCES: dict[str, Callable] = {
    T.DRAFT_CREATED: lambda e, c: (f"{who(e)} created the draft", []),
    T.PLACED: lambda e, c: (
        f"{who(e)} placed the order ({e.parameters.get('currency', '')} {e.parameters.get('total', '')})",
        [],
    ),
    T.IMPORTED: lambda e, c: (
        f"Imported from {e.parameters.get('channel')} as {e.parameters.get('external_reference') or 'an order'}",
        [],
    ),
    T.ALLOCATED: lambda e, c: (f"Stock reserved: {_units(e.parameters.get('allocations'))}", []),
    T.RELEASED: lambda e, c: (
        f"Stock released ({e.parameters.get('reason') or 'no reason'}): {_units(e.parameters.get('releases'))}",
        [],
    ),
    T.EDITED: _edited,
    T.SPLIT: lambda e, c: (
        f"{who(e)} split {_units(e.parameters.get('lines'))} into {e.parameters.get('child')}: "
        f"{_reason_words(e.parameters.get('reason'))}",
        [f"Note: “{e.parameters['note']}”"] if e.parameters.get("note") else [],
    ),
    T.SPLIT_FROM: lambda e, c: (
        f"{who(e)} split {_units(e.parameters.get('lines'))} off {e.parameters.get('parent')} into this order: "
        f"{_reason_words(e.parameters.get('reason'))}",
        [],
    ),
    T.CANCELED: lambda e, c: (
        f"{who(e)} cancelled the order" + (f": {e.parameters['reason']}" if e.parameters.get("reason") else ""),
        [],
    ),
    T.LINE_CANCELED: lambda e, c: (
        f"{who(e)} cancelled {e.parameters.get('quantity')} × {e.parameters.get('name')}"
        + (f": {e.parameters['reason']}" if e.parameters.get("reason") else ""),
        [],
    ),
    T.RESERVATION_EXPIRED: lambda e, c: (
        f"The reservation expired after {e.parameters.get('hours')} h unpaid: the order was cancelled",
        [],
    ),
    T.PAYMENT_RECORDED: lambda e, c: (
        f"{who(e)} recorded a payment of {e.parameters.get('amount')}"
        + (f" by {_method(e.parameters['method'])}" if e.parameters.get("method") else "")
        + (f" (reference {e.parameters['reference']})" if e.parameters.get("reference") else "")
        + (" as an overpayment" if e.parameters.get("overpayment") else ""),
        [f"Balance after: {e.parameters['balance']}"] if e.parameters.get("balance") is not None else [],
    ),
    T.PAYMENT_REVERSED: lambda e, c: (
        f"{who(e)} reversed the payment of {e.parameters.get('amount')}: {e.parameters.get('reason')}",
        [f"Balance after: {e.parameters['balance']}"] if e.parameters.get("balance") is not None else [],
    ),
    T.SHIPPED: lambda e, c: _shipped(e),
    T.EMAIL_QUEUED: _email,
    T.EMAIL_SENT: _email,
    T.MEMO_ADDED: _memo,
    T.ADDRESS_CHANGED: _address,
    T.ALLOCATION_MOVED: lambda e, c: (
        f"{who(e)} moved {e.parameters.get('quantity')} × {e.parameters.get('name')} "
        f"from {e.parameters.get('from_location')} to {e.parameters.get('to_location')}",
        [],
    ),
}


def _generic(event, ctx) -> tuple[str, list[str]]:
    from .history import readable

    details = [f"{key.replace('_', ' ')}: {readable(value)}" for key, value in event.parameters.items()]
    return f"{event.type_label} by {who(event).lower() if not event.actor_id else who(event)}", details


def _sentence_of(event_type: str) -> Callable:
    """Orders' own sentence for the type, else the one the app that registered the type gave, else generic."""
    if event_type in SENTENCES:
        return SENTENCES[event_type]
    registered = EVENT_TYPES.get(event_type)
    if registered and registered.sentence:
        return lambda event, ctx: registered.sentence(event, who(event))
    return _generic


def timeline(events, *, memos: dict, messages: dict) -> list[dict]:
    """[{event, sentence, details}] newest first, as the selector ordered them."""
    ctx = {"memos": memos, "messages": messages}
    rows = []
    for event in events:
        sentence, details = _sentence_of(event.type)(event, ctx)
        rows.append({"event": event, "sentence": sentence, "details": details})
    return rows
