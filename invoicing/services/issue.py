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
from django.db.models import prefetch_related_objects
from django.utils import timezone

from orders.exceptions import InvalidTransition, OrderNotFound, OrderValidationError
from orders.models import OrderEvent
from orders.services.locks import orders_lock
from orders.services.rows import rows_update

from .. import events
from ..models import Instalment, Invoice, InvoiceCounter, PaymentTerms
from .terms import schedule, terms_text

Kind = PaymentTerms.Kind

Source = OrderEvent.Source
logger = logging.getLogger(__name__)


def next_numbers(series: str, year: int, count: int = 1) -> int:
    """Take the next `count` numbers of `series` in `year` under the counter's row lock (call it last, see
    above); returns the last one taken (the range is last - count + 1 .. last).

    One statement locks, increments and reads the row (PostgreSQL and SQLite >= 3.35 have RETURNING); the
    year's first issue makes the row first (a racing creator's row is kept: ignore_conflicts)."""
    sql = f"UPDATE {InvoiceCounter._meta.db_table} SET last_number = last_number + %s WHERE series = %s AND year = %s RETURNING last_number"  # noqa: E501, S608  (the table name is ours)
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(sql, [count, series, year])
            row = cursor.fetchone()
        if row is not None:
            return row[0]
        InvoiceCounter.objects.bulk_create([InvoiceCounter(series=series, year=year)], ignore_conflicts=True)
    raise RuntimeError(f"Invoice counter {series} {year} could not be made.")


def next_number(series: str, year: int) -> int:
    return next_numbers(series, year, 1)


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


def _apply_terms(invoices: list[Invoice], issue_date: date) -> None:
    """Due date (unless the draft set one), instalments and early-payment discount from each invoice's terms
    (the schedules' portions in one query, the instalments in one insert)."""
    prefetch_related_objects([inv.terms for inv in invoices if inv.terms and inv.terms.kind == Kind.SCHEDULE],
                             "portions")  # fmt: skip
    instalments = []
    for invoice in invoices:
        terms = invoice.terms
        portions = terms.portions.all() if terms and terms.kind == Kind.SCHEDULE else ()
        plan = schedule(terms, issue_date=issue_date, total=invoice.total_gross, portions=portions)
        if invoice.due_date is None or invoice.is_credit:
            invoice.due_date = None if invoice.is_credit else plan.due_date
        invoice.next_due_date = invoice.due_date  # nothing paid yet: the order's money is applied after issue
        invoice.terms_text = terms_text(terms) if not invoice.is_credit else ""
        if terms and terms.discount_percent > 0 and not invoice.is_credit:
            invoice.discount_percent = terms.discount_percent
            invoice.discount_until = plan.discount_until
        if plan.instalments and not invoice.is_credit:
            instalments += [Instalment(invoice=invoice, position=i, due_date=day, amount=amount)
                            for i, (day, amount) in enumerate(plan.instalments)]  # fmt: skip
    Instalment.objects.bulk_create(instalments)


# The most drafts one selection issues (one transaction holds their orders locked): the list's pages are 50.
ISSUE_SELECTION_MAX = 500

# What issuing writes on the invoice row (one UPDATE for a whole selection, with its history rows).
ISSUE_FIELDS = ["status", "year", "sequence", "number", "issue_date", "issued_at", "due_date", "next_due_date",
                "terms_text", "discount_percent", "discount_until", "updated_at"]  # fmt: skip


def _number(invoices: list[Invoice], issue_date: date) -> None:
    """Numbers in primary-key order, one range per series taken by one UPDATE, the debit series first (the
    counters' lock order, see `counter_hold`)."""
    for series in (Invoice.SERIES[Invoice.Kind.DEBIT], Invoice.SERIES[Invoice.Kind.CREDIT]):
        group = sorted((inv for inv in invoices if inv.series == series), key=lambda inv: inv.pk)
        if not group:
            continue
        last = next_numbers(series, issue_date.year, len(group))
        for sequence, invoice in enumerate(group, start=last - len(group) + 1):
            invoice.issue(year=issue_date.year, sequence=sequence, issue_date=issue_date)


