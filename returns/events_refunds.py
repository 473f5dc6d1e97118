"""Refund events on the order's timeline: registered once with orders, recorded only here, one recorder per
kind. Each stores its `summary` and `details`, so the timeline reads them without a query."""

from orders import events as order_events
from orders.models import Order

_sentence = order_events.summary_sentence

CREATED = order_events.register_event_type("refund_created", "Refund created", _sentence)
APPROVED = order_events.register_event_type("refund_approved", "Refund approved", _sentence)
SENT = order_events.register_event_type("refund_sent", "Refund sent", _sentence)
PAID = order_events.register_event_type("refund_paid", "Refund paid", _sentence)
FAILED = order_events.register_event_type("refund_failed", "Refund failed", _sentence)
RETRIED = order_events.register_event_type("refund_retried", "Refund retried", _sentence)
HELD = order_events.register_event_type("refund_held", "Refund held back from a batch", _sentence)


def _record(event_type, refund, *, actor, source, summary: str, details=(), **parameters):
    return order_events.record_event(
        refund.order, event_type.code, actor=actor, source=source, summary=summary, details=list(details),
        refund_id=refund.pk, amount=str(refund.amount), **parameters,
    )  # fmt: skip


def _how(refund) -> str:
    return "manual payout" if refund.is_manual_payout else f"via {refund.provider_code}"


def refund_created_event(*, refund, actor, source):
    what = f"credit invoice {refund.credit_invoice.number}" if refund.credit_invoice_id else "the refund due"
    details = [f"Mode: {refund.get_mode_display().split(':')[0].lower()}, {_how(refund)}"]
    if not refund.credit_invoice_id and refund.reason:
        details.append(refund.reason)  # what left the refund due: "Refund due: order cancelled", ...
    return _record(
        CREATED, refund, actor=actor, source=source,
        summary=f"created refund {refund.pk} of {refund.currency} {refund.amount} for {what}",
        details=details, mode=refund.mode,
    )  # fmt: skip


def refund_approved_event(*, refund, actor, source):
    return _record(APPROVED, refund, actor=actor, source=source, summary=f"approved refund {refund.pk}")


def refunds_approved_events(*, rows, actor, source):
    """The approved events of many refunds in one insert: `rows` are (refund id, order id, amount), so that a
    batch's approval reads neither its refunds nor their orders (the event needs the order's key only)."""
    with order_events.events_batched():
        for refund_id, order_id, amount in rows:
            order_events.record_event(
                Order(pk=order_id), APPROVED.code, actor=actor, source=source,
                summary=f"approved refund {refund_id}", details=[], refund_id=refund_id, amount=str(amount),
            )  # fmt: skip


def refund_sent_event(*, refund, actor, source):
    detail = f"Provider refund {refund.provider_refund_id}" if refund.provider_refund_id else "Payout to confirm"
    return _record(
        SENT, refund, actor=actor, source=source, summary=f"sent refund {refund.pk} ({_how(refund)})",
        details=[detail], provider_refund_id=refund.provider_refund_id,
    )  # fmt: skip


def refund_paid_event(*, refund, actor, source):
    return _record(
        PAID, refund, actor=actor, source=source,
        summary=f"recorded refund {refund.pk} of {refund.currency} {refund.amount} as paid back",
    )  # fmt: skip


def refund_failed_event(*, refund, actor, source):
    return _record(
        FAILED, refund, actor=actor, source=source, summary=f"saw refund {refund.pk} fail", details=[refund.failure]
    )


def refund_retried_event(*, refund, actor, source):
    return _record(RETRIED, refund, actor=actor, source=source, summary=f"retried refund {refund.pk}")


def refund_held_event(*, refund, actor, source, batch):
    return _record(
        HELD, refund, actor=actor, source=source, summary=f"held refund {refund.pk} back from {batch}",
        batch_id=batch.pk,
    )  # fmt: skip
