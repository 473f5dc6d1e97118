"""Invoice events on the order's timeline: registered once with orders (`orders.events.register_event_type`),
recorded only here, one recorder per kind. Each stores its `summary` (what happened, said after who did it)
and `details` (short lines under the sentence), so the timeline reads them without a query."""

from orders import events as order_events

_sentence = order_events.summary_sentence

CREATED = order_events.register_event_type("invoice_created", "Invoice created", _sentence)
CHANGED = order_events.register_event_type("invoice_changed", "Draft invoice changed", _sentence)
ISSUED = order_events.register_event_type("invoice_issued", "Invoice issued", _sentence)
SENT = order_events.register_event_type("invoice_sent", "Invoice sent", _sentence)
CANCELLED = order_events.register_event_type("invoice_cancelled", "Invoice cancelled", _sentence)
CREDITED = order_events.register_event_type("invoice_credited", "Credit invoice issued", _sentence)
DUE_DATE_SET = order_events.register_event_type("invoice_due_date_set", "Invoice due date set", _sentence)
PAYMENT_APPLIED = order_events.register_event_type("invoice_payment_applied", "Payment applied to invoice", _sentence)


def _label(invoice) -> str:
    return f"{'credit invoice' if invoice.is_credit else 'invoice'} {invoice.display_number}"


def _record(event_type, invoice, *, actor, source, summary: str, details=(), order=None, **parameters):
    return order_events.record_event(
        order or invoice.order, event_type.code, actor=actor, source=source, summary=summary,
        details=list(details), invoice_id=invoice.pk, number=invoice.number, **parameters,
    )  # fmt: skip


def invoice_created_event(*, invoice, actor, source):
    return _record(
        CREATED, invoice, actor=actor, source=source, summary=f"created draft {_label(invoice)}",
        details=[f"Total {invoice.currency} {invoice.total_gross}"], total=invoice.total_gross,
    )  # fmt: skip


def invoice_draft_changed_event(*, invoice, actor, source, changes: dict):
    details = [f"{field.replace('_', ' ')}: {old or '—'} → {new or '—'}" for field, (old, new) in changes.items()]
    return _record(CHANGED, invoice, actor=actor, source=source, summary=f"changed draft {_label(invoice)}",
                   details=details)  # fmt: skip


def invoice_issued_event(*, invoice, actor, source):
    due = f", due {invoice.due_date}" if invoice.due_date else ", due on fulfilment"
    return _record(
        ISSUED, invoice, actor=actor, source=source, summary=f"issued {_label(invoice)}",
        details=[f"Total {invoice.currency} {invoice.total_gross}{'' if invoice.is_credit else due}"],
        total=invoice.total_gross,
    )  # fmt: skip


def invoices_issued_events(*, invoices, actor, source) -> None:
    """The issued events of invoices issued together, written in one INSERT."""
    with order_events.events_batched():
        for invoice in invoices:
            invoice_issued_event(invoice=invoice, actor=actor, source=source)


def invoice_sent_event(*, invoice, actor, source, to: str, message_id: int):
    return _record(SENT, invoice, actor=actor, source=source, summary=f"sent {_label(invoice)} to {to}",
                   message_id=message_id)  # fmt: skip


def invoice_cancelled_event(*, invoice, actor, source, reason: str, voided_by_edit: bool = False):
    what = "voided" if voided_by_edit else "cancelled"
    details = [f"Reason: {reason}"] if reason else []
    if invoice.number:
        details.append("An issued invoice never changes: a correction is a new invoice.")
    return _record(CANCELLED, invoice, actor=actor, source=source, summary=f"{what} {_label(invoice)}",
                   details=details)  # fmt: skip


def invoice_credited_event(*, invoice, credit, actor, source):
    return _record(
        CREDITED, credit, actor=actor, source=source,
        summary=f"issued {_label(credit)} against invoice {invoice.number}",
        details=[f"Credited {credit.currency} {credit.total_gross}"], credit_for=invoice.number,
    )  # fmt: skip


def invoice_due_date_set_event(*, invoice, actor, source):
    return _record(
        DUE_DATE_SET, invoice, actor=actor, source=source,
        summary=f"set the due date of {_label(invoice)} to {invoice.due_date}",
        details=["Due on fulfilment: the order shipped."],
    )  # fmt: skip


def invoice_payments_applied_event(*, invoice, order, actor, source, amount):
    verb = "applied" if amount > 0 else "took back"
    return _record(
        PAYMENT_APPLIED, invoice, order=order, actor=actor, source=source,
        summary=f"{verb} {invoice.currency} {abs(amount)} {'to' if amount > 0 else 'from'} {_label(invoice)}",
        details=[f"Status: {invoice.get_status_display().lower()}, balance {invoice.balance}"], amount=amount,
    )  # fmt: skip
