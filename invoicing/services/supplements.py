"""A supplementary debit invoice: order lines added after the order was invoiced (an exchange's replacement).

One order is invoiced once (`drafts.invoice_create`); a line that a higher app adds to an invoiced order
afterwards (returns: the replacement of an exchange, priced at the difference the customer owes) is billed
on an invoice of its own, issued at once in the debit series, so the order's invoices together ask exactly
its total. The order's unapplied money pays it like any other invoice (`invoices_reconcile`).

The caller holds the order lock (`order_lock`); the new invoice row is its own and the series counter is
taken last (`issue_locked`): the usual lock order.
"""

from django.db.models import Q

from orders.models import Order, OrderEvent, OrderLine

from .. import events
from ..models import Invoice, InvoiceLine
from .drafts import _new_invoice, refuse, set_totals
from .issue import issue_locked
from .payments import invoices_reconcile
from .terms import terms_default

Source = OrderEvent.Source


def lines_invoiced(order: Order) -> set[int]:
    """The order lines on the order's draft or live debit invoices."""
    rows = InvoiceLine.objects.filter(
        Q(invoice__order=order) | Q(source_order=order), invoice__kind=Invoice.Kind.DEBIT, order_line__isnull=False
    ).exclude(invoice__status=Invoice.Status.CANCELLED)
    return set(rows.values_list("order_line_id", flat=True))


def invoice_supplement_locked(
    *, order: Order, lines: list[OrderLine], actor=None, note: str = "", source: str = Source.ADMIN
) -> Invoice:
    """Issue a debit invoice for `lines` of the locked `order` (their stored amounts, never re-priced).

    Refused (OrderValidationError naming "lines"): a line of another order, one already invoiced, or lines
    worth nothing. Side effects: the invoice's created and issued events, its PDF after commit, and the order's
    unapplied money applied to it.
    """
    if any(line.order_id != order.pk for line in lines):
        raise refuse("lines", f"Lines: every line must be of order {order.number}.")
    if lines_invoiced(order) & {line.pk for line in lines}:
        raise refuse("lines", "Lines: a line is on an invoice already.")
    rows = [
        InvoiceLine(
            kind=InvoiceLine.Kind.ITEM, source_order=order, order_line=line, sku=line.sku, name=line.name,
            quantity=line.quantity_active, unit_price=line.unit_price,
            discount=line.discount_amount + line.order_discount_share, tax_rate=line.tax_rate,
            net=line.net, tax=line.tax, gross=line.gross, position=position,
        )
        for position, line in enumerate(lines)
    ]  # fmt: skip
    invoice = _new_invoice(order, actor=actor, terms=terms_default(order.customer), note=note)
    set_totals(invoice, rows)
    if invoice.total_gross <= 0:
        raise refuse("lines", "Lines: nothing to invoice (the lines are worth 0.00).")
    invoice.save()
    for row in rows:
        row.invoice = invoice
    InvoiceLine.objects.bulk_create(rows)
    events.invoice_created_event(invoice=invoice, actor=actor, source=source)
    issue_locked(invoice, actor=actor, source=source)
    invoices_reconcile(order=order, actor=actor, source=source)
    return invoice
