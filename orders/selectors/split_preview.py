"""What a split would make, before it is made: both orders' totals, computed in memory by the split's own rules.

No lock, no write: the lines are copied and partitioned with `orders.services.split`'s own functions, and the
totals summed with `orders.pricing`, exactly as `order_split` does. A test holds that the preview equals the
committed split.
"""

import copy
from dataclasses import dataclass
from decimal import Decimal

from oms.money import ZERO, allocate

from ..models import Order, OrderLine
from ..pricing import order_totals_from_lines
from ..services.split import COPIED_FIELDS, _moves, _partition


@dataclass(frozen=True)
class SplitPreview:
    kept: Order  # the original after the split (unsaved copy)
    moved: Order  # the new order (unsaved)
    kept_lines: list[OrderLine]
    moved_lines: list[OrderLine]
    paid_moved: Decimal


def split_preview(*, order: Order, lines: list[OrderLine], quantities: dict[int, int]) -> SplitPreview:
    """Raises OrderValidationError for quantities the split would refuse (nothing, everything, too many)."""
    lines = [copy.copy(line) for line in lines]
    moves = _moves(order, lines, quantities)
    kept = copy.copy(order)
    child = Order(**{name: getattr(order, name) for name in COPIED_FIELDS})
    whole, parts = [], []
    for line, quantity in moves:
        if quantity == line.quantity_active:
            whole.append(line)
        else:
            parts.append(_partition(line, quantity, child))
    moved_lines = [*whole, *parts]
    kept_lines = [line for line in lines if line not in whole]
    child.discount_amount = sum((line.order_discount_share for line in moved_lines), ZERO)
    kept.discount_amount -= child.discount_amount
    order_totals_from_lines(kept, kept_lines, reprice_shipping=False)
    order_totals_from_lines(child, moved_lines, reprice_shipping=True)
    paid = allocate(order.amount_paid, [kept.total_gross, child.total_gross])[1] if order.amount_paid else ZERO
    kept.amount_paid, child.amount_paid = order.amount_paid - paid, paid
    return SplitPreview(kept=kept, moved=child, kept_lines=kept_lines, moved_lines=moved_lines, paid_moved=paid)
