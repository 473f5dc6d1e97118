"""The order's money applied to its invoices: what was paid on the order pays its invoices, oldest due first.

A payment made for one invoice (its pay link) pays THAT invoice first: `paying_invoice(invoice_id)` around the
payment's recording names it, and the "payment" hook passes it to `invoices_reconcile(first=...)`; any surplus
then follows the oldest-due rule.

An order's payments (orders' `OrderPayment` rows; their sum is `Order.amount_paid`) are the money it holds.
`invoices_reconcile` makes the invoices agree with it: money not yet applied pays the open invoices in
the order of their due dates (each up to its balance, and on a combined family invoice up to this order's
share); when the order holds less than is applied (a reversal, money moved to a split order), the newest
applications are taken back. Each movement is an append-only `InvoicePayment` row (positive applies,
negative takes back), so an invoice's `amount_paid` is the sum of its rows; the invoice status follows.

Runs under the order lock of the operation that changed the money (the "payment", "payment_reverse" and
"split" hooks run in its transaction); the invoice rows are locked after the order (pk order).
"""

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from django.db.models import Q, Sum

from oms.money import ZERO, quantize
from oms.selects import rows_select
from orders.models import Order

from .. import events
from ..models import Instalment, Invoice, InvoiceLine, InvoicePayment


def _live_invoices_query(order_id: int):
    ids = (
        Invoice.objects.filter(Q(order_id=order_id) | Q(lines__source_order_id=order_id), kind=Invoice.Kind.DEBIT)
        .filter(status__in=Invoice.LIVE)
        .values("pk")
    )
    return Invoice.objects.select_for_update().filter(pk__in=ids).order_by("pk")


def live_invoices_locked(order) -> list[Invoice]:
    """The order's issued debit invoices (its own and combined family ones), locked, oldest due first.
    Compiled once (`rows_select`): every payment, reversal and refund asks, most of them to find none."""
    locked = rows_select("live_invoices_locked", _live_invoices_query, order.pk)
    return sorted(locked, key=due_order)


def due_order(inv: Invoice) -> tuple:
    """Oldest due first: by the next due date (a schedule's first unpaid instalment), undated last."""
    return (inv.next_due_date is None, inv.next_due_date or inv.issue_date, inv.issue_date, inv.pk)


def follow_due(invoice: Invoice) -> None:
    """Set the (locked) invoice's next due date from its instalments (one query) after its paid or credited
    amount changed; the caller saves it. Without instalments it stays the due date."""
    invoice.next_due_date = invoice.first_open_due(Instalment.objects.filter(invoice=invoice))


def _shares(order, invoices: list[Invoice]) -> dict[int, Decimal]:
    """What each invoice asks of this order: its lines of the order, less what credits took off them."""
    combined = [inv.pk for inv in invoices if inv.combined]
    shares = {inv.pk: inv.total_gross - inv.amount_credited for inv in invoices if not inv.combined}
    if combined:
        lines = InvoiceLine.objects.filter(source_order=order)
        debit = dict(
            lines.filter(invoice_id__in=combined)
            .values_list("invoice_id")
            .annotate(s=Sum("gross"))
            .values_list("invoice_id", "s")
        )
        credit = dict(
            lines.filter(invoice__credit_for_id__in=combined, invoice__status__in=Invoice.LIVE)
            .values_list("invoice__credit_for_id")
            .annotate(s=Sum("gross"))
            .values_list("invoice__credit_for_id", "s")
        )
        for pk in combined:
            shares[pk] = quantize(debit.get(pk, ZERO) - credit.get(pk, ZERO))
    return shares


def applied_by_order(order, invoices: list[Invoice]) -> dict[int, Decimal]:
    rows = (
        InvoicePayment.objects.filter(order=order, invoice__in=invoices)
        .values_list("invoice_id")
        .annotate(s=Sum("amount"))
        .values_list("invoice_id", "s")
    )
    return defaultdict(lambda: ZERO, {pk: quantize(s) for pk, s in rows})  # SQLite sums as floats (see below)


def _move(invoice: Invoice, *, order, amount: Decimal, payment, actor, source, credit=None) -> None:
    InvoicePayment.objects.create(invoice=invoice, order=order, payment=payment, amount=amount, credit=credit)
    invoice.amount_paid += amount  # the row is locked (live_invoices_locked / lock_invoice)
    invoice.follow_payments()
    follow_due(invoice)
    invoice.save(update_fields=["amount_paid", "next_due_date", "status", "paid_at", "updated_at"])
    events.invoice_payments_applied_event(invoice=invoice, order=order, actor=actor, source=source, amount=amount)


