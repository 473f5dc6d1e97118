"""What a return can credit: the "suggested refund", and the credit invoices that carry it.

The suggestion is the most that can be credited for the chosen units: each unit's share of its invoice
line's stored gross (the same whole-cent share `invoicing.services.credits` credits), the shipping line if
chosen, leaving out units and shipping already credited, and never more than is paid on the invoice and
not yet credited. An order can have several live debit invoices (its own or its family's combined invoice,
and supplementary invoices of dearer exchanges): each returned line is valued on the invoice that invoiced
it, and each invoice is capped by what was paid on it and not credited (`invoice_creditable`), so the
suggestion is the sum over the invoices of min(what its lines are worth, what it may still credit). It is
computed from invoicing's rows, read only; the credits go through `invoicing.services.credits.invoice_credit`,
one credit invoice per debit invoice concerned.

An order without an issued invoice: the suggestion reads the order's own stored amounts and what it holds
paid; processing then issues the order's invoice first (through invoicing's services) and credits that,
because a credit invoice always credits an issued invoice. An order with nothing paid gets no credit
invoice: nothing paid, nothing to pay back.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q

from invoicing.models import Invoice, InvoiceLine
from invoicing.services.credits import credited_units, invoice_credit
from invoicing.services.drafts import debit_invoice_of, invoice_create
from invoicing.services.issue import invoice_issue
from invoicing.services.payments import invoice_creditable
from oms import bounds
from oms.money import ZERO
from orders.models import Order
from orders.pricing import units_share

from ..exceptions import refuse


@dataclass
class InvoiceCredit:
    """What one debit invoice can credit for the chosen units (gross amounts)."""

    invoice: Invoice
    quantities: dict[int, int] = field(default_factory=dict)  # its line id -> units to credit
    lines_amount: Decimal = ZERO
    shipping_amount: Decimal = ZERO
    creditable: Decimal = ZERO  # paid on this invoice and not credited yet

    @property
    def full(self) -> Decimal:
        return self.lines_amount + self.shipping_amount

    @property
    def suggested(self) -> Decimal:
        return min(self.full, self.creditable)

    @property
    def capped(self) -> bool:
        return self.full > self.creditable


@dataclass
class CreditPlan:
    """The suggestion for some units of an order (all amounts gross, in the order's currency): the sum of its
    parts, one per live debit invoice concerned (none until the order is invoiced: then the order's amounts)."""

    currency: str
    parts: list[InvoiceCredit] = field(default_factory=list)
    uninvoiced: InvoiceCredit | None = None  # the order's own amounts when no invoice is issued yet

    def _all(self) -> list[InvoiceCredit]:
        return self.parts or ([self.uninvoiced] if self.uninvoiced else [])

    @property
    def invoice(self) -> Invoice | None:
        """The first debit invoice concerned; None until the order has an issued one."""
        return self.parts[0].invoice if self.parts else None

    @property
    def lines_amount(self) -> Decimal:
        return sum((part.lines_amount for part in self._all()), ZERO)

    @property
    def shipping_amount(self) -> Decimal:
        return sum((part.shipping_amount for part in self._all()), ZERO)

    @property
    def creditable(self) -> Decimal:
        return sum((part.creditable for part in self._all()), ZERO)

    @property
    def full(self) -> Decimal:
        return self.lines_amount + self.shipping_amount

    @property
    def suggested(self) -> Decimal:
        return sum((part.suggested for part in self._all()), ZERO)

    @property
    def capped(self) -> bool:
        return any(part.capped for part in self._all())

    def final(self, correction: Decimal) -> Decimal:
        """The credit with the staff's correction, refused (naming the field) outside 0..creditable."""
        amount = self.suggested + correction
        if amount < 0:
            raise refuse("correction", f"Correction: {correction} would make the credit negative ({amount}).")
        if amount > self.creditable:
            raise refuse(
                "correction",
                f"Correction: a credit of {amount} is more than the {self.currency} {self.creditable} paid "
                "and not credited yet.",
            )
        return amount

    def shares(self, amount: Decimal) -> list[tuple[InvoiceCredit, Decimal]]:
        """`amount` over the invoices: each its own suggestion first, in invoice order (a lowering correction
        comes off the last ones); what a raising correction adds goes to each invoice's room left, in order."""
        left, taken = amount, []
        for part in self.parts:
            take = min(part.suggested, left)
            taken.append(take)
            left -= take
        for index, part in enumerate(self.parts):
            extra = min(part.creditable - taken[index], left)
            taken[index] += extra
            left -= extra
        return list(zip(self.parts, taken, strict=True))


def orders_a_credit_reaches(order: Order) -> set[int]:
    """The orders the credits for a return on `order` change: every order whose money its draft or live debit
    invoices hold (each order of a combined family invoice). The return's lock takes them after the family root
    and before any stock level (`order_lock(family_orders=...)`, asked under the root's lock), so the credits,
    which come after the stock moved, wait for no order."""
    debits = Invoice.objects.filter(Q(order=order) | Q(lines__source_order=order), kind=Invoice.Kind.DEBIT).exclude(
        status=Invoice.Status.CANCELLED
    )
    lines = InvoiceLine.objects.filter(invoice__in=debits.values("pk"), source_order__isnull=False)
    orders = set(lines.values_list("source_order_id", flat=True).distinct())
    return orders | set(debits.values_list("order_id", flat=True))


def _issued_debit(order: Order) -> Invoice | None:
    invoice = debit_invoice_of(order)
    return invoice if invoice is not None and invoice.status in Invoice.LIVE else None


def live_debits(order: Order) -> list[Invoice]:
    """The order's live debit invoices (its own, a combined family one, supplementary ones), oldest first."""
    ids = Invoice.objects.filter(Q(order=order) | Q(lines__source_order=order), kind=Invoice.Kind.DEBIT).values("pk")
    return list(Invoice.objects.filter(pk__in=ids, status__in=Invoice.LIVE).order_by("pk"))


def _credited_by_amount(order: Order, debits: list[Invoice]) -> tuple[dict[int, int], set[int]]:
    """Units (by debit invoice line) and shipping lines that earlier returns credited as an amount (a correction
    or a cap): invoicing counts only credits by units, so these count here, and are not suggested twice. A
    return's amount credit covers its lines that the credited debit invoice holds."""
    from ..models import Return

    by_units = InvoiceLine.objects.filter(invoice=OuterRef("pk"), credited_line__isnull=False)
    amount_credits = Invoice.objects.filter(kind=Invoice.Kind.CREDIT).filter(~Exists(by_units))
    returns = Return.objects.filter(order=order, status=Return.Status.PROCESSED).prefetch_related(
        Prefetch("credit_invoices", queryset=amount_credits, to_attr="amount_credits"), "lines"
    )
    rows = InvoiceLine.objects.filter(invoice__in=debits, source_order=order)
    item_of = {line.order_line_id: line for line in rows if line.kind == InvoiceLine.Kind.ITEM}
    shipping_of = {line.invoice_id: line.pk for line in rows if line.kind == InvoiceLine.Kind.SHIPPING}
    units: dict[int, int] = {}
    shipping: set[int] = set()
    for ret in returns:
        credited = {credit.credit_for_id for credit in ret.amount_credits}
        for line in ret.lines.all():
            row = item_of.get(line.order_line_id)
            if row is not None and row.invoice_id in credited:
                units[row.pk] = units.get(row.pk, 0) + line.quantity
        if ret.refund_shipping:
            shipping |= {shipping_of[pk] for pk in credited if pk in shipping_of}
    return units, shipping


def _from_invoices(order: Order, debits: list[Invoice], units: dict[int, int], refund_shipping: bool) -> CreditPlan:
    by_amount, shipping_done = _credited_by_amount(order, debits)
    parts = {invoice.pk: InvoiceCredit(invoice) for invoice in debits}
    done_on = {invoice.pk: credited_units(invoice) for invoice in debits}  # units credited by units, per line
    for line in InvoiceLine.objects.filter(invoice__in=debits, source_order=order).order_by("invoice_id", "pk"):
        part, done = parts[line.invoice_id], done_on[line.invoice_id]
        if line.kind == InvoiceLine.Kind.ITEM and units.get(line.order_line_id):
            take = min(units[line.order_line_id], line.quantity - done[line.pk] - by_amount.get(line.pk, 0))
            if take > 0:
                part.quantities[line.pk] = take
                part.lines_amount += units_share(line.gross, units=take, of=line.quantity)
        elif line.kind == InvoiceLine.Kind.SHIPPING and refund_shipping and line.pk not in shipping_done and (
                done[line.pk] < 1):  # fmt: skip
            part.quantities[line.pk] = line.quantity
            part.shipping_amount += line.gross
    concerned = [part for part in parts.values() if part.quantities] or [parts[debits[0].pk]]
    for part in concerned:
        part.creditable = invoice_creditable(part.invoice)
    return CreditPlan(order.currency, parts=concerned)


def _from_order(order: Order, units: dict[int, int], refund_shipping: bool) -> CreditPlan:
    """No issued invoice yet: the order's stored amounts, as its invoice will copy them."""
    part = InvoiceCredit(invoice=None, creditable=min(order.amount_paid, order.total_gross))
    for line in order.lines.all():
        if units.get(line.pk):
            part.lines_amount += units_share(line.gross, units=units[line.pk], of=line.quantity_active)
    if refund_shipping:
        part.shipping_amount = order.shipping_gross
    return CreditPlan(order.currency, uninvoiced=part)


def suggested_refund(*, order: Order, units: dict[int, int], refund_shipping: bool = False) -> CreditPlan:
    """The most that can be credited for `units` {order line id: units} (read only; see the module doc)."""
    debits = live_debits(order)
    if debits:
        return _from_invoices(order, debits, units, refund_shipping)
    return _from_order(order, units, refund_shipping)


def parse_correction(value) -> Decimal:
    text = str(value if value is not None else "").strip() or "0"
    negative = text.startswith("-")
    digits = text[1:] if text[:1] in "+-" else text
    try:
        amount = bounds.parse_amount(digits, label="Correction", maximum=bounds.RETURN_CORRECTION_MAX)
    except ValidationError as exc:  # its message names the field
        raise refuse("correction", exc.messages[0]) from None
    return -amount if negative else amount


def _ensure_issued_invoice(order: Order, *, actor, source: str) -> Invoice:
    """The order's issued debit invoice; its draft issued, or one made and issued (invoicing's services)."""
    invoice = debit_invoice_of(order)
    if invoice is None:
        invoice = invoice_create(order_id=order.pk, actor=actor, source=source)
    if invoice.status == Invoice.Status.DRAFT:
        invoice = invoice_issue(invoice_id=invoice.pk, actor=actor, source=source)
    return invoice


def credit_for_return(*, ret, units: dict[int, int], actor, source: str) -> tuple[list[Invoice], Decimal, Decimal]:
    """Issue the return's credit invoices (called under the return's order lock, in its transaction): one per
    debit invoice concerned, each within what was paid on it.

    Returns (credit invoices, suggested amount, credited amount). An invoice's lines are credited by units
    (their tax exactly as invoiced) when its part of the suggestion stands as it is; a correction or a cap on
    what was paid credits an amount instead, spread over that invoice's tax rates by invoicing.
    """
    order = ret.order
    plan = suggested_refund(order=order, units=units, refund_shipping=ret.refund_shipping)
    amount = plan.final(ret.correction)
    if amount <= 0:
        return [], plan.suggested, ZERO
    if plan.invoice is None:
        _ensure_issued_invoice(order, actor=actor, source=source)
        plan = suggested_refund(order=order, units=units, refund_shipping=ret.refund_shipping)
        amount = plan.final(ret.correction)
        if amount <= 0:
            return [], plan.suggested, ZERO
    reason = f"Return {ret.number}"
    credits = []
    for part, share in plan.shares(amount):
        if share <= 0:
            continue
        if share == part.full and part.quantities and not part.capped:
            credits.append(invoice_credit(
                invoice_id=part.invoice.pk, actor=actor, quantities=part.quantities, reason=reason, source=source
            ))  # fmt: skip
        else:
            credits.append(
                invoice_credit(invoice_id=part.invoice.pk, actor=actor, amount=share, reason=reason, source=source)
            )
    return credits, plan.suggested, sum((credit.total_gross for credit in credits), ZERO)
