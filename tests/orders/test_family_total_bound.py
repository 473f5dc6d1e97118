"""A split family's total is bounded like one order's (oms.bounds.FAMILY_TOTAL_MAX).

Each member's total is held to ORDER_TOTAL_MAX by pricing, but edits after a split raise members one by one:
without a bound on the family the root's expected family total (and the invariant rule's sum of the family)
would outgrow the money column. An edit that would pass the bound is refused naming the total, in the commit
and in the preview, and changes nothing.
"""

from decimal import Decimal

import pytest

from oms.bounds import FAMILY_TOTAL_MAX, UNIT_PRICE_MAX
from oms.invariants import run_all
from orders.exceptions import OrderValidationError
from orders.models import Order, SplitReason
from orders.services.edit import CustomItem, EditChanges, order_edit_commit, order_edit_preview
from orders.services.split import order_split
from tests.factories import stock
from tests.snapshots import rows_snapshot

pytestmark = pytest.mark.django_db


def _custom(units: int) -> EditChanges:
    """Custom items at the largest unit price (no stock needed): `units` × 1,000,000.00."""
    return EditChanges(custom_items=[CustomItem("Machine", UNIT_PRICE_MAX, Decimal("21"), units)])


def _edit(order: Order, changes: EditChanges) -> Order:
    order.refresh_from_db()
    return order_edit_commit(order_id=order.pk, changes=changes, base_version=order.version)


def _family_total(root: Order) -> Decimal:
    return sum(o.total_gross for o in Order.objects.filter(pk=root.pk) | Order.objects.filter(root=root))


@pytest.fixture
def family(place_order, product, location, tax_rate):
    """A root and its split-off child whose family is 900 million plus the two mugs: 100 million short."""
    stock(product, location, 10)
    root = place_order([(product, 2)])
    child = order_split(order_id=root.pk, quantities={root.lines.get().pk: 1}, reason=SplitReason.OTHER)
    for _ in range(9):  # a line is at most 100 million (LINE_TOTAL_MAX): nine lines of 100 units
        _edit(child, _custom(100))
    root.refresh_from_db()
    assert root.family_expected_total == _family_total(root) == Decimal("900000000.00") + 2 * product.unit_price
    return root, child


def test_an_edit_that_takes_the_family_past_the_bound_is_refused_naming_the_total_and_changes_nothing(family):
    # given: the root alone stays far below one order's bound; the family would pass FAMILY_TOTAL_MAX
    root, _ = family
    before = rows_snapshot()
    # when
    with pytest.raises(OrderValidationError) as refused:
        _edit(root, _custom(100))
    # then
    assert refused.value.details == {"field": "total"}
    assert refused.value.message.startswith("Order total: ") and str(FAMILY_TOTAL_MAX) in refused.value.message
    assert rows_snapshot() == before
    root.refresh_from_db()
    assert root.family_expected_total == _family_total(root) <= FAMILY_TOTAL_MAX


def test_the_preview_shows_the_same_refusal_before_anything_is_committed(family):
    # given
    root, child = family
    # when: previewing the edit on the root, and on the child (whose root is read for the bound) one that keeps the
    # child within one order's bound (999,999,992.50) but takes the family 5.00 past the family's
    near = EditChanges(custom_items=[CustomItem("Machine", Decimal("999999.80"), Decimal("21"), 100)])
    previews = [order_edit_preview(order_id=root.pk, changes=_custom(100)),
                order_edit_preview(order_id=child.pk, changes=near)]  # fmt: skip
    # then
    assert [type(p.error) for p in previews] == [OrderValidationError, OrderValidationError]
    assert all(p.error.details == {"field": "total"} for p in previews)


def test_an_edit_up_to_the_bound_is_committed_and_the_family_rule_holds(family):
    # given
    root, child = family
    headroom = FAMILY_TOTAL_MAX - _family_total(root)
    units = int(headroom // UNIT_PRICE_MAX)  # 99 of the 100 million left
    # when
    _edit(child, _custom(units))
    # then
    root.refresh_from_db()
    assert root.family_expected_total == _family_total(root) <= FAMILY_TOTAL_MAX
    assert FAMILY_TOTAL_MAX - root.family_expected_total < UNIT_PRICE_MAX
    assert [(rule.name, found) for rule, found in run_all() if found] == []
    # and one more unit is refused
    with pytest.raises(OrderValidationError):
        _edit(child, _custom(1))
