"""Making an invoice from an order's current version, and changing it while it is a draft.

Lock: `order_lock(operation="invoice")` (the order and its family root) first, then the invoice row. The
lines copy the order's active lines with their stored, rounded amounts (and the shipping as one more line),
so the invoice totals are the order's totals to the cent.
"""

from datetime import date

from django.db import transaction
from django.db.models import Q

from oms import bounds
from oms.money import ZERO
from orders.exceptions import InvalidTransition, OrderNotFound, OrderValidationError
from orders.models import Order, OrderEvent
from orders.services.locks import order_lock

from .. import events
from ..models import Invoice, InvoiceLine, PaymentTerms
from .terms import terms_default

Source = OrderEvent.Source


def refuse(field: str, message: str) -> OrderValidationError:
    return OrderValidationError(message, details={"field": field})


def bill_to(order: Order) -> str:
    parts = [order.billing_name or order.customer.name, order.billing_company, order.billing_street]
    parts.append(" ".join(p for p in (order.billing_postal_code, order.billing_city) if p))
    parts.append(order.billing_country)
    return "\n".join(part for part in parts if part)


def snapshot_lines(order: Order, *, start: int = 0) -> list[InvoiceLine]:
    """The order's active lines and its shipping as unsaved invoice lines (amounts as stored, never re-priced)."""
    lines = []
    for line in order.lines.all():
        if line.quantity_active == 0:
            continue
        lines.append(
            InvoiceLine(
                kind=InvoiceLine.Kind.ITEM, source_order=order, order_line=line, sku=line.sku, name=line.name,
                quantity=line.quantity_active, unit_price=line.unit_price,
                discount=line.discount_amount + line.order_discount_share, tax_rate=line.tax_rate,
                net=line.net, tax=line.tax, gross=line.gross,
            )
        )  # fmt: skip
    if order.shipping_gross > 0:
        lines.append(
            InvoiceLine(
                kind=InvoiceLine.Kind.SHIPPING, source_order=order, name="Shipping", quantity=1,
                unit_price=order.shipping_fee, tax_rate=order.shipping_tax_rate,
                net=order.shipping_net, tax=order.shipping_tax, gross=order.shipping_gross,
            )
        )  # fmt: skip
    for position, line in enumerate(lines, start=start):
        line.position = position
    return lines


def set_totals(invoice: Invoice, lines: list[InvoiceLine]) -> None:
    """Totals are sums of the rounded lines."""
    invoice.total_net = sum((line.net for line in lines), ZERO)
    invoice.total_tax = sum((line.tax for line in lines), ZERO)
    invoice.total_gross = sum((line.gross for line in lines), ZERO)
    if invoice.total_gross > bounds.INVOICE_TOTAL_MAX:
        raise refuse("total", f"Total: {invoice.total_gross} is above the invoice limit {bounds.INVOICE_TOTAL_MAX}.")


def debit_invoice_of(order: Order) -> Invoice | None:
    """The order's draft or live debit invoice (its own, or a combined one of its family), if any."""
    return (
        Invoice.objects.filter(Q(order=order) | Q(lines__source_order=order), kind=Invoice.Kind.DEBIT)
        .exclude(status=Invoice.Status.CANCELLED)
        .order_by("pk")
        .first()
    )


def terms_choose(terms_id, customer) -> PaymentTerms | None:
    if terms_id in (None, ""):
        return terms_default(customer)
    terms = PaymentTerms.objects.filter(pk=terms_id, active=True).first() if str(terms_id).isdigit() else None
    if terms is None:
        raise refuse("terms", f"Terms: '{str(terms_id)[:40]}' are not active payment terms.")
    return terms


@transaction.atomic
def invoice_create(*, order_id: int, actor=None, terms_id=None, note: str = "", source: str = Source.ADMIN) -> Invoice:
    """A draft invoice of the order's current version; terms default from the customer.

    Refused, changing nothing: an order that is a draft or cancelled (the "invoice" guard), one that already
    has a draft or live invoice (one order is invoiced once; a correction cancels the old one first), one
    with nothing to invoice.
    """
    try:
        order = order_lock(order_id, operation="invoice", actor=actor).order
    except Order.DoesNotExist:
        raise OrderNotFound(f"Order {order_id} does not exist.") from None
    existing = debit_invoice_of(order)
    if existing:
        raise InvalidTransition(f"Order {order.number} already has {existing}; cancel it before making a new invoice.")
    lines = snapshot_lines(order)
    if not lines:
        raise InvalidTransition(f"Order {order.number} has nothing to invoice.")
    invoice = _new_invoice(order, actor=actor, terms=terms_choose(terms_id, order.customer), note=note)
    set_totals(invoice, lines)
    invoice.save()
    for line in lines:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(lines)
    events.invoice_created_event(invoice=invoice, actor=actor, source=source)
    return invoice


