"""Pick lists: generated per location for an order or a wave, ticked picked or short, done when no line is open."""

import pytest

from catalog.models import StockLevel
from fulfillment.exceptions import InvalidTransition, PickError
from fulfillment.models import PickList, PickListLine, Shipment, ShipmentLine
from fulfillment.services.picking import (
    lock_order,
    pick_line_pick,
    pick_line_short,
    pick_list_create,
    pick_list_pick_all,
    pick_lists_create_for_order,
)
from fulfillment.services.shipments import shipment_ship, shipments_create
from orders.models import Allocation, Order, OrderEvent
from orders.services.cancel import order_cancel
from tests.factories import stock

pytestmark = pytest.mark.django_db


def _state():
    """Everything picking may change (and stock, which it must not)."""
    return (
        sorted(PickList.objects.values_list("number", "status")),
        sorted(PickListLine.objects.values_list("pk", "status", "quantity_picked", "shipment_line_id")),
        sorted(ShipmentLine.objects.values_list("pk", "quantity")),
        sorted(Shipment.objects.values_list("pk", "status")),
        sorted(StockLevel.objects.values_list("pk", "on_hand", "allocated")),
        sorted(Allocation.objects.values_list("pk", "quantity")),
        OrderEvent.objects.count(),
    )


def test_a_wave_takes_every_orders_pending_lines_at_the_location_sorted_by_bin(pending_order, location, warehouse):
    # given three orders with pending shipments
    orders = [pending_order(2, 1, 0), pending_order(0, 3, 1), pending_order(1, 0, 0)]
    # when one wave is generated
    wave = pick_list_create(location_id=location.pk, order_ids=[o.pk for o in orders], actor=warehouse)
    # then one list with one line per shipment line, sorted by bin (empty bins first)
    lines = list(wave.pick_list.lines.select_related("product", "shipment"))
    assert wave.refused == {} and wave.pick_list.number.startswith("PL-")
    assert [(ln.bin_location, ln.product.sku, ln.quantity) for ln in lines] == [
        ("", "BAG", 1),
        ("B-07", "CUP", 1),
        ("B-07", "CUP", 3),
        ("C-02", "MUG", 2),
        ("C-02", "MUG", 1),
    ]
    assert {ln.shipment.order_id for ln in lines} == {o.pk for o in orders}
    assert OrderEvent.objects.filter(type="pick_list_created", actor=warehouse).count() == 3
    # and a second wave finds nothing left: every line is on a live pick list
    assert pick_list_create(location_id=location.pk, order_ids=[o.pk for o in orders]).pick_list is None


def test_a_wave_leaves_out_refused_orders_and_names_them(pending_order, location):
    live, canceled = pending_order(1, 0, 0), pending_order(0, 1, 0)
    order_cancel(order_id=canceled.pk, actor=None, reason="customer")
    wave = pick_list_create(location_id=location.pk, order_ids=[canceled.pk, live.pk])
    assert list(wave.refused) == [canceled.number]
    assert {ln.shipment.order_id for ln in wave.pick_list.lines.all()} == {live.pk}


def test_generating_for_one_order_refuses_when_nothing_is_left_and_changes_nothing(pending_order):
    order = pending_order(1, 1, 0)
    [pick_list] = pick_lists_create_for_order(order_id=order.pk)
    assert pick_list.lines.count() == 2
    before = _state()
    with pytest.raises(PickError, match="no shipment lines to pick"):
        pick_lists_create_for_order(order_id=order.pk)
    assert _state() == before


def test_ticking_every_line_completes_the_list_and_records_the_pick(pending_order, warehouse):
    order = pending_order(2, 1, 0)
    [pick_list] = pick_lists_create_for_order(order_id=order.pk)
    stock_before = sorted(StockLevel.objects.values_list("pk", "on_hand", "allocated"))
    first, second = pick_list.lines.order_by("pk")
    pick_line_pick(line_id=first.pk, actor=warehouse)
    pick_list.refresh_from_db()
    assert pick_list.status == PickList.Status.OPEN
    pick_line_pick(line_id=second.pk, actor=warehouse)
    pick_list.refresh_from_db()
    assert pick_list.status == PickList.Status.DONE and pick_list.completed_at
    assert [ln.quantity_picked for ln in pick_list.lines.order_by("pk")] == [2, 1]
    picked = OrderEvent.objects.get(order=order, type="picked")
    assert picked.actor == warehouse and picked.parameters["shipments"] == [f"{order.number}-S1"]
    # picking moves no stock
    assert sorted(StockLevel.objects.values_list("pk", "on_hand", "allocated")) == stock_before


