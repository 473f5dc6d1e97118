"""Invoice events on the order's timeline, one recorder per kind, through orders' extension recorder."""

from orders.events import order_extension_event
from orders.models import OrderEvent

INVOICED = OrderEvent.Type.INVOICED


def _label(invoice) -> str:
    return f"{'credit invoice' if invoice.is_credit else 'invoice'} {invoice.display_number}"


def _record(invoice, *, actor, source, summary: str, details=(), order=None, **parameters):
    return order_extension_event(
        order=order or invoice.order, type_=INVOICED, actor=actor, source=source, summary=summary,
        details=list(details), invoice_id=invoice.pk, number=invoice.number, **parameters,
    )  # fmt: skip


def invoice_created_event(*, invoice, actor, source):
    return _record(
        invoice, actor=actor, source=source, summary=f"created draft {_label(invoice)}",
        details=[f"Total {invoice.currency} {invoice.total_gross}"], total=invoice.total_gross,
    )  # fmt: skip


def invoice_draft_changed_event(*, invoice, actor, source, changes: dict):
    details = [f"{field.replace('_', ' ')}: {old or '—'} → {new or '—'}" for field, (old, new) in changes.items()]
    return _record(invoice, actor=actor, source=source, summary=f"changed draft {_label(invoice)}", details=details)


def invoice_issued_event(*, invoice, actor, source):
    due = f", due {invoice.due_date}" if invoice.due_date else ", due on fulfilment"
    return _record(
        invoice, actor=actor, source=source, summary=f"issued {_label(invoice)}",
        details=[f"Total {invoice.currency} {invoice.total_gross}{'' if invoice.is_credit else due}"],
        total=invoice.total_gross,
    )  # fmt: skip


def invoice_sent_event(*, invoice, actor, source, to: str, message_id: int):
    return _record(
        invoice, actor=actor, source=source, summary=f"sent {_label(invoice)} to {to}", message_id=message_id
    )


def invoice_cancelled_event(*, invoice, actor, source, reason: str, voided_by_edit: bool = False):
    what = "voided" if voided_by_edit else "cancelled"
    details = [f"Reason: {reason}"] if reason else []
    if invoice.number:
        details.append("An issued invoice never changes: a correction is a new invoice.")
    return _record(invoice, actor=actor, source=source, summary=f"{what} {_label(invoice)}", details=details)


def invoice_credited_event(*, invoice, credit, actor, source):
    return _record(
        credit, actor=actor, source=source,
        summary=f"issued {_label(credit)} against invoice {invoice.number}",
        details=[f"Credited {credit.currency} {credit.total_gross}"], credit_for=invoice.number,
    )  # fmt: skip


def invoice_due_date_set_event(*, invoice, actor, source):
    return _record(
        invoice, actor=actor, source=source, summary=f"set the due date of {_label(invoice)} to {invoice.due_date}",
        details=["Due on fulfilment: the order shipped."],
    )  # fmt: skip


def invoice_payments_applied_event(*, invoice, order, actor, source, amount):
    verb = "applied" if amount > 0 else "took back"
    return _record(
        invoice, order=order, actor=actor, source=source,
        summary=f"{verb} {invoice.currency} {abs(amount)} {'to' if amount > 0 else 'from'} {_label(invoice)}",
        details=[f"Status: {invoice.get_status_display().lower()}, balance {invoice.balance}"], amount=amount,
    )  # fmt: skip