def _new_invoice(order: Order, *, actor, terms, note: str, kind=Invoice.Kind.DEBIT, credit_for=None) -> Invoice:
    problem = bounds.text_problem(note or "")
    if problem:
        raise refuse("note", f"Note: this text {problem}")
    return Invoice(
        order=order, kind=kind, credit_for=credit_for, series=Invoice.SERIES[kind], status=Invoice.Status.DRAFT,
        terms=terms, note=(note or "").strip()[:2000], currency=order.currency,
        customer_name=order.billing_name or order.customer.name, customer_email=order.customer.email,
        bill_to=bill_to(order), created_by=actor,
    )  # fmt: skip


def invoice_order_ids(invoice_id: int) -> set[int]:
    """Every order whose money an invoice holds: its own and each order with lines on it (a combined family
    invoice). Only those orders' payments are applied to it (`payments._shares`), and its lines never change."""
    rows = InvoiceLine.objects.filter(invoice_id=invoice_id, source_order__isnull=False)
    ids = set(rows.values_list("source_order_id", flat=True).distinct())
    return ids | set(Invoice.objects.filter(pk=invoice_id).values_list("order_id", flat=True))


def lock_invoice(invoice_id: int, *, actor, operation: str = "invoice", all_orders: bool = False) -> Invoice:
    """Lock the invoice's order (with its family root) first, then the invoice row (the lock order).

    `all_orders`: also every other order whose money the invoice holds (`invoice_order_ids`), after the root
    and before the invoice row, for work that reaches them (a credit takes their applied money back)."""
    order_id = Invoice.objects.filter(pk=invoice_id).values_list("order_id", flat=True).first()
    if order_id is None:
        raise OrderNotFound(f"Invoice {invoice_id} does not exist.")
    family = (lambda order: invoice_order_ids(invoice_id)) if all_orders else None
    order_lock(order_id, operation=operation, actor=actor, family_orders=family)
    return Invoice.objects.select_for_update(of=("self",)).select_related("order", "terms").get(pk=invoice_id)


def refuse_unless_draft(invoice: Invoice) -> None:
    if invoice.status != Invoice.Status.DRAFT:
        raise InvalidTransition(
            f"{invoice} is {invoice.get_status_display().lower()} and never changes; "
            "to correct it, cancel it and make a new invoice."
        )


@transaction.atomic
def invoice_update_draft(
    *, invoice_id: int, actor=None, terms_id=None, due_date: date | None = None, note: str | None = None,
    source: str = Source.ADMIN,
) -> Invoice:  # fmt: skip
    """Change a draft's terms, due date (None: from the terms at issue) or note. An issued invoice is refused."""
    invoice = lock_invoice(invoice_id, actor=actor)
    refuse_unless_draft(invoice)
    changes = {}
    terms = terms_choose(terms_id, invoice.order.customer) if terms_id is not None else invoice.terms
    if terms != invoice.terms:
        changes["terms"] = (str(invoice.terms or ""), str(terms or ""))
        invoice.terms = terms
    if due_date != invoice.due_date:
        changes["due_date"] = (invoice.due_date, due_date)
        invoice.due_date = due_date
    if note is not None and note.strip() != invoice.note:
        problem = bounds.text_problem(note)
        if problem or len(note) > 2000:
            raise refuse("note", f"Note: this text {problem or 'is longer than 2000 characters.'}")
        changes["note"] = (invoice.note[:60], note.strip()[:60])
        invoice.note = note.strip()
    if changes:
        invoice.save(update_fields=["terms", "due_date", "note", "updated_at"])
        events.invoice_draft_changed_event(invoice=invoice, actor=actor, source=source, changes=changes)
    return invoice