def test_a_shortage_shrinks_the_shipment_and_leaves_the_rest_allocated_for_a_later_shipment(pending_order, location):
    order = pending_order(5, 0, 0)
    [pick_list] = pick_lists_create_for_order(order_id=order.pk)
    line = pick_list.lines.get()
    allocated_before = Allocation.objects.get(line__order=order).quantity
    # when only 3 of 5 are found
    pick_line_short(line_id=line.pk, found="3")
    # then the shipment takes 3, the 2 others stay allocated, and a new shipment takes them
    line.refresh_from_db()
    assert (line.status, line.quantity_picked) == (PickListLine.Status.SHORT, 3)
    assert ShipmentLine.objects.get(shipment__order=order).quantity == 3
    assert Allocation.objects.get(line__order=order).quantity == allocated_before == 5
    assert PickList.objects.get(pk=pick_list.pk).status == PickList.Status.DONE
    event = OrderEvent.objects.get(order=order, type="pick_short")
    assert (event.parameters["found"], event.parameters["quantity"]) == (3, 5)
    [later] = shipments_create(order_id=order.pk)
    assert later.lines.get().quantity == 2
    # and shipping the shortened shipment takes 3 off stock
    shipment_ship(shipment_id=line.shipment_id)
    level = StockLevel.objects.get(product=line.product, location=location)
    assert (level.on_hand, level.allocated) == (47, 2)


def test_nothing_found_removes_the_line_and_cancels_an_empty_shipment(pending_order):
    order = pending_order(2, 0, 0)
    [pick_list] = pick_lists_create_for_order(order_id=order.pk)
    line = pick_list.lines.get()
    pick_line_short(line_id=line.pk, found=0)
    line.refresh_from_db()
    assert line.shipment_line_id is None and line.status == PickListLine.Status.SHORT
    shipment = Shipment.objects.get(order=order)
    assert shipment.status == Shipment.Status.CANCELED and "Nothing found" in shipment.cancel_reason
    assert Allocation.objects.get(line__order=order).quantity == 2
    assert OrderEvent.objects.get(order=order, type="pick_short").parameters["shipment_canceled"] is True


@pytest.mark.parametrize("found", [5, 6, -1, "2.5", "", "x", None, True, 10**12])
def test_a_found_quantity_out_of_range_is_refused_and_nothing_changes(pending_order, found):
    order = pending_order(5, 0, 0)
    [pick_list] = pick_lists_create_for_order(order_id=order.pk)
    before = _state()
    with pytest.raises(PickError, match="Quantity found: enter a whole number from 0 to 4"):
        pick_line_short(line_id=pick_list.lines.get().pk, found=found)
    assert _state() == before


def test_a_line_already_done_is_refused_and_nothing_changes(pending_order):
    order = pending_order(2, 1, 0)
    [pick_list] = pick_lists_create_for_order(order_id=order.pk)
    line = pick_list.lines.order_by("pk").first()
    pick_line_pick(line_id=line.pk)
    before = _state()
    with pytest.raises(PickError, match="is already picked"):
        pick_line_pick(line_id=line.pk)
    with pytest.raises(PickError, match="is already picked"):
        pick_line_short(line_id=line.pk, found=1)
    assert _state() == before


def test_a_shipment_no_longer_pending_is_refused_and_nothing_changes(pending_order):
    order = pending_order(2, 0, 0)
    [pick_list] = pick_lists_create_for_order(order_id=order.pk)
    shipment_ship(shipment_id=Shipment.objects.get(order=order).pk)
    before = _state()
    with pytest.raises(PickError, match="is shipped; its lines are no longer picked"):
        pick_line_pick(line_id=pick_list.lines.get().pk)
    assert _state() == before


