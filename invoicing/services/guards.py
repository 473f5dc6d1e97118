"""The guards and hooks invoicing registers for the orders app's operations (see invoicing/registry.py).

Guards only read; hooks run in the operation's transaction, under its order lock.
"""

from django.db.models import Q
from django.utils import timezone

from orders.hooks import HookContext
from orders.models import Order

from .. import events
from ..models import Invoice
from .payments import invoices_reconcile

ISSUED = (Invoice.Status.ISSUED, Invoice.Status.SENT, Invoice.Status.PARTIALLY_PAID, Invoice.Status.PAID)


def _invoices(order):
    return Invoice.objects.filter(Q(order=order) | Q(lines__source_order=order), kind=Invoice.Kind.DEBIT).distinct()


def invoice_needs_placed_order(order, operation, change) -> str | None:
    if order.status == Order.Status.DRAFT:
        return f"Order {order.number or '(draft)'} is a draft; place it before invoicing it."
    if order.status == Order.Status.CANCELED:
        return f"Order {order.number} is cancelled and cannot be invoiced."
    return None


def edit_refused_when_sent(order, operation, change) -> str | None:
    sent = _invoices(order).filter(sent_at__isnull=False).exclude(status=Invoice.Status.CANCELLED).first()
    if sent:
        return (
            f"Order {order.number} cannot be edited: {sent} was sent to the customer. "
            "Cancel that invoice first (or make a credit invoice)."
        )
    return None


def line_cancel_refused_when_issued(order, operation, change) -> str | None:
    issued = _invoices(order).filter(status__in=ISSUED).first()
    if issued:
        return (
            f"Order {order.number} is invoiced ({issued.number}): its invoiced amounts never change silently. "
            f"Make a credit invoice against {issued.number} for the cancelled units, or cancel the invoice first."
        )
    return None


def void_draft_on_edit(context: HookContext) -> None:
    """An edit makes a draft invoice stale: cancel it (the history says so); staff make a new one."""
    for invoice in Invoice.objects.select_for_update().filter(order=context.order, status=Invoice.Status.DRAFT):
        invoice.cancel(reason=f"Voided: order {context.order.number} was edited.")
        invoice.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
        events.invoice_cancelled_event(
            invoice=invoice, actor=context.actor, source="system", reason=invoice.cancel_reason, voided_by_edit=True
        )


def apply_payments(context: HookContext) -> None:
    payment = context.change if getattr(context.change, "_meta", None) else None
    invoices_reconcile(order=context.order, actor=context.actor, payment=payment)
    if context.child is not None:
        invoices_reconcile(order=context.child, actor=context.actor)


def due_on_fulfilment(context: HookContext) -> None:
    """Invoices on "due on fulfilment" terms are due from the day the order ships (set once)."""
    today = timezone.localdate()
    waiting = _invoices(context.order).filter(status__in=ISSUED, due_date__isnull=True, terms__kind="on_fulfilment")
    for invoice in Invoice.objects.filter(pk__in=waiting.values("pk")).order_by("pk"):
        # A queryset update: the due date is the one field an issued invoice gets later (its terms said so).
        Invoice.objects.filter(pk=invoice.pk, due_date__isnull=True).update(due_date=today)
        invoice.due_date = today
        events.invoice_due_date_set_event(invoice=invoice, actor=context.actor, source="system")
