"""Pure money computation of an order: no queries, no saves.

The money rules, written once (DESIGN.md "Domain"); every path that prices or reduces an order goes
through the functions below.

Pricing (draft, placement). Each line is rounded once (half-up); totals are sums of rounded lines.
The order discount is shared over the lines in proportion to their value after line discounts, in
cents, so that the shares add up exactly (`order_price`); shipping is priced as one more line at the
shipping tax rate. Once an order is placed its prices are frozen: nothing below shares the order
discount again.

Reductions (line cancel, edit down or away, whole-order cancel, split off):
1. Discounts follow the units. A line that loses `r` of its `a` active units gives up
   `units_share(amount, units=r, of=a)` (pro rata, whole cents, half-up) of its line discount and of its
   share of the order discount (`line_reduce`). The order's `discount_amount` is always the sum of
   its lines' shares (`order_reprice`), so the order discount shrinks by exactly what the units took.
   Example: A 50 + B 50 with a 20 order discount carries 10 on each line; cancelling B leaves 40.00
   (plus shipping), not 30.00. A 50 + C 5 with a 10 discount carries 9.09 / 0.91; cancelling A leaves
   C at 4.09.
2. The units that stay are never re-priced. Only a line whose quantity changed is priced again, from
   its own fields (price × active units − its line discount − its order-discount share); every other
   line keeps its stored net, tax and gross to the cent.
3. A split partitions, it does not price. The moved units take `units_share` of the line's stored net,
   gross, line discount and order-discount share; the line keeps the rest (tax = gross − net on both).
   The parts add up to the cent, and the new order is never re-priced afterwards: a later edit prices
   only its own touched lines again, by rule 2.
4. Units added by an edit (a new line, or more units of a line) come at full price: they get no part
   of the order discount, and a line's discount stays the amount it was. The discount that remains
   stays on the lines that carry it.
5. An order with no active unit left is cancelled and owes no shipping: its fee goes to 0, so an order
   with nothing shipped totals 0.00. An edit that would leave no unit anywhere is refused (staff use
   "Cancel order", which cancels every unit by these same rules).
6. Money held by an order that no longer needs it (paid more than the reduced or zero total) is owed
   back: the payment status is "refund due" with the amount `Order.refund_due` (amount_paid −
   total_gross), until a refund settles it (services/status.py).
"""

from collections.abc import Sequence
from decimal import Decimal

from oms import bounds
from oms.money import ZERO, allocate, quantize, tax_split

from .exceptions import OrderValidationError


def units_share(amount: Decimal, *, units: int, of: int) -> Decimal:
    """The part of `amount` that `units` of `of` units carry, in whole cents (half-up).

    All units carry the whole amount, none carry nothing; the rest left behind is never negative for a
    non-negative amount, so taking units one reduction after another can never overdraw a line.
    """
    if units <= 0 or of <= 0:
        return ZERO
    if units >= of:
        return amount
    return quantize(amount * units / of)


def line_base(line) -> Decimal:
    """The line's value before the order discount: active quantity × price − line discount."""
    return quantize(line.unit_price * line.quantity_active - line.discount_amount)


def line_reduce(line, new_active_quantity: int) -> Decimal:
    """Before a line loses active units (cancelled, edited down, removed): its line discount and its share
    of the order discount shrink pro rata (rule 1). Returns the part of the order discount that left."""
    active = line.quantity_active
    removed = active - new_active_quantity
    if new_active_quantity < 0 or removed <= 0:
        return ZERO
    line.discount_amount -= units_share(line.discount_amount, units=removed, of=active)
    taken = units_share(line.order_discount_share, units=removed, of=active)
    line.order_discount_share -= taken
    return taken


def price_line(line, *, includes_tax: bool) -> None:
    amount = line_base(line) - line.order_discount_share
    line.net, line.tax, line.gross = tax_split(amount=amount, rate=line.tax_rate, includes_tax=includes_tax)


def _over(label: str, value, maximum) -> OrderValidationError:
    return OrderValidationError(f"{label}: {value} is more than the most allowed, {maximum}.")


def validate_bounds(order, lines: Sequence) -> None:
    """Every typed number within oms.bounds, and the order's value within ORDER_TOTAL_MAX, before pricing.

    The admin forms and the API check each field already; this is the services' own check (an edit or a
    script gets here without a form) and the one place that sees the whole order.
    """
    if not ZERO <= order.shipping_fee <= bounds.SHIPPING_FEE_MAX:
        raise _over("Shipping fee", order.shipping_fee, bounds.SHIPPING_FEE_MAX)
    if not ZERO <= order.discount_amount <= bounds.ORDER_TOTAL_MAX:
        raise _over("Order discount", order.discount_amount, bounds.ORDER_TOTAL_MAX)
    for line in lines:
        if not 1 <= line.quantity <= bounds.QUANTITY_MAX:
            raise OrderValidationError(f"Line '{line.name}': the quantity must be 1 to {bounds.QUANTITY_MAX}.")
        if not ZERO <= line.unit_price <= bounds.UNIT_PRICE_MAX:
            raise _over(f"Line '{line.name}': unit price", line.unit_price, bounds.UNIT_PRICE_MAX)
        if line.tax_rate is not None and not ZERO <= line.tax_rate <= bounds.TAX_RATE_MAX:
            raise _over(f"Line '{line.name}': tax rate", line.tax_rate, bounds.TAX_RATE_MAX)
        value = line.unit_price * line.quantity_active
        if value > bounds.LINE_TOTAL_MAX:
            raise _over(f"Line '{line.name}': line total", quantize(value), bounds.LINE_TOTAL_MAX)
    value = sum((line.unit_price * line.quantity_active for line in lines), ZERO) + order.shipping_fee
    if value > bounds.ORDER_TOTAL_MAX:
        raise _over("Order total", quantize(value), bounds.ORDER_TOTAL_MAX)


