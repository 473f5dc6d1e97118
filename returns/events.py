"""Return events on the order's timeline: registered once with orders (`orders.events.register_event_type`),
recorded only here, one recorder per kind. Each stores its `summary` (said after who did it) and `details`
(short lines under the sentence), so the timeline reads them without a query."""

from orders import events as order_events

_sentence = order_events.summary_sentence

REQUESTED = order_events.register_event_type("return_requested", "Return requested", _sentence)
CREATED = order_events.register_event_type("return_created", "Return drafted", _sentence)
PROCESSED = order_events.register_event_type("return_processed", "Return processed", _sentence)
CANCELLED = order_events.register_event_type("return_cancelled", "Return draft cancelled", _sentence)
QUARANTINE = order_events.register_event_type("return_quarantine_done", "Quarantined units handled", _sentence)


def _units(rows) -> list[str]:
    return [f"{row['quantity']} × {row['name']}" + (f" → {row['where']}" if row.get("where") else "") for row in rows]


def return_requested_event(*, request, rows: list[dict], actor, source):
    details = _units(rows) + [f"Reason: {request.reason.name}"]
    if request.comment:
        details.append(f"Comment: {request.comment[:200]}")
    return order_events.record_event(
        request.order, REQUESTED.code, actor=actor, source=source, summary=f"requested return {request.number}",
        details=details, request_id=request.pk, number=request.number,
    )  # fmt: skip


def return_created_event(*, ret, rows: list[dict], actor, source):
    return order_events.record_event(
        ret.order, CREATED.code, actor=actor, source=source, summary=f"drafted return {ret.number}",
        details=_units(rows), return_id=ret.pk, number=ret.number,
    )  # fmt: skip


def return_processed_event(*, ret, rows: list[dict], actor, source):
    details = _units(rows)
    if ret.credit_invoice_id:
        numbers = ret.credit_numbers
        label = "Credit invoices" if "," in numbers else "Credit invoice"
        details.append(f"{label} {numbers}: {ret.order.currency} {ret.credited_amount}")
    elif ret.create_credit:
        details.append("No credit invoice: nothing paid is left to credit.")
    if ret.request_id:
        details.append(f"Completes return request {ret.request.number}")
    return order_events.record_event(
        ret.order, PROCESSED.code, actor=actor, source=source, summary=f"processed return {ret.number}",
        details=details, return_id=ret.pk, number=ret.number, credited=ret.credited_amount,
    )  # fmt: skip


def return_cancelled_event(*, ret, actor, source):
    return order_events.record_event(
        ret.order, CANCELLED.code, actor=actor, source=source, summary=f"cancelled draft return {ret.number}",
        return_id=ret.pk, number=ret.number,
    )  # fmt: skip


def quarantine_done_event(*, line, action: str, quantity: int, actor, source):
    ret = line.return_record
    verb = "released to sellable stock" if action == "release" else "wrote off"
    return order_events.record_event(
        ret.order, QUARANTINE.code, actor=actor, source=source,
        summary=f"{verb} {quantity} quarantined × {line.order_line.name} of return {ret.number}",
        details=[f"At {line.location.name}"], return_id=ret.pk, number=ret.number, action=action, quantity=quantity,
    )  # fmt: skip


# Exchanges and request decisions (returns.services.exchanges / .decisions).
ACCEPTED = order_events.register_event_type("return_request_accepted", "Return request accepted", _sentence)
DECLINED = order_events.register_event_type("return_request_declined", "Return request declined", _sentence)
EXCHANGED = order_events.register_event_type("return_exchanged", "Exchange", _sentence)


def return_request_accepted_event(*, request, note: str, actor, source):
    details = ["The customer can print the return label now."] + ([f"Note: {note[:200]}"] if note else [])
    return order_events.record_event(
        request.order, ACCEPTED.code, actor=actor, source=source, summary=f"accepted return request {request.number}",
        details=details, request_id=request.pk, number=request.number,
    )  # fmt: skip


def return_request_declined_event(*, request, note: str, actor, source):
    details = [f"Reason: {request.decline_reason}"] + ([f"Note: {note[:200]}"] if note else [])
    return order_events.record_event(
        request.order, DECLINED.code, actor=actor, source=source, summary=f"declined return request {request.number}",
        details=details, request_id=request.pk, number=request.number, reason=request.decline_reason,
    )  # fmt: skip


def return_exchanged_event(*, ret, exchanges, actor, source):
    currency = ret.order.currency
    details = []
    for ex in exchanges:
        line = ex.return_line
        money = (f"{currency} {ex.owed} to pay" if ex.owed else f"{currency} {ex.credited} credited" if ex.credited
                 else "no difference")  # fmt: skip
        details.append(
            f"{line.quantity} × {line.order_line.name} ({currency} {ex.returned_value}) for {ex.quantity} × "
            f"{ex.replacement_line.name} ({currency} {ex.replacement_value}): {money}"
        )
        lost = ex.returned_value - ex.allowance_used - ex.credited
        if lost > 0:
            details.append(f"{currency} {lost} not credited: nothing paid is left on the invoice to credit.")
    owed = sum((ex.owed for ex in exchanges), start=exchanges[0].owed * 0)
    credited = sum((ex.credited for ex in exchanges), start=exchanges[0].credited * 0)
    return order_events.record_event(
        ret.order, EXCHANGED.code, actor=actor, source=source, summary=f"exchanged units of return {ret.number}",
        details=details, return_id=ret.pk, number=ret.number, owed=owed, credited=credited,
        replacement_line_ids=[ex.replacement_line_id for ex in exchanges],
    )  # fmt: skip