_paying_invoice: ContextVar[int | None] = ContextVar("paying_invoice", default=None)


@contextmanager
def paying_invoice(invoice_id: int) -> Iterator[None]:
    """Within this block, a payment recorded on the invoice's order pays this invoice first (the pay link)."""
    token = _paying_invoice.set(invoice_id)
    try:
        yield
    finally:
        _paying_invoice.reset(token)


def invoice_paid_first() -> int | None:
    """The invoice named by an enclosing `paying_invoice` block, if any (read by the "payment" hook)."""
    return _paying_invoice.get()


def money_waiting(order) -> bool:
    """Whether the order holds money not applied to its invoices (read only; caller holds the order lock)."""
    return bool(orders_money_waiting([order]))


def orders_money_waiting(orders: list) -> list:
    """The orders that hold money not applied to their invoices, in one query (callers hold the order locks)."""
    rows = InvoicePayment.objects.filter(order__in=orders).values("order_id").annotate(s=Sum("amount")).order_by()
    applied = {row["order_id"]: quantize(row["s"]) for row in rows}
    return [order for order in orders if max(order.amount_paid, ZERO) != applied.get(order.pk, ZERO)]


def invoices_reconcile(
    *, order, actor=None, source="system", payment=None, first: int | None = None, credit=None
) -> Decimal:
    """Apply the order's unapplied money to its open invoices, or take back what it no longer holds.

    `first`: an invoice that gets the money before the others (a payment made for it); the rest go oldest
    due first. `credit`: the credit invoice whose issue freed the money; the rows on the invoice it credits
    carry it (see `invoice_creditable`). Returns the amount moved (positive applied, negative taken back).
    Caller holds the order lock.
    """
    invoices = live_invoices_locked(order)
    if not invoices:
        return ZERO
    applied = applied_by_order(order, invoices)
    delta = max(order.amount_paid, ZERO) - sum(applied.values(), ZERO)
    moved = ZERO
    if delta > 0:
        shares = _shares(order, invoices)
        invoices.sort(key=lambda inv: inv.pk != first)  # stable: the named invoice first, the rest as they were
        for invoice in invoices:
            room = min(
                shares[invoice.pk] - applied[invoice.pk],
                invoice.total_gross - invoice.amount_credited - invoice.amount_paid,
            )
            amount = min(room, delta - moved)
            if amount > 0:
                tag = credit if credit is not None and invoice.pk == credit.credit_for_id else None
                _move(invoice, order=order, amount=amount, payment=payment, actor=actor, source=source, credit=tag)
                moved += amount
    elif delta < 0:
        for invoice in reversed(invoices):
            amount = min(applied[invoice.pk], moved - delta)
            if amount > 0:
                _move(invoice, order=order, amount=-amount, payment=payment, actor=actor, source=source)
                moved -= amount
    return moved


def take_back(invoice: Invoice, amount: Decimal, *, actor, source, credit=None) -> None:
    """Take `amount` of applied money off a (locked) invoice, newest applications' orders first: a credit
    invoice (`credit`, tagging the rows) frees what it credits, so paid + credited never exceeds the total."""
    per_order = (
        InvoicePayment.objects.filter(invoice=invoice).values("order").annotate(s=Sum("amount")).order_by("-order")
    )
    left = amount
    for row in per_order:
        part = min(quantize(row["s"]), left)
        if part > 0:
            _move(invoice, order=Order(pk=row["order"]), amount=-part, payment=None, actor=actor, source=source,
                  credit=credit)  # fmt: skip
            left -= part
        if left <= 0:
            break


def invoice_creditable(invoice: Invoice) -> Decimal:
    """What a new credit invoice may still credit on this debit invoice: the money paid on it less what was
    credited already ("never more than was paid").

    The invoice's `amount_paid` alone is not that: a credit takes money back, and when the invoice still has a
    balance (partly paid) the same money pays it again at once, so `amount_paid` shows it paid while it was
    credited too. Paid-in money is therefore the sum of the application rows no credit moved; it is never
    more than what is applied now either."""
    paid_in = (
        InvoicePayment.objects.filter(invoice=invoice, credit__isnull=True).aggregate(s=Sum("amount"))["s"] or ZERO
    )
    # quantize: SQLite sums decimals as floats (70.9400000000000); exact cents on PostgreSQL
    return max(min(quantize(paid_in) - invoice.amount_credited, invoice.amount_paid), ZERO)
