"""Exchanges: a return line's units swapped for another product (or size) on the same order, not for money.

What staff type on a return line: "exchange for product X, quantity N" (`ExchangeInput`). The draft keeps it
as a `ReturnExchange`; processing the return (returns.services.returns) calls `exchanges_apply_locked`
under the return's order lock, which locked the replacement products' stock levels too
(`exchange_product_ids`: the lock takes them with the order's own, one query, pk order).

Money, per exchange (all gross, in the order's currency):
- returned value R: what the returned units were worth, each unit's whole-cent share of its invoice line
  (or, before invoicing, of the order line), exactly as a credit by units would credit them;
- the replacement is a new order line at the catalogue price P less an allowance of R, as a line discount
  (orders.services.line_add): its gross is max(P − R, 0), give or take a cent of tax rounding with net
  prices, and the order's total grows by exactly that ("owed");
- dearer (P > R): the order was invoiced already, so the replacement line is billed on a supplementary
  debit invoice (invoicing.services.supplements) for the difference, paid from the order's money like
  any invoice; not invoiced yet, the line is on the order's invoice when it is made;
- cheaper (P < R): the rest of the allowance, R − (P − 0), is credited as an amount on the order's debit
  invoice (a credit invoice "Exchange …"), never more than is paid on it and not credited yet.
So R = allowance used + credited (+ what could not be credited because nothing was paid), and the
customer pays P − R on top or gets R − P back: only the difference moves. The returned units themselves
are not credited by the return's own credit invoice (the return leaves exchanged lines out of it).
"""

from dataclasses import dataclass
from decimal import Decimal

from catalog.models import Product
from invoicing.models import Invoice, InvoiceLine
from invoicing.services.credits import invoice_credit
from invoicing.services.payments import invoice_creditable
from invoicing.services.supplements import invoice_supplement_locked
from oms import bounds
from oms.money import ZERO
from orders.models import OrderEvent, OrderLine
from orders.pricing import price_line, units_share
from orders.services.line_add import order_line_add_locked

from .. import events
from ..exceptions import refuse
from ..models import ReturnExchange, ReturnLine
from .credit import _ensure_issued_invoice, _issued_debit

Source = OrderEvent.Source


@dataclass(frozen=True)
class ExchangeInput:
    """As typed on a return line: the replacement product and its units (both empty: no exchange)."""

    product_id: object = None
    quantity: object = None

    @property
    def wanted(self) -> bool:
        return str(self.product_id or "").strip() != ""


@dataclass(frozen=True)
class ExchangeQuote:
    """What an exchange would move (read only; the processing computes the same from the same rows)."""

    returned_value: Decimal
    replacement_value: Decimal

    @property
    def owed(self) -> Decimal:
        return max(self.replacement_value - self.returned_value, ZERO)

    @property
    def credited(self) -> Decimal:
        return max(self.returned_value - self.replacement_value, ZERO)


def exchange_parse(data: ExchangeInput, *, line_name: str) -> tuple[Product, int]:
    """The replacement product (active) and units, refused naming the "exchange" field."""
    raw = str(data.product_id).strip()
    product = None
    if raw.isdigit() and len(raw) < 10:
        product = Product.objects.select_related("tax_rate").filter(pk=int(raw), active=True).first()
    if product is None:
        raise refuse("exchange", f"Exchange for {line_name[:40]}: '{raw[:20]}' is not a product for sale.")
    try:
        quantity = bounds.parse_quantity(
            "1" if data.quantity in (None, "") else data.quantity, label=f"Exchange units for {line_name[:40]}",
            minimum=1, maximum=bounds.QUANTITY_MAX,
        )  # fmt: skip
    except Exception as exc:  # a ValidationError whose message names the field
        messages = getattr(exc, "messages", [str(exc)])
        raise refuse("exchange", messages[0]) from None
    return product, quantity