def issue_many_locked(invoices: list[Invoice], *, actor, source: str, issue_date: date | None = None) -> list[Invoice]:
    """Issue drafts whose orders and rows the caller locked (see the lock order above), in one go: terms, then
    the numbers, then one UPDATE of the rows with their history, one INSERT of the events, one PDF task.

    Refused, changing nothing, when one of them is not a draft."""
    for invoice in invoices:
        if invoice.status != Invoice.Status.DRAFT:
            raise InvalidTransition(f"{invoice} is {invoice.get_status_display().lower()}; only a draft can be issued.")
    issue_date = issue_date or timezone.localdate()
    _apply_terms(invoices, issue_date)
    _number(invoices, issue_date)
    now = timezone.now()
    for invoice in invoices:
        invoice.updated_at = now
    rows_update(Invoice, invoices, ISSUE_FIELDS, actor=actor)
    events.invoices_issued_events(invoices=invoices, actor=actor, source=source)
    ids = [invoice.pk for invoice in invoices]
    transaction.on_commit(lambda: pdf_store_later(ids))
    return invoices


def issue_locked(invoice: Invoice, *, actor, source: str, issue_date: date | None = None) -> Invoice:
    """Issue one draft whose order and row the caller locked."""
    return issue_many_locked([invoice], actor=actor, source=source, issue_date=issue_date)[0]


@transaction.atomic
def invoices_issue(
    *, invoice_ids, actor=None, source: str = Source.ADMIN, issue_date: date | None = None
) -> list[Invoice]:
    """Issue a selection of drafts at once (primary-key order): numbers, due dates, instalments; the money
    their orders hold and have not applied yet pays them.

    Locks: their orders with the family roots (`orders_lock(operation="invoice")`), then the invoice rows,
    then the counters. Refused, changing nothing: an unknown invoice, one that is not a draft, an order the
    "invoice" guard refuses, more than ISSUE_SELECTION_MAX drafts."""
    from .payments import invoices_reconcile, orders_money_waiting

    ids = sorted({int(pk) for pk in invoice_ids})
    if len(ids) > ISSUE_SELECTION_MAX:
        raise OrderValidationError(
            f"Invoices: {len(ids)} selected; at most {ISSUE_SELECTION_MAX} are issued at once.",
            details={"field": "invoices"},
        )
    order_ids = dict(Invoice.objects.filter(pk__in=ids).values_list("pk", "order_id"))
    if len(order_ids) != len(ids):
        raise OrderNotFound(f"Invoice {min(set(ids) - order_ids.keys())} does not exist.")
    orders = orders_lock(order_ids.values(), operation="invoice", actor=actor)
    rows = Invoice.objects.select_for_update(of=("self",)).select_related("terms").filter(pk__in=ids)
    invoices = list(rows.order_by("pk"))
    for invoice in invoices:
        invoice.order = orders[invoice.order_id]
    # Read before the numbers (the order locks keep it true): only money waiting on the orders is applied after,
    # and only to debit invoices (a credit invoice's issue applies nothing).
    debited = sorted({invoice.order_id for invoice in invoices if not invoice.is_credit})
    waiting = orders_money_waiting([orders[pk] for pk in debited]) if debited else []
    issue_many_locked(invoices, actor=actor, source=source, issue_date=issue_date)
    for order in waiting:
        invoices_reconcile(order=order, actor=actor, source=source)
    if waiting:
        for invoice in invoices:
            invoice.refresh_from_db()
    return invoices


def invoice_issue(
    *, invoice_id: int, actor=None, source: str = Source.ADMIN, issue_date: date | None = None
) -> Invoice:
    """Issue a draft: number, due date, instalments; the order's money not yet applied pays it.

    Refused, changing nothing: an invoice that is not a draft, an order the "invoice" guard refuses.
    """
    return invoices_issue(invoice_ids=[invoice_id], actor=actor, source=source, issue_date=issue_date)[0]


def pdf_store_later(invoice_ids: list[int]) -> None:
    """After the issue committed: render and store the PDFs in the worker (in-process without a broker)."""
    from ..tasks import invoice_pdfs_task

    try:
        invoice_pdfs_task.delay(invoice_ids)
    except Exception:  # the broker is down: the first download renders and stores each
        logger.warning("Invoices %s: PDFs not queued; each is rendered at its first download.", invoice_ids,
                       exc_info=True)  # fmt: skip


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
