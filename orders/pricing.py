"""Pure money computation of an order: no queries, no saves.

Rules (DESIGN.md): each line is rounded once (half-up); totals are sums of rounded lines. The order
discount is shared over the lines in proportion to their value after line discounts, in cents, so
that the shares add up exactly; shipping is priced as one more line at the shipping tax rate.
"""

from collections.abc import Sequence
from decimal import Decimal

from oms.money import ZERO, allocate, quantize, tax_split

from .exceptions import OrderValidationError


def line_base(line) -> Decimal:
    """The line's value before the order discount: active quantity × price − line discount."""
    return quantize(line.unit_price * line.quantity_active - line.discount_amount)


def line_discount_follow(line, new_active_quantity: int) -> None:
    """Before a line loses active units (cancelled, edited down, removed), shrink its line discount pro
    rata, so that a discount given on four units is not charged against the one that is left."""
    active = line.quantity_active
    if 0 <= new_active_quantity < active:
        line.discount_amount -= quantize(line.discount_amount * (active - new_active_quantity) / active)


def price_line(line, *, includes_tax: bool) -> None:
    amount = line_base(line) - line.order_discount_share
    line.net, line.tax, line.gross = tax_split(amount=amount, rate=line.tax_rate, includes_tax=includes_tax)


def validate_amounts(order, lines: Sequence) -> None:
    for line in lines:
        if line.discount_amount > quantize(line.unit_price * line.quantity_active):
            raise OrderValidationError(
                f"Line '{line.name}': the discount {line.discount_amount} is more than the line's value."
            )
    value = sum((line_base(line) for line in lines), ZERO)
    if order.discount_amount > value:
        raise OrderValidationError(f"The order discount {order.discount_amount} is more than the goods' value {value}.")


def order_price(order, lines: Sequence) -> None:
    """Set every line's amounts and the order's totals in memory (the caller saves them)."""
    validate_amounts(order, lines)
    shares = allocate(order.discount_amount, [max(line_base(line), ZERO) for line in lines])
    for line, share in zip(lines, shares, strict=True):
        line.order_discount_share = share
        price_line(line, includes_tax=order.prices_include_tax)
    order_totals_from_lines(order, lines, reprice_shipping=True)


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
