"""Adding a product line to a placed order under the caller's order lock, with an optional allowance.

For the operations of the apps above orders that give the customer another product on the same order
(an exchange of returned units: the replacement is reserved and shipped like any open line). Unlike an
edit, this is allowed on a shipped or invoiced order: the caller's own guards decide (it locks with its
own operation), and the order's existing lines, prices and invoices never change.

Money: the new line comes at the catalogue price (orders/pricing.py rule 4: no share of the order
discount) less an `allowance` in gross, the value the customer already paid for what they give back. The
allowance becomes the line's discount, in the line's price basis, so the line's gross is the catalogue
gross less at most the allowance (never below zero), and the order's total grows by exactly what the
customer owes on top. Which part of the allowance was used is returned, so the caller can credit the rest.
"""

from dataclasses import dataclass
from decimal import Decimal

from catalog.models import Product
from oms import bounds
from oms.money import CENT, HUNDRED, ZERO, quantize

from ..exceptions import OrderValidationError
from ..models import OrderLine
from ..pricing import REPRICED_FIELDS, order_reprice, price_line
from .allocation import allocation_sync
from .locks import Locked
from .placement import line_fill_from_product
from .rows import rows_create
from .split import family_expected_adjust, family_total_check
from .status import order_statuses_refresh


@dataclass(frozen=True)
class LineAdded:
    line: OrderLine
    full_gross: Decimal  # the units at the catalogue price, before the allowance
    allowance_used: Decimal  # full_gross − line.gross: never more than the allowance offered
    reserved: list[dict]


def _discount_for(line: OrderLine, allowance: Decimal, includes_tax: bool) -> Decimal:
    """The line discount (price basis) that takes at most `allowance` off the line's gross.

    With net prices the gross is net + tax rounded once, so a discount of allowance / (1 + rate) can take
    a cent more off the gross than offered; it is lowered a cent at a time until it does not."""
    base = quantize(line.unit_price * line.quantity)
    if allowance <= 0:
        return ZERO
    if includes_tax:
        return min(quantize(allowance), base)
    discount = min(quantize(allowance * HUNDRED / (HUNDRED + line.tax_rate)), base)
    line.discount_amount = ZERO
    price_line(line, includes_tax=False)
    full = line.gross
    while discount > 0:
        line.discount_amount = discount
        price_line(line, includes_tax=False)
        if full - line.gross <= allowance:
            break
        discount -= CENT
    return max(discount, ZERO)


def order_line_add_locked(
    *, locked: Locked, product_id: int, quantity: int, allowance: Decimal = ZERO, actor=None
) -> LineAdded:
    """Add `quantity` of a product as a new line of the locked order and reserve it.

    The caller holds `order_lock(order_id, operation=..., extra_product_ids=[product_id])` (the product's
    levels must be locked) and records its own events. Refuses (OrderValidationError, StockUnavailable)
    before anything is written: an inactive product, a quantity or allowance outside the bounds, no stock.
    Writes the line (with history), its allocations and ledger movements, and the order's totals and
    payment/fulfilment statuses (a fully shipped order is partially shipped again).
    """
    order = locked.order
    if not isinstance(quantity, int) or not 1 <= quantity <= bounds.QUANTITY_MAX:
        raise OrderValidationError(f"Quantity: 1 to {bounds.QUANTITY_MAX} units.", details={"field": "quantity"})
    if not allowance.is_finite() or not ZERO <= allowance <= bounds.ORDER_TOTAL_MAX:
        raise OrderValidationError("Allowance: not a usable amount.", details={"field": "allowance"})
    product = Product.objects.select_related("tax_rate").filter(pk=product_id, active=True).first()
    if product is None:
        raise OrderValidationError(
            f"Product {product_id} does not exist or is not for sale.", details={"field": "product"}
        )
    lines = list(order.lines.order_by("position", "pk"))
    line = OrderLine(order=order, product=product, quantity=quantity, unit_price=None, tax_rate=None)
    line_fill_from_product(line)
    line.position = max((existing.position for existing in lines), default=0) + 1
    line.discount_amount = _discount_for(line, allowance, order.prices_include_tax)
    full_gross = _full_gross(line, order.prices_include_tax)
    old_total = order.total_gross
    order_reprice(order, [*lines, line], changed=[line])
    family_total_check(root=locked.root, delta=order.total_gross - old_total)
    rows_create(OrderLine, [line], actor=actor)
    reserved, _ = allocation_sync(order=order, lines=[line], locked=locked, actor=actor, new_lines=True)
    changed = order_statuses_refresh(order, [*lines, line])
    order._change_reason = f"Line added: {quantity} × {line.sku}"
    order.save(update_fields=[*REPRICED_FIELDS, *changed, "updated_at"])
    family_expected_adjust(order=order, delta=order.total_gross - old_total)
    return LineAdded(line=line, full_gross=full_gross, allowance_used=full_gross - line.gross, reserved=reserved)


def _full_gross(line: OrderLine, includes_tax: bool) -> Decimal:
    """The line's gross without its discount (priced on a copy of the amounts, the line left as it was)."""
    discount = line.discount_amount
    line.discount_amount = ZERO
    price_line(line, includes_tax=includes_tax)
    full = line.gross
    line.discount_amount = discount
    return full
