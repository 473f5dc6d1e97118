"""Issuing: the next gap-free number of the invoice's series and year, its due dates, its stored PDF.

Lock order (never another): the order with its family root (`order_lock(operation="invoice")`), then the
invoice row, then the series' counter row (`InvoiceCounter`, one per series and year). The counter is
locked last, by one `UPDATE ... RETURNING` that takes the next number, and held until the commit, so
everything else (terms, instalments, what the order's money will pay) is done before it: after the number
only the invoice row, its history and its event are written (and the order's waiting money applied, when
there is any). A rollback after taking a number gives the number back with it: no gap, no repeat.

The PDF is rendered after the commit (`invoice_pdf_store`), outside every lock, and stored once with its
SHA-256; a download before the worker got to it renders and stores it then (the first one stored wins).
"""

import hashlib
import logging
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from orders.exceptions import InvalidTransition
from orders.models import OrderEvent

from .. import events
from ..models import Instalment, Invoice, InvoiceCounter
from .drafts import lock_invoice
from .terms import schedule, terms_text

Source = OrderEvent.Source
logger = logging.getLogger(__name__)


def next_number(series: str, year: int) -> int:
    """Take the next number of `series` in `year` under the counter's row lock (call it last, see above).

    One statement locks, increments and reads the row (PostgreSQL and SQLite ≥ 3.35 have RETURNING); the
    year's first issue makes the row first (a racing creator's row is kept: ignore_conflicts)."""
    sql = f"UPDATE {InvoiceCounter._meta.db_table} SET last_number = last_number + 1 WHERE series = %s AND year = %s RETURNING last_number"  # noqa: E501, S608  (the table name is ours)
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(sql, [series, year])
            row = cursor.fetchone()
        if row is not None:
            return row[0]
        InvoiceCounter.objects.bulk_create([InvoiceCounter(series=series, year=year)], ignore_conflicts=True)
    raise RuntimeError(f"Invoice counter {series} {year} could not be made.")


def counter_hold(series: str, year: int | None = None) -> None:
    """Lock `series`' counter row of `year` (this year) now, without taking a number.

    When one transaction takes numbers of both series, the counters are taken in one order: the debit series
    (INV) before the credit series (CRN), as a return does that issues the order's invoice and then credits
    it. Work that may take a debit number AFTER a credit number (a return credited and then billing a dearer
    exchange) holds the debit counter first with this, so two such transactions never wait on each other."""
    year = year or timezone.localdate().year
    for _attempt in range(2):
        if InvoiceCounter.objects.select_for_update().filter(series=series, year=year).values_list("pk").first():
            return
        InvoiceCounter.objects.bulk_create([InvoiceCounter(series=series, year=year)], ignore_conflicts=True)
    raise RuntimeError(f"Invoice counter {series} {year} could not be made.")


def _apply_terms(invoice: Invoice, issue_date: date) -> None:
    """Due date (unless the draft set one), instalments and early-payment discount from the terms."""
    plan = schedule(invoice.terms, issue_date=issue_date, total=invoice.total_gross)
    if invoice.due_date is None or invoice.is_credit:
        invoice.due_date = None if invoice.is_credit else plan.due_date
    invoice.next_due_date = invoice.due_date  # nothing paid yet: the money the order holds is applied after issue
    invoice.terms_text = terms_text(invoice.terms) if not invoice.is_credit else ""
    if invoice.terms and invoice.terms.discount_percent > 0 and not invoice.is_credit:
        invoice.discount_percent = invoice.terms.discount_percent
        invoice.discount_until = plan.discount_until
    if plan.instalments and not invoice.is_credit:
        Instalment.objects.bulk_create(
            Instalment(invoice=invoice, position=i, due_date=day, amount=amount)
            for i, (day, amount) in enumerate(plan.instalments)
        )


def issue_locked(invoice: Invoice, *, actor, source: str, issue_date: date | None = None) -> Invoice:
    """Issue a draft whose order and row the caller locked (see the lock order above)."""
    if invoice.status != Invoice.Status.DRAFT:
        raise InvalidTransition(f"{invoice} is {invoice.get_status_display().lower()}; only a draft can be issued.")
    issue_date = issue_date or timezone.localdate()
    _apply_terms(invoice, issue_date)
    sequence = next_number(invoice.series, issue_date.year)
    invoice.issue(year=issue_date.year, sequence=sequence, issue_date=issue_date)
    invoice.save()
    events.invoice_issued_event(invoice=invoice, actor=actor, source=source)
    transaction.on_commit(lambda: pdf_store_later(invoice.pk))
    return invoice


@transaction.atomic
def invoice_issue(
    *, invoice_id: int, actor=None, source: str = Source.ADMIN, issue_date: date | None = None
) -> Invoice:
    """Issue a draft: number, due date, instalments; the order's money not yet applied pays it.

    Refused, changing nothing: an invoice that is not a draft, an order the "invoice" guard refuses.
    """
    from .payments import invoices_reconcile, money_waiting

    invoice = lock_invoice(invoice_id, actor=actor)
    # Read before the number (the order lock keeps it true): only money waiting on the order is applied after.
    waiting = not invoice.is_credit and money_waiting(invoice.order)
    issue_locked(invoice, actor=actor, source=source, issue_date=issue_date)
    if waiting:
        invoices_reconcile(order=invoice.order, actor=actor, source=source)
        invoice.refresh_from_db()
    return invoice


def pdf_store_later(invoice_id: int) -> None:
    """After the issue committed: render and store the PDF in the worker (in-process without a broker)."""
    from ..tasks import invoice_pdf_task

    try:
        invoice_pdf_task.delay(invoice_id)
    except Exception:  # the broker is down: the first download renders and stores it
        logger.warning("Invoice %s: PDF not queued; it is rendered at its first download.", invoice_id, exc_info=True)


def invoice_pdf_store(invoice_id: int) -> bytes:
    """The issued invoice's PDF: the stored bytes, or rendered now and stored once with its SHA-256."""
    from ..pdf import render_invoice

    stored = Invoice.objects.filter(pk=invoice_id).values_list("pdf", "status", "number").first()
    if stored is None:
        raise Invoice.DoesNotExist(f"Invoice {invoice_id} does not exist.")
    pdf, status, number = stored
    if pdf:
        return bytes(pdf)
    if not number:
        raise InvalidTransition("A draft has no stored PDF; issue it first (the preview is not a legal copy).")
    data = render_invoice(Invoice.objects.get(pk=invoice_id))
    digest = hashlib.sha256(data).hexdigest()
    # Only the first render is stored: a concurrent one loses and serves what was stored.
    Invoice.objects.filter(pk=invoice_id, pdf__isnull=True).update(pdf=data, pdf_sha256=digest)
    return bytes(Invoice.objects.values_list("pdf", flat=True).get(pk=invoice_id))
