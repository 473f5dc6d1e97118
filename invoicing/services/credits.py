"""Credit invoices: against an issued debit invoice, for chosen lines (units) or an amount, own series (CRN).

Never more than what was paid on the debit invoice less what was credited on it already (`invoice_creditable`;
the applied amount alone would let a partly paid invoice be credited again with money a credit freed and the
invoice took back at once): a credit frees that much of the applied money
(it goes back to the order, where it pays its other open invoices or waits for the refund of the returns
work), so paid + credited never exceeds the invoice total and the balance never goes below zero.

Lock order as for issuing: the debit invoice's order with its family root, then every other order whose money
the invoice holds (a combined family invoice: each order with lines on it, in primary-key order), then the
debit invoice row, and the CRN counter last. Every order the credit changes (money taken back, what its
customer owes, the refund the "credit" hooks make) is locked before the number is taken, so the counter is
never held while waiting for an order; after it only the credit's own row, its events and those hooks follow.
"""

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from oms import bounds
from oms.money import ZERO, allocate, tax_split
from orders import hooks
from orders.exceptions import InvalidTransition
from orders.models import OrderEvent
from orders.pricing import units_share
from orders.services.locks import order_lock
from orders.services.payments import order_credit_record

from .. import events
from ..models import Invoice, InvoiceLine
from .drafts import _new_invoice, lock_invoice, refuse, set_totals
from .issue import issue_locked
from .payments import follow_due, invoice_creditable, invoices_reconcile, take_back

Source = OrderEvent.Source


def credited_units(invoice: Invoice) -> dict[int, int]:
    """Units of each debit line already credited by live credit invoices."""
    rows = (
        InvoiceLine.objects.filter(credited_line__invoice=invoice, invoice__status__in=Invoice.LIVE)
        .values_list("credited_line_id")
        .annotate(units=Sum("quantity"))
        .values_list("credited_line_id", "units")
    )
    return defaultdict(int, dict(rows))


def _parsed(parse, field: str, value, **kwargs):
    """A bounds parser's value, or its refusal as the services' refusal naming the field."""
    try:
        return parse(value, **kwargs)
    except ValidationError as exc:
        raise refuse(field, exc.messages[0]) from None


def _line_credits(invoice: Invoice, quantities: dict) -> list[InvoiceLine]:
    """Credit lines for `quantities` {debit line id: units}: each unit's share of the stored line amounts."""
    debit_lines = {line.pk: line for line in invoice.lines.all()}
    done = credited_units(invoice)
    lines = []
    for key, raw in quantities.items():
        line = debit_lines.get(int(key)) if str(key).isdigit() else None
        if line is None:
            raise refuse("lines", f"Lines: {str(key)[:20]} is not a line of {invoice}.")
        left = line.quantity - done[line.pk]
        units = _parsed(
            bounds.parse_quantity, "lines", raw, label=f"Units of {line.name[:40]}", minimum=0, maximum=left
        )
        if units == 0:
            continue
        net = units_share(line.net, units=units, of=line.quantity)
        gross = units_share(line.gross, units=units, of=line.quantity)
        lines.append(
            InvoiceLine(
                kind=line.kind, source_order_id=line.source_order_id, order_line_id=line.order_line_id,
                credited_line=line, sku=line.sku, name=line.name, quantity=units, unit_price=line.unit_price,
                discount=units_share(line.discount, units=units, of=line.quantity), tax_rate=line.tax_rate,
                net=net, tax=gross - net, gross=gross,
            )
        )  # fmt: skip
    return lines


def _amount_credits(invoice: Invoice, amount: Decimal, reason: str) -> list[InvoiceLine]:
    """An amount credited over the invoice's tax rates in proportion to their gross (the parts add up)."""
    by_rate: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for line in invoice.lines.all():
        by_rate[line.tax_rate] += line.gross
    rates = sorted(by_rate, reverse=True)
    lines = []
    for rate, part in zip(rates, allocate(amount, [by_rate[r] for r in rates]), strict=True):
        if part <= 0:
            continue
        net, tax, gross = tax_split(amount=part, rate=rate, includes_tax=True)
        lines.append(
            InvoiceLine(
                kind=InvoiceLine.Kind.AMOUNT, source_order_id=invoice.order_id, name=(reason or "Credit")[:200],
                quantity=1, unit_price=gross, tax_rate=rate, net=net, tax=tax, gross=gross,
            )
        )  # fmt: skip
    return lines


