"""Automatic allocation by the shop's rules, on constructed stock situations of two or three locations.

Main warehouse (priority 10) comes before the city store (priority 20) and the outlet (priority 30); a shop
counter (priority 1) is excluded from automatic allocation.
"""

from decimal import Decimal

import pytest

from catalog.models import StockLevel
from orders.exceptions import StockUnavailable
from orders.models import Allocation
from orders.services.edit import EditChanges, order_edit_commit
from orders.services.placement import order_place
from tests.factories import ProductFactory, StockLocationFactory, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def cup(tax_rate):
    return ProductFactory(sku="CUP-1", name="Cup", unit_price=Decimal("4.00"), tax_rate=tax_rate)


@pytest.fixture
def outlet(db):
    return StockLocationFactory(code="outlet", name="Outlet", priority=30)


@pytest.fixture
def counter(db):
    return StockLocationFactory(code="counter", name="Shop counter", priority=1, allocate_automatically=False)


def held(order) -> dict[tuple[str, str], int]:
    rows = Allocation.objects.filter(line__order=order).values_list("line__sku", "location__code", "quantity")
    return {(sku, code): quantity for sku, code, quantity in rows}


def test_only_a_lower_priority_location_has_the_whole_order_so_it_gets_all_of_it(
    place_order, product, cup, location, second_location
):
    # given: main has mugs but no cups, the store has both
    stock(product, location, 10)
    stock(product, second_location, 5)
    stock(cup, second_location, 5)
    # when
    order = place_order([(product, 2), (cup, 3)])
    # then: one location ships the whole order
    assert held(order) == {("MUG-1", "store"): 2, ("CUP-1", "store"): 3}


def test_by_priority_the_same_order_takes_each_line_from_the_best_location(
    place_order, product, cup, location, second_location, allocation_by_priority
):
    # given: the same stock, the rule off
    stock(product, location, 10)
    stock(product, second_location, 5)
    stock(cup, second_location, 5)
    # when
    order = place_order([(product, 2), (cup, 3)])
    # then
    assert held(order) == {("MUG-1", "main"): 2, ("CUP-1", "store"): 3}


def test_when_several_locations_have_the_whole_order_the_best_priority_wins(
    place_order, product, cup, location, second_location, outlet
):
    for where in (outlet, second_location, location):
        stock(product, where, 5)
        stock(cup, where, 5)
    order = place_order([(product, 5), (cup, 5)])
    assert held(order) == {("MUG-1", "main"): 5, ("CUP-1", "main"): 5}


def test_two_lines_of_one_product_count_together_at_a_location(place_order, product, location, second_location):
    # given: main has 4 mugs, the store 6; the order has two mug lines of 3
    stock(product, location, 4)
    stock(product, second_location, 6)
    # when
    order = place_order([(product, 3), (product, 3)])
    # then: only the store has all 6
    lines = list(order.lines.order_by("position"))
    assert {a.line_id: (a.location.code, a.quantity) for a in Allocation.objects.filter(line__order=order)} == {
        lines[0].pk: ("store", 3),
        lines[1].pk: ("store", 3),
    }


def test_without_a_whole_order_location_each_line_comes_whole_from_one_location(
    place_order, product, cup, location, second_location
):
    # given: main has 3 mugs and the cups, the store 5 mugs and no cups
    stock(product, location, 3)
    stock(product, second_location, 5)
    stock(cup, location, 5)
    # when
    order = place_order([(product, 4), (cup, 2)])
    # then: the mugs are not split 3 + 1 although main comes first
    assert held(order) == {("MUG-1", "store"): 4, ("CUP-1", "main"): 2}


def test_a_line_no_single_location_can_supply_is_split_by_priority(
    place_order, product, location, second_location, outlet
):
    stock(product, location, 3)
    stock(product, second_location, 4)
    stock(product, outlet, 10)
    order = place_order([(product, 12)])
    # the outlet alone has not 12: main first, then the store, the rest from the outlet
    assert held(order) == {("MUG-1", "main"): 3, ("MUG-1", "store"): 4, ("MUG-1", "outlet"): 5}


def test_a_line_that_must_split_is_split_with_the_rule_off_too(
    place_order, product, location, second_location, allocation_by_priority
):
    stock(product, location, 3)
    stock(product, second_location, 4)
    order = place_order([(product, 6)])
    assert held(order) == {("MUG-1", "main"): 3, ("MUG-1", "store"): 3}


