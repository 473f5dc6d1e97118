"""The guards and hooks invoicing registers for the orders app's operations (see invoicing/registry.py).

Guards only read; hooks run in the operation's transaction, under its order lock.
"""

from django.db.models import Q
from django.utils import timezone

from orders.hooks import HookContext
from orders.models import Order

from .. import events
from ..models import Invoice
from .payments import invoice_paid_first, invoices_reconcile

ISSUED = (Invoice.Status.ISSUED, Invoice.Status.SENT, Invoice.Status.PARTIALLY_PAID, Invoice.Status.PAID)


def _invoices(order):
    return Invoice.objects.filter(Q(order=order) | Q(lines__source_order=order), kind=Invoice.Kind.DEBIT).distinct()


def _not_cancelled(order) -> list[Invoice]:
    """The order's draft and issued debit invoices, oldest first: read once per order instance, since one admin
    page asks the guards of several operations (edit, split, cancel ...) about the same order, and a service's
    guards and hooks get the same locked instance (a fresh one under each lock, so always read anew there)."""
    cached = getattr(order, "_invoicing_invoices", None)
    if cached is None:
        ids = _invoices(order).exclude(status=Invoice.Status.CANCELLED).values("pk")
        fields = ("pk", "number", "kind", "status", "sent_at")
        cached = list(Invoice.objects.filter(pk__in=ids).only(*fields).order_by("pk"))
        order._invoicing_invoices = cached
    return cached


def _issued(order) -> list[Invoice]:
    return [invoice for invoice in _not_cancelled(order) if invoice.status in ISSUED]


def invoice_needs_placed_order(order, operation, change) -> str | None:
    if order.status == Order.Status.DRAFT:
        return f"Order {order.number or '(draft)'} is a draft; place it before invoicing it."
    if order.status == Order.Status.CANCELED:
        return f"Order {order.number} is cancelled and cannot be invoiced."
    return None


def edit_refused_when_invoiced(order, operation, change) -> str | None:
    """An invoice says what the order was; once issued (and certainly once sent) the order stays as invoiced."""
    issued = _issued(order)
    if not issued:
        return None
    invoice = next((inv for inv in issued if inv.sent_at), issued[0])
    if invoice.sent_at:
        return (
            f"Order {order.number} cannot be edited: {invoice} was sent to the customer. "
            "Make a credit invoice against it, or cancel it if nothing was paid, then edit."
        )
    return f"Order {order.number} cannot be edited: it is invoiced ({invoice}). Cancel the invoice first, then edit."


def refused_when_invoiced(order, operation, change) -> str | None:
    """Line cancellations, splits and cancelling the order would silently change invoiced amounts."""
    if not _issued(order):
        return None
    issued = _issued(order)[0]
    what = {"line_cancel": "its lines cannot be cancelled", "split": "it cannot be split"}.get(
        operation, "it cannot be cancelled"
    )
    return (
        f"Order {order.number} is invoiced ({issued.number}), so {what}: invoiced amounts never change silently. "
        f"Make a credit invoice against {issued.number}, or cancel that invoice first if nothing was paid on it."
    )


def void_draft_on_edit(context: HookContext) -> None:
    """An edit, split or cancellation makes a draft invoice stale: cancel it (the history says so)."""
    drafts = [invoice.pk for invoice in _not_cancelled(context.order) if invoice.status == Invoice.Status.DRAFT]
    if not drafts:
        return
    for invoice in Invoice.objects.select_for_update().filter(pk__in=drafts).order_by("pk"):
        what = {"edit": "edited", "split": "split", "cancel": "cancelled"}.get(context.operation, "changed")
        invoice.cancel(reason=f"Voided: order {context.order.number} was {what}.")
        invoice.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
        events.invoice_cancelled_event(
            invoice=invoice, actor=context.actor, source="system", reason=invoice.cancel_reason, voided_by_edit=True
        )


def apply_payments(context: HookContext) -> None:
    payment = context.change if getattr(context.change, "_meta", None) else None
    first = invoice_paid_first() if context.operation == "payment" else None  # a pay-link payment pays its invoice
    invoices_reconcile(order=context.order, actor=context.actor, payment=payment, first=first)
    if context.child is not None:
        invoices_reconcile(order=context.child, actor=context.actor)


def due_on_fulfilment(context: HookContext) -> None:
    """Invoices on "due on fulfilment" terms are due from the day the order ships (set once)."""
    today = timezone.localdate()
    waiting = _invoices(context.order).filter(status__in=ISSUED, due_date__isnull=True, terms__kind="on_fulfilment")
    for invoice in Invoice.objects.filter(pk__in=waiting.values("pk")).order_by("pk"):
        # A queryset update: the due date is the one field an issued invoice gets later (its terms said so).
        Invoice.objects.filter(pk=invoice.pk, due_date__isnull=True).update(due_date=today, next_due_date=today)
        invoice.due_date = invoice.next_due_date = today
        events.invoice_due_date_set_event(invoice=invoice, actor=context.actor, source="system")
