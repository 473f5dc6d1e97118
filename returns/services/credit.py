"""What a return can credit: the "suggested refund", and the credit invoice that carries it.

The suggestion is the most that can be credited for the chosen units: each unit's share of its invoice
line's stored gross (the same whole-cent share `invoicing.services.credits` credits), the shipping line if
chosen, leaving out units and shipping already credited, and never more than is paid on the invoice and
not yet credited. It is computed from invoicing's rows, read only; the credit itself goes through
`invoicing.services.credits.invoice_credit`.

An order without an issued invoice: the suggestion reads the order's own stored amounts and what it holds
paid; processing then issues the order's invoice first (through invoicing's services) and credits that,
because a credit invoice always credits an issued invoice. An order with nothing paid gets no credit
invoice: nothing paid, nothing to pay back.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError

from invoicing.models import Invoice, InvoiceLine
from invoicing.services.credits import credited_units, invoice_credit
from invoicing.services.drafts import debit_invoice_of, invoice_create
from invoicing.services.issue import invoice_issue
from oms import bounds
from oms.money import ZERO
from orders.models import Order
from orders.pricing import units_share

from ..exceptions import refuse


@dataclass
class CreditPlan:
    """The suggestion for some units of an order (all amounts gross, in the order's currency)."""

    currency: str
    invoice: Invoice | None  # the order's issued debit invoice; None until it is issued
    quantities: dict[int, int] = field(default_factory=dict)  # debit invoice line id -> units to credit
    lines_amount: Decimal = ZERO
    shipping_amount: Decimal = ZERO
    creditable: Decimal = ZERO  # paid on the invoice (or held by the order) and not credited yet
    capped: bool = False  # the lines and shipping are worth more than is paid

    @property
    def full(self) -> Decimal:
        return self.lines_amount + self.shipping_amount

    @property
    def suggested(self) -> Decimal:
        return min(self.full, self.creditable)

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


def _issued_debit(order: Order) -> Invoice | None:
    invoice = debit_invoice_of(order)
    return invoice if invoice is not None and invoice.status in Invoice.LIVE else None


def _credited_by_amount(order: Order) -> tuple[dict[int, int], bool]:
    """Units (by order line) and shipping that earlier returns credited as an amount (a correction or a cap):
    invoicing counts only credits by units, so these count here, and are not suggested twice."""
    from ..models import Return, ReturnLine

    returns = Return.objects.filter(order=order, status=Return.Status.PROCESSED, credit_invoice__isnull=False).exclude(
        credit_invoice__lines__credited_line__isnull=False
    )
    rows = ReturnLine.objects.filter(return_record__in=returns).values_list("order_line_id", "quantity")
    units: dict[int, int] = {}
    for line_id, quantity in rows:
        units[line_id] = units.get(line_id, 0) + quantity
    return units, returns.filter(refund_shipping=True).exists()


def _from_invoice(order: Order, invoice: Invoice, units: dict[int, int], refund_shipping: bool) -> CreditPlan:
    plan = CreditPlan(order.currency, invoice, creditable=invoice.amount_paid)
    done = credited_units(invoice)
    by_amount, shipping_done = _credited_by_amount(order)
    for line in InvoiceLine.objects.filter(invoice=invoice, source_order=order).order_by("pk"):
        if line.kind == InvoiceLine.Kind.ITEM and units.get(line.order_line_id):
            credited = done[line.pk] + by_amount.get(line.order_line_id, 0)
            take = min(units[line.order_line_id], line.quantity - credited)
            if take > 0:
                plan.quantities[line.pk] = take
                plan.lines_amount += units_share(line.gross, units=take, of=line.quantity)
        elif line.kind == InvoiceLine.Kind.SHIPPING and refund_shipping and not shipping_done and done[line.pk] < 1:
            plan.quantities[line.pk] = line.quantity
            plan.shipping_amount += line.gross
    plan.capped = plan.full > plan.creditable
    return plan


def _from_order(order: Order, units: dict[int, int], refund_shipping: bool) -> CreditPlan:
    """No issued invoice yet: the order's stored amounts, as its invoice will copy them."""
    plan = CreditPlan(order.currency, None, creditable=min(order.amount_paid, order.total_gross))
    for line in order.lines.all():
        if units.get(line.pk):
            plan.lines_amount += units_share(line.gross, units=units[line.pk], of=line.quantity_active)
    if refund_shipping:
        plan.shipping_amount = order.shipping_gross
    plan.capped = plan.full > plan.creditable
    return plan


def suggested_refund(*, order: Order, units: dict[int, int], refund_shipping: bool = False) -> CreditPlan:
    """The most that can be credited for `units` {order line id: units} (read only; see the module doc)."""
    invoice = _issued_debit(order)
    if invoice is not None:
        return _from_invoice(order, invoice, units, refund_shipping)
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


def credit_for_return(*, ret, units: dict[int, int], actor, source: str) -> tuple[Invoice | None, Decimal, Decimal]:
    """Issue the return's credit invoice (called under the return's order lock, in its transaction).

    Returns (credit invoice or None, suggested amount, credited amount). The lines are credited by units
    (their tax exactly as invoiced) when the suggestion stands as it is; a correction or a cap on what was
    paid credits an amount instead, spread over the invoice's tax rates by invoicing.
    """
    order = ret.order
    plan = suggested_refund(order=order, units=units, refund_shipping=ret.refund_shipping)
    amount = plan.final(ret.correction)
    if amount <= 0:
        return None, plan.suggested, ZERO
    if plan.invoice is None:
        _ensure_issued_invoice(order, actor=actor, source=source)
        plan = suggested_refund(order=order, units=units, refund_shipping=ret.refund_shipping)
        amount = plan.final(ret.correction)
        if amount <= 0:
            return None, plan.suggested, ZERO
    reason = f"Return {ret.number}"
    if ret.correction == 0 and not plan.capped and plan.quantities:
        credit = invoice_credit(
            invoice_id=plan.invoice.pk, actor=actor, quantities=plan.quantities, reason=reason, source=source
        )
    else:
        credit = invoice_credit(invoice_id=plan.invoice.pk, actor=actor, amount=amount, reason=reason, source=source)
    return credit, plan.suggested, credit.total_gross