@pytest.mark.parametrize("rule", ["whole_order_first", "by_priority"])
def test_a_location_excluded_from_automatic_allocation_is_skipped(
    place_order, shop, product, cup, location, counter, rule
):
    # given: the counter comes first and has everything; main has the rest
    shop.allocate_whole_order_first = rule == "whole_order_first"
    shop.save()
    stock(product, counter, 10)
    stock(cup, counter, 10)
    stock(product, location, 2)
    stock(cup, location, 2)
    # when
    order = place_order([(product, 2), (cup, 2)])
    # then
    assert held(order) == {("MUG-1", "main"): 2, ("CUP-1", "main"): 2}
    assert StockLevel.objects.get(product=product, location=counter).allocated == 0


def test_stock_only_at_an_excluded_location_is_not_available(place_order, product, location, counter):
    # given
    stock(product, counter, 10)
    stock(product, location, 1)
    # when
    with pytest.raises(StockUnavailable) as exc:
        place_order([(product, 2)])
    # then: the counter's units are not counted as available; nothing was reserved
    assert [(d["sku"], d["requested"], d["available"]) for d in exc.value.details] == [("MUG-1", 2, 1)]
    assert sum(StockLevel.objects.values_list("allocated", flat=True)) == 0
    assert not Allocation.objects.exists()


def test_an_inactive_location_is_skipped(place_order, product, cup, location, second_location):
    # given: the store has the whole order but is closed
    second_location.active = False
    second_location.save()
    stock(product, second_location, 10)
    stock(cup, second_location, 10)
    stock(product, location, 5)
    stock(cup, location, 1)
    # when
    with pytest.raises(StockUnavailable) as exc:
        place_order([(product, 2), (cup, 2)])
    assert [(d["sku"], d["available"]) for d in exc.value.details] == [("CUP-1", 1)]
    order = place_order([(product, 2), (cup, 1)])
    # then
    assert held(order) == {("MUG-1", "main"): 2, ("CUP-1", "main"): 1}


def test_placing_a_draft_follows_the_rules(place_order, product, cup, location, second_location):
    stock(product, location, 10)
    stock(product, second_location, 5)
    stock(cup, second_location, 5)
    draft = place_order([(product, 2), (cup, 3)], place=False)
    order = order_place(order_id=draft.pk)
    assert held(order) == {("MUG-1", "store"): 2, ("CUP-1", "store"): 3}


def test_units_added_by_an_edit_stay_where_the_order_is_reserved(place_order, product, cup, location, second_location):
    # given: the whole order at the store (main has no cups)
    stock(product, location, 10)
    stock(product, second_location, 10)
    stock(cup, second_location, 10)
    order = place_order([(product, 2), (cup, 3)])
    mug = order.lines.get(sku="MUG-1")
    # when: two more mugs
    order_edit_commit(order_id=order.pk, changes=EditChanges(quantities={mug.pk: 4}), base_version=order.version)
    # then: main has mugs and comes first, but the store keeps the order whole
    assert held(order) == {("MUG-1", "store"): 4, ("CUP-1", "store"): 3}


def test_a_product_added_by_an_edit_joins_the_order_s_location(place_order, product, cup, location, second_location):
    # given: the order's mugs are at the store; cups at both locations
    stock(product, second_location, 10)
    stock(cup, location, 10)
    stock(cup, second_location, 10)
    order = place_order([(product, 2)])
    # when
    order_edit_commit(order_id=order.pk, changes=EditChanges(added={cup.pk: 1}), base_version=order.version)
    # then
    assert held(order) == {("MUG-1", "store"): 2, ("CUP-1", "store"): 1}


def test_an_edit_when_the_order_s_location_runs_short_takes_the_line_elsewhere(
    place_order, product, cup, location, second_location
):
    # given: the order at the store, which has only 1 more mug
    stock(product, location, 10)
    stock(product, second_location, 3)
    stock(cup, second_location, 1)
    order = place_order([(product, 2), (cup, 1)])
    mug = order.lines.get(sku="MUG-1")
    # when: 3 more mugs
    order_edit_commit(order_id=order.pk, changes=EditChanges(quantities={mug.pk: 5}), base_version=order.version)
    # then: the 3 added come whole from main (no location has the whole order any more)
    assert held(order) == {("MUG-1", "store"): 2, ("MUG-1", "main"): 3, ("CUP-1", "store"): 1}