@transaction.atomic
def invoice_credit(
    *, invoice_id: int, actor=None, quantities: dict | None = None, amount=None, reason: str = "",
    source: str = Source.ADMIN,
) -> Invoice:  # fmt: skip
    """Issue a credit invoice against a debit invoice, for units of its lines (`quantities`) or an `amount`.

    Refused, changing nothing: a draft, cancelled or credit invoice; both or neither of lines and amount;
    nothing credited; more than is paid on the invoice now (the sentence says how much can be credited).
    """
    reason = (reason or "").strip()
    problem = bounds.text_problem(reason, multiline=False)
    if problem or len(reason) > 200:
        raise refuse("reason", f"Reason: {'this text ' + problem if problem else 'at most 200 characters.'}")
    debit = lock_invoice(invoice_id, actor=actor, all_orders=True)
    if debit.is_credit or debit.status not in Invoice.LIVE:
        raise InvalidTransition(f"{debit} is {debit.get_status_display().lower()}; only an issued invoice is credited.")
    if (quantities is None) == (amount is None):
        raise refuse("amount", "Choose the lines to credit or an amount, not both.")
    if amount is not None:
        value = _parsed(bounds.parse_amount, "amount", amount, label="Amount", maximum=bounds.INVOICE_TOTAL_MAX)
        lines = _amount_credits(debit, value, reason) if value > 0 else []
    else:
        lines = _line_credits(debit, quantities)
    credit = _new_invoice(debit.order, actor=actor, terms=None, note=reason, kind=Invoice.Kind.CREDIT, credit_for=debit)
    credit.combined = debit.combined
    set_totals(credit, lines)
    if credit.total_gross <= 0:
        raise refuse(
            "amount" if amount is not None else "lines", "Nothing to credit: choose units or an amount above 0."
        )
    creditable = invoice_creditable(debit)
    if credit.total_gross > creditable:
        raise refuse(
            "amount" if amount is not None else "lines",
            f"{debit} has {debit.currency} {creditable} paid that is not credited yet; "
            f"a credit of {credit.total_gross} is more than that.",
        )
    credit.save()
    for position, line in enumerate(lines):
        line.invoice, line.position = credit, position
    InvoiceLine.objects.bulk_create(lines)
    take_back(debit, credit.total_gross, actor=actor, source=source, credit=credit)
    debit.refresh_from_db()
    debit.amount_credited += credit.total_gross
    debit.follow_payments()
    follow_due(debit)
    debit.save(update_fields=["amount_credited", "next_due_date", "status", "paid_at", "updated_at"])
    invoices_reconcile(order=debit.order, actor=actor, source=source, credit=credit)
    credited = _orders_credited(credit, lines, actor=actor)
    # The credit series' counter last: it is held to the commit, so only the number and its event follow it.
    issue_locked(credit, actor=actor, source=source)
    events.invoice_credited_event(invoice=debit, credit=credit, actor=actor, source=source)
    # The returns app makes the refund of each order (it names the credit's number, so after the issue).
    for order in credited:
        hooks.run_hooks(hooks.HookContext("credit", order, actor=actor, change=credit))
    return credit


def _orders_credited(credit: Invoice, lines: list[InvoiceLine], *, actor) -> list:
    """Tell each order whose lines were credited that its customer owes that much less (a combined family
    invoice credits several orders); returns those orders, in pk order, for the "credit" hooks.

    Every one of them was locked with the debit invoice (`lock_invoice(all_orders=True)`: the root first, then
    the others in pk order), so `order_lock` here waits for nothing; it hands over the locked row and asks the
    "credit" checks."""
    by_order: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        by_order[line.source_order_id] += line.gross
    orders = []
    for order_id in sorted(by_order):
        order = order_lock(order_id, operation="credit", change=credit, actor=actor).order
        order_credit_record(order=order, amount=by_order[order_id])
        orders.append(order)
    return orders