def _invoiced_on(order_line: OrderLine) -> InvoiceLine | None:
    """The line's row on the live debit invoice that invoiced it (the order's own, a family's, a supplement)."""
    return (
        InvoiceLine.objects.filter(order_line=order_line, kind=InvoiceLine.Kind.ITEM, invoice__kind=Invoice.Kind.DEBIT,
                                   invoice__status__in=Invoice.LIVE)
        .select_related("invoice").order_by("pk").first()
    )  # fmt: skip


def returned_value(order_line: OrderLine, units: int) -> Decimal:
    """What `units` of the line were worth: their share of the invoice line that invoiced them, else of the
    order line."""
    row = _invoiced_on(order_line)
    if row is not None:
        return units_share(row.gross, units=units, of=row.quantity)
    return units_share(order_line.gross, units=units, of=order_line.quantity_active)


def replacement_value(product: Product, quantity: int, *, includes_tax: bool) -> Decimal:
    """The replacement units at the catalogue price, priced by the order core's rule (no allowance)."""
    line = OrderLine(product=product, quantity=quantity, unit_price=product.unit_price, tax_rate=product.tax_rate.rate)
    price_line(line, includes_tax=includes_tax)
    return line.gross


def exchange_quote(*, order_line: OrderLine, units: int, product: Product, quantity: int) -> ExchangeQuote:
    order = order_line.order
    return ExchangeQuote(
        returned_value=returned_value(order_line, units),
        replacement_value=replacement_value(product, quantity, includes_tax=order.prices_include_tax),
    )


def exchange_product_ids(return_id: int | None = None, *, inputs=()) -> list[int]:
    """Replacement products a return's lock must include (its saved exchanges, or the typed ones)."""
    ids = [int(str(i.product_id)) for i in inputs if i.wanted and str(i.product_id).strip().isdigit()]
    if return_id:
        ids += ReturnExchange.objects.filter(return_line__return_record_id=return_id).values_list(
            "product_id", flat=True
        )
    return sorted(set(ids))


def exchanges_apply_locked(*, ret, locked, actor, source: str = Source.ADMIN) -> list[ReturnExchange]:
    """Add and reserve each exchange's replacement, then bill or credit the difference (see the module doc).

    The caller (the return's processing) holds `order_lock(operation="return")` with the replacement products'
    levels. Raises StockUnavailable or OrderValidationError, rolling the whole processing back.
    """
    exchanges = list(
        ReturnExchange.objects.filter(return_line__return_record=ret)
        .select_related("return_line__order_line", "product")
        .order_by("pk")
    )
    if not exchanges:
        return []
    order = locked.order
    invoice = _issued_debit(order)
    for exchange in exchanges:
        line = exchange.return_line
        value = returned_value(line.order_line, line.quantity)
        added = order_line_add_locked(
            locked=locked, product_id=exchange.product_id, quantity=exchange.quantity, allowance=value, actor=actor
        )
        exchange.replacement_line = added.line
        exchange.returned_value, exchange.replacement_value = value, added.full_gross
        exchange.allowance_used, exchange.owed = added.allowance_used, added.line.gross
    _bill_difference(ret, exchanges, invoice, actor=actor, source=source)
    _credit_rest(ret, exchanges, invoice, actor=actor, source=source)
    ReturnExchange.objects.bulk_update(
        exchanges,
        ["replacement_line", "returned_value", "replacement_value", "allowance_used", "owed", "credited",
         "debit_invoice", "credit_invoice"],
    )  # fmt: skip
    events.return_exchanged_event(ret=ret, exchanges=exchanges, actor=actor, source=source)
    return exchanges


def _bill_difference(ret, exchanges: list[ReturnExchange], invoice: Invoice | None, *, actor, source: str) -> None:
    """Dearer replacements on an invoiced order: one supplementary invoice for their lines."""
    owing = [exchange for exchange in exchanges if exchange.owed > 0]
    if invoice is None or not owing:
        return  # not invoiced yet: the replacement lines are on the order's invoice when it is made
    supplement = invoice_supplement_locked(
        order=ret.order, lines=[exchange.replacement_line for exchange in owing], actor=actor,
        note=f"Exchange {ret.number}: the difference for the replacement", source=source,
    )  # fmt: skip
    for exchange in owing:
        exchange.debit_invoice = supplement


