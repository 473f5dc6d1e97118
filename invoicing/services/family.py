"""Invoicing a split family at once: one invoice per order, or one combined invoice, issued and sent together.

From any member. Locks: each member with the family root (`order_lock(operation="invoice")`), members in
primary-key order (the root, the oldest, first), then the invoices and the counter as issuing does. On a
combined invoice every line says which order it came from, so each order's payments pay its own share
(`invoicing.services.payments`).
"""

from django.db import transaction
from django.db.models import Q

from orders.exceptions import InvalidTransition, OrderNotFound
from orders.models import Order, OrderEvent
from orders.services.locks import order_lock

from .. import events
from ..models import Invoice, InvoiceLine
from .drafts import _new_invoice, debit_invoice_of, set_totals, snapshot_lines, terms_choose
from .issue import issue_locked
from .lifecycle import invoice_send
from .payments import invoices_reconcile, money_waiting

Source = OrderEvent.Source


def family_members(order_id: int) -> list[Order]:
    order = Order.objects.filter(pk=order_id).only("pk", "root_id").first()
    if order is None:
        raise OrderNotFound(f"Order {order_id} does not exist.")
    root_id = order.root_id or order.pk
    return list(Order.objects.filter(Q(pk=root_id) | Q(root_id=root_id)).order_by("pk"))


def _lock_family(order_id: int, actor) -> list[Order]:
    """Lock every member (with the root) in pk order; refuse when one is invoiced already or nothing is placed."""
    locked = []
    for member in family_members(order_id):
        if member.status != Order.Status.PLACED:
            continue  # cancelled members have nothing to invoice
        locked.append(order_lock(member.pk, operation="invoice", actor=actor).order)
    if not locked:
        raise InvalidTransition("This family has no placed order to invoice.")
    for member in locked:
        existing = debit_invoice_of(member)
        if existing:
            raise InvalidTransition(f"Order {member.number} already has {existing}; the family is invoiced.")
    return locked


def _combined(members: list[Order], *, actor, terms, source) -> Invoice:
    root = members[0]
    lines = []
    for member in members:
        lines += snapshot_lines(member, start=len(lines))
    if not lines:
        raise InvalidTransition(f"The family of order {root.number} has nothing to invoice.")
    invoice = _new_invoice(root, actor=actor, terms=terms, note="")
    invoice.combined = True
    set_totals(invoice, lines)
    invoice.save()
    for line in lines:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(lines)
    events.invoice_created_event(invoice=invoice, actor=actor, source=source)
    return invoice


def _each(members: list[Order], *, actor, terms, source) -> list[Invoice]:
    invoices = []
    for member in members:
        lines = snapshot_lines(member)
        if not lines:
            continue
        invoice = _new_invoice(member, actor=actor, terms=terms, note="")
        set_totals(invoice, lines)
        invoice.save()
        for line in lines:
            line.invoice = invoice
        InvoiceLine.objects.bulk_create(lines)
        events.invoice_created_event(invoice=invoice, actor=actor, source=source)
        invoices.append(invoice)
    return invoices


def family_invoice(
    *, order_id: int, combined: bool, actor=None, terms_id=None, send: bool = True, source: str = Source.ADMIN
) -> list[Invoice]:
    """Issue one invoice per placed member of the order's family (or one combined invoice) and send them.

    Refused, changing nothing: a member already invoiced, a family with nothing placed.
    """
    with transaction.atomic():
        members = _lock_family(order_id, actor)
        terms = terms_choose(terms_id, members[0].customer)
        made = (
            [_combined(members, actor=actor, terms=terms, source=source)]
            if combined
            else _each(members, actor=actor, terms=terms, source=source)
        )
        waiting = [member for member in members if money_waiting(member)]  # read before the counter is taken
        for invoice in made:
            issue_locked(invoice, actor=actor, source=source)
        for member in waiting:
            invoices_reconcile(order=member, actor=actor, source=source)
    if send:
        for invoice in made:
            invoice_send(invoice_id=invoice.pk, actor=actor, source=source)
    return [Invoice.objects.defer("pdf").get(pk=invoice.pk) for invoice in made]