def validate_totals(order, lines: Sequence) -> None:
    """After pricing: tax added on top of net prices must not take a line or the order past its bound."""
    for line in lines:
        if line.gross > bounds.LINE_TOTAL_MAX:
            raise _over(f"Line '{line.name}': line total", line.gross, bounds.LINE_TOTAL_MAX)
    if order.total_gross > bounds.ORDER_TOTAL_MAX:
        raise _over("Order total", order.total_gross, bounds.ORDER_TOTAL_MAX)


def validate_amounts(order, lines: Sequence) -> None:
    validate_bounds(order, lines)
    for line in lines:
        if line.discount_amount > quantize(line.unit_price * line.quantity_active):
            raise OrderValidationError(
                f"Line '{line.name}': the discount {line.discount_amount} is more than the line's value."
            )
    value = sum((line_base(line) for line in lines), ZERO)
    if order.discount_amount > value:
        raise OrderValidationError(f"The order discount {order.discount_amount} is more than the goods' value {value}.")


def order_price(order, lines: Sequence) -> None:
    """Price a draft (or an order being placed): share the order discount over every line and set every
    line's amounts and the order's totals in memory (the caller saves them). Never for placed orders."""
    validate_amounts(order, lines)
    shares = allocate(order.discount_amount, [max(line_base(line), ZERO) for line in lines])
    for line, share in zip(lines, shares, strict=True):
        line.order_discount_share = share
        price_line(line, includes_tax=order.prices_include_tax)
    order_totals_from_lines(order, lines, reprice_shipping=True)
    validate_totals(order, lines)


def order_reprice(order, lines: Sequence, *, changed: Sequence) -> None:
    """After a reduction or an edit of a placed order: price only the `changed` lines again (rule 2),
    take the order discount as the sum of the shares the lines still carry (rule 1), drop the shipping fee
    when no active unit is left (rule 5), and set the totals. Every line of the order is in `lines`."""
    validate_bounds(order, changed)
    for line in changed:
        if line.discount_amount > quantize(line.unit_price * line.quantity_active):
            raise OrderValidationError(f"Line '{line.name}': the discount is more than the line's value.")
        price_line(line, includes_tax=order.prices_include_tax)
        if line.gross < 0:
            raise OrderValidationError(f"Line '{line.name}': its discounts are more than its value.")
    if not order_has_active_units(lines):
        order.shipping_fee = ZERO
    order.discount_amount = sum((line.order_discount_share for line in lines), ZERO)
    order_totals_from_lines(order, lines, reprice_shipping=True)
    validate_totals(order, lines)


def order_has_active_units(lines: Sequence) -> bool:
    return any(line.quantity_active > 0 for line in lines)


def line_partition(line, moved: int) -> dict[str, Decimal]:
    """Split off `moved` of a line's active units (rule 3): returns the moved units' part of each stored
    amount and leaves the rest on `line` (in memory); tax is gross − net on both sides."""
    active = line.quantity_active
    parts = {name: units_share(getattr(line, name), units=moved, of=active) for name in PARTITIONED}
    for name, part in parts.items():
        setattr(line, name, getattr(line, name) - part)
    line.tax = line.gross - line.net
    return parts


def order_totals_from_lines(order, lines: Sequence, *, reprice_shipping: bool) -> None:
    """Totals as sums of the stored, rounded lines (used after a split partitions line amounts)."""
    if reprice_shipping:
        order.shipping_net, order.shipping_tax, order.shipping_gross = tax_split(
            amount=order.shipping_fee, rate=order.shipping_tax_rate, includes_tax=order.prices_include_tax
        )
    order.lines_gross = sum((line.gross for line in lines), ZERO)
    order.discount_total = sum((line.discount_amount + line.order_discount_share for line in lines), ZERO)
    order.total_net = sum((line.net for line in lines), ZERO) + order.shipping_net
    order.total_tax = sum((line.tax for line in lines), ZERO) + order.shipping_tax
    order.total_gross = order.lines_gross + order.shipping_gross


PARTITIONED = ("net", "gross", "discount_amount", "order_discount_share")
TOTAL_FIELDS = [
    "shipping_net",
    "shipping_tax",
    "shipping_gross",
    "lines_gross",
    "discount_total",
    "total_net",
    "total_tax",
    "total_gross",
]
LINE_AMOUNT_FIELDS = ["order_discount_share", "net", "tax", "gross"]
REPRICED_FIELDS = [*TOTAL_FIELDS, "discount_amount", "shipping_fee"]  # what `order_reprice` may change