def _credit_rest(ret, exchanges: list[ReturnExchange], invoice: Invoice | None, *, actor, source: str) -> None:
    """Cheaper replacements: the unused allowance credited as an amount on the debit invoice that invoiced the
    returned line (one credit per invoice), within what was paid on it and not credited."""
    rest = {exchange.pk: exchange.returned_value - exchange.allowance_used for exchange in exchanges}
    if sum(rest.values(), ZERO) <= 0 or not ret.create_credit:
        return  # staff left the credit invoice out (the box on the return): the event says what was not credited
    if invoice is None and ret.order.amount_paid > 0:
        invoice = _ensure_issued_invoice(ret.order, actor=actor, source=source)
    if invoice is None:
        return  # nothing paid, nothing invoiced: nothing to give back (the event says so)
    by_invoice: dict[int, list[ReturnExchange]] = {}
    for exchange in exchanges:
        if rest[exchange.pk] > 0:
            row = _invoiced_on(exchange.return_line.order_line)
            by_invoice.setdefault(row.invoice_id if row is not None else invoice.pk, []).append(exchange)
    for invoice_id, group in sorted(by_invoice.items()):
        _credit_group(ret, group, rest, Invoice.objects.get(pk=invoice_id), actor=actor, source=source)


def _credit_group(ret, group: list[ReturnExchange], rest: dict, invoice: Invoice, *, actor, source: str) -> None:
    amount = min(sum((rest[exchange.pk] for exchange in group), ZERO), invoice_creditable(invoice))
    if amount <= 0:
        return
    credit = invoice_credit(
        invoice_id=invoice.pk, actor=actor, amount=amount, reason=f"Exchange {ret.number}: difference", source=source
    )
    ret.order.refresh_from_db(fields=["amount_credited"])  # invoicing recorded the credit on a fresh instance
    for exchange in group:  # the credit's amount shared over the exchanges in order, each up to its rest
        part = min(rest[exchange.pk], amount)
        if part > 0:
            exchange.credited, exchange.credit_invoice = part, credit
            amount -= part


def exchanges_create(made: list[ReturnLine]) -> list[ReturnExchange]:
    """Save the exchanges typed on the (saved) return lines (`line.exchange_input`); refused naming "exchange"
    for a product not for sale or units out of bounds (the caller's transaction rolls the return back)."""
    rows = []
    for line in made:
        data = getattr(line, "exchange_input", None)
        if data is None or not data.wanted:
            continue
        product, quantity = exchange_parse(data, line_name=line.order_line.name)
        rows.append(ReturnExchange(return_line=line, product=product, quantity=quantity))
    return ReturnExchange.objects.bulk_create(rows)


def exchange_line_ids(made: list[ReturnLine]) -> set[int]:
    """Ids of the return lines that are exchanges (the return's own credit leaves them out)."""
    ids = [line.pk for line in made]
    return set(ReturnExchange.objects.filter(return_line_id__in=ids).values_list("return_line_id", flat=True))


def product_ref_for_sku(sku) -> str:
    """What staff type (a SKU) as the product id the services take; an unknown SKU passes through as typed,
    so the service's refusal names it."""
    text = str(sku or "").strip()
    if not text:
        return ""
    found = Product.objects.filter(sku=text[:64], active=True).values_list("pk", flat=True).first()
    return str(found) if found else text


@dataclass(frozen=True)
class ExchangeRow:
    """One exchange as the return form shows it before anything is created."""

    line: OrderLine
    units: int
    product: Product
    quantity: int
    quote: ExchangeQuote


def exchange_preview(*, line: OrderLine, units: int, data: ExchangeInput) -> ExchangeRow:
    """The quote for an exchange typed on the return form (read only); refused naming "exchange"."""
    product, quantity = exchange_parse(data, line_name=line.name)
    return ExchangeRow(line, units, product, quantity,
                       exchange_quote(order_line=line, units=units, product=product, quantity=quantity))  # fmt: skip