def test_picking_for_a_cancelled_order_is_refused_and_nothing_changes(pending_order):
    order = pending_order(2, 0, 0)
    [pick_list] = pick_lists_create_for_order(order_id=order.pk)
    order_cancel(order_id=order.pk, actor=None, reason="customer")
    before = _state()
    with pytest.raises(InvalidTransition):
        pick_line_pick(line_id=pick_list.lines.get().pk)
    assert _state() == before


def test_picking_a_line_cancelled_since_the_list_was_printed_is_refused_and_nothing_changes(pending_order):
    # given a line whose shipment line went away (an edit or line cancel removes it; done here by hand)
    order = pending_order(3, 1, 0)
    [pick_list] = pick_lists_create_for_order(order_id=order.pk)
    line = pick_list.lines.get(product__sku="MUG")
    ShipmentLine.objects.filter(pk=line.shipment_line_id).delete()
    before = _state()
    # when / then
    with pytest.raises(PickError, match="was cancelled; there is nothing to pick"):
        pick_line_pick(line_id=line.pk)
    with pytest.raises(PickError, match="was cancelled; there is nothing to pick"):
        pick_line_short(line_id=line.pk, found=1)
    assert _state() == before


def test_bad_wave_input_is_refused_with_the_field_named(pending_order, location):
    order = pending_order(1, 0, 0)
    with pytest.raises(PickError, match="Orders: choose at least one order"):
        pick_list_create(location_id=location.pk, order_ids=[])
    with pytest.raises(PickError, match="Location: unknown"):
        pick_list_create(location_id=10**9, order_ids=[order.pk])
    assert PickList.objects.count() == 0


def test_orders_are_locked_family_by_family_so_two_waves_cannot_deadlock(place_order, product, location):
    stock(product, location, 10)
    first, second, third = (place_order([(product, 1)]) for _ in range(3))
    # third was split off first: its family root is first, which is older than second
    Order.objects.filter(pk=third.pk).update(root=first)
    assert lock_order([second.pk, third.pk, first.pk]) == [first.pk, third.pk, second.pk]


def test_a_wave_costs_a_fixed_number_of_queries_per_order(pending_order, location, django_assert_num_queries):
    small = [pending_order(1, 0, 0).pk for _ in range(2)]
    large = [pending_order(2, 3, 4).pk for _ in range(4)]
    # 10 fixed (savepoint and release, location, lock order, lines, bins, list insert and its number, lines
    # insert, one events insert) + one order lock per order, whatever the number of lines
    with django_assert_num_queries(10 + 2):
        pick_list_create(location_id=location.pk, order_ids=small)
    with django_assert_num_queries(10 + 4):
        pick_list_create(location_id=location.pk, order_ids=large)


def test_all_picked_ticks_every_open_line_in_a_fixed_number_of_queries(
    pending_order, location, django_assert_num_queries
):
    # given a wave of 3 orders, one line of which was already found short
    orders = [pending_order(2, 1, 0), pending_order(0, 3, 1), pending_order(1, 1, 1)]
    wave = pick_list_create(location_id=location.pk, order_ids=[o.pk for o in orders])
    pick_line_short(line_id=wave.pick_list.lines.order_by("pk").first().pk, found=1)
    # when every other line is picked in one go:
    # savepoint + release, order ids, lock order, one lock per order, the list, its lines, the update,
    # shipment numbers, events, the list's status
    with django_assert_num_queries(10 + 3):
        pick_list_pick_all(pick_list_id=wave.pick_list.pk)
    # then
    lines = wave.pick_list.lines.all()
    assert [ln.status for ln in lines].count(PickListLine.Status.PICKED) == 6
    assert all(ln.quantity_picked == ln.quantity for ln in lines if ln.status == PickListLine.Status.PICKED)
    assert PickList.objects.get(pk=wave.pick_list.pk).status == PickList.Status.DONE
    assert OrderEvent.objects.filter(type="picked").count() == 3
    before = _state()
    with pytest.raises(PickError, match="is done"):
        pick_list_pick_all(pick_list_id=wave.pick_list.pk)
    assert _state() == before
