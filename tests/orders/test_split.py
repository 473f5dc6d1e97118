"""Splitting an order: units move into a new order of the family; money and reservations are conserved."""

from decimal import Decimal

import pytest

from catalog.models import StockLevel
from oms.invariants import RULES
from orders.exceptions import InvalidTransition, OrderValidationError
from orders.invariants.split import split_child_same_customer, split_family_total
from orders.models import Allocation, Order, OrderEvent, OrderPayment, SplitReason
from orders.services.cancel import order_cancel, order_line_cancel
from orders.services.edit import EditChanges, order_edit_commit
from orders.services.payments import order_payment_record
from orders.services.shipping import order_lines_ship
from orders.services.split import order_split
from tests.factories import CustomerFactory, ProductFactory, stock
from tests.outbox import outbox_work

pytestmark = pytest.mark.django_db


@pytest.fixture
def cup(tax_rate):
    return ProductFactory(sku="CUP-1", name="Cup", unit_price=Decimal("3.33"), tax_rate=tax_rate)


@pytest.fixture
def order(place_order, product, cup, location, second_location, allocation_by_priority):
    stock(product, location, 2)
    stock(product, second_location, 10)
    stock(cup, location, 20)
    return place_order([(product, 5), (cup, 7)], shipping_fee=Decimal("4.95"), discount_amount=Decimal("3.01"))


def _lines(order):
    return {line.sku: line for line in order.lines.all()}


def _split(order, quantities, reason=SplitReason.BACKORDER, **kwargs):
    return order_split(order_id=order.pk, quantities=quantities, reason=reason, **kwargs)


def _family_totals(root):
    return sum((o.total_gross for o in Order.objects.filter(pk=root.pk) | root.family.all()), Decimal("0"))


def test_split_moves_units_into_a_new_order_of_the_family(order, staff):
    # given
    lines = _lines(order)
    # when
    child = _split(order, {lines["MUG-1"].pk: 2, lines["CUP-1"].pk: 7}, actor=staff)
    # then
    order.refresh_from_db()
    assert child.number == f"{order.number}-1"
    assert (child.parent, child.root, child.customer, child.channel) == (order, order, order.customer, order.channel)
    assert child.shipping_address() == order.shipping_address()
    assert (child.currency, child.payment_terms, child.split_reason) == (
        order.currency,
        order.payment_terms,
        "backorder",
    )
    assert {(line.sku, line.quantity) for line in child.lines.all()} == {("MUG-1", 2), ("CUP-1", 7)}
    assert {(line.sku, line.quantity_active) for line in order.lines.all()} == {("MUG-1", 3)}
    assert order.version == 2 and child.status == Order.Status.PLACED


def test_money_is_partitioned_to_the_cent(order):
    # given
    lines = _lines(order)
    before = {f: getattr(order, f) for f in ("total_gross", "total_net", "total_tax", "discount_total")}
    # when
    child = _split(order, {lines["MUG-1"].pk: 1, lines["CUP-1"].pk: 3})
    # then
    order.refresh_from_db()
    for field, amount in before.items():
        assert getattr(order, field) + getattr(child, field) == amount, field
    assert order.discount_amount + child.discount_amount == Decimal("3.01")
    assert (child.shipping_fee, order.shipping_fee) == (Decimal("0.00"), Decimal("4.95"))
    kept, moved = order.lines.get(sku="CUP-1"), child.lines.get(sku="CUP-1")
    assert kept.gross + moved.gross == lines["CUP-1"].gross
    assert kept.net + moved.net == lines["CUP-1"].net
    assert (kept.unit_price, moved.unit_price, moved.tax_rate) == (Decimal("3.33"),) * 2 + (lines["CUP-1"].tax_rate,)


def test_reservations_move_with_the_lines_and_stock_counters_stay(order):
    # given: the mugs are held 2 at the main warehouse and 3 at the store
    lines = _lines(order)
    levels_before = list(StockLevel.objects.order_by("pk").values_list("allocated", flat=True))
    # when
    child = _split(order, {lines["MUG-1"].pk: 4, lines["CUP-1"].pk: 7})
    # then
    moved = child.lines.get(sku="MUG-1")
    held = dict(Allocation.objects.filter(line=moved).values_list("location__code", "quantity"))
    assert held == {"store": 3, "main": 1}  # the least preferred location's units move first
    assert dict(Allocation.objects.filter(line=lines["MUG-1"]).values_list("location__code", "quantity")) == {"main": 1}
    assert Allocation.objects.get(line__order=child, line__sku="CUP-1").quantity == 7
    assert list(StockLevel.objects.order_by("pk").values_list("allocated", flat=True)) == levels_before


def test_payments_are_apportioned_by_the_new_totals(order, staff):
    # given
    order_payment_record(order_id=order.pk, amount=Decimal("20.00"), method="card")
    order.refresh_from_db()
    # when
    child = _split(order, {_lines(order)["CUP-1"].pk: 7}, actor=staff)
    # then
    order.refresh_from_db()
    assert order.amount_paid + child.amount_paid == Decimal("20.00")
    assert child.payments.get().kind == OrderPayment.Kind.TRANSFER_IN
    assert order.payments.get(kind=OrderPayment.Kind.TRANSFER_OUT).amount == -child.amount_paid
    for part in (order, child):
        assert sum(p.amount for p in part.payments.all()) == part.amount_paid
    ratio = child.total_gross / (order.total_gross + child.total_gross)
    assert abs(child.amount_paid - Decimal("20.00") * ratio) < Decimal("0.01")


def test_both_logs_say_what_moved_and_why(order, staff):
    # when
    child = _split(
        order, {_lines(order)["CUP-1"].pk: 2}, reason=SplitReason.OTHER_WAREHOUSE, note="From Utrecht", actor=staff
    )
    # then
    split = order.events.get(type=OrderEvent.Type.SPLIT)
    split_from = child.events.get(type=OrderEvent.Type.SPLIT_FROM)
    assert (split.parameters["child"], split_from.parameters["parent"]) == (child.number, order.number)
    for event in (split, split_from):
        assert event.actor == staff
        assert event.parameters["reason"] == "other_warehouse" and event.parameters["note"] == "From Utrecht"
        assert [(m["sku"], m["quantity"]) for m in event.parameters["lines"]] == [("CUP-1", 2)]


def test_a_split_order_can_be_split_again_and_numbers_count_the_family(order):
    # given
    lines = _lines(order)
    first = _split(order, {lines["CUP-1"].pk: 5})
    # when
    second = _split(first, {first.lines.get().pk: 2})
    third = _split(order, {lines["MUG-1"].pk: 1})
    # then
    assert (first.number, second.number, third.number) == (
        f"{order.number}-1",
        f"{order.number}-2",
        f"{order.number}-3",
    )
    assert (second.parent, second.root) == (first, order)
    assert _family_totals(order) == Order.objects.get(pk=order.pk).family_expected_total
    assert split_family_total() == [] and split_child_same_customer() == []


def test_the_family_rule_follows_edits_and_line_cancellations(order, staff):
    # given
    lines = _lines(order)
    child = _split(order, {lines["CUP-1"].pk: 5})
    # when
    order_edit_commit(order_id=child.pk, changes=EditChanges(quantities={child.lines.get().pk: 6}), base_version=1)
    order_line_cancel(order_id=order.pk, line_id=lines["MUG-1"].pk, quantity=1)
    # then
    assert split_family_total() == []
    order.refresh_from_db()
    assert order.family_expected_total == _family_totals(order)


def test_the_family_rule_reports_a_family_whose_money_does_not_add_up(order):
    # given
    child = _split(order, {_lines(order)["CUP-1"].pk: 5})
    # when: a raw write bypasses the services
    Order.objects.filter(pk=child.pk).update(total_gross=child.total_gross + Decimal("0.01"))
    # then
    order.refresh_from_db()
    expected = order.total_gross + child.total_gross
    assert split_family_total() == [
        f"Split family {order.number}: parts add up to {expected + Decimal('0.01')}, expected {expected}"
    ]
    assert {r.name for r in RULES} >= {"orders.split_family_total", "orders.split_child_same_customer"}


def test_the_customer_rule_reports_a_child_of_another_customer(order):
    # given
    child = _split(order, {_lines(order)["CUP-1"].pk: 5})
    # when
    Order.objects.filter(pk=child.pk).update(customer=CustomerFactory())
    # then
    assert split_child_same_customer() == [f"Order {child.number}: customer differs from its parent's"]


def test_moving_nothing_is_refused(order):
    with pytest.raises(OrderValidationError, match="Nothing to split"):
        _split(order, {_lines(order)["CUP-1"].pk: 0})


def test_moving_everything_is_refused(order):
    lines = _lines(order)
    with pytest.raises(OrderValidationError, match="leave order .* empty"):
        _split(order, {lines["CUP-1"].pk: 7, lines["MUG-1"].pk: 5})
    assert not Order.objects.filter(parent=order).exists()


def test_moving_more_than_the_unshipped_units_is_refused(order):
    # given
    mug = _lines(order)["MUG-1"]
    order_lines_ship(order_id=order.pk, quantities={mug.pk: 2})
    # when / then
    with pytest.raises(OrderValidationError, match="only 3 unshipped unit"):
        _split(order, {mug.pk: 4})


def test_a_cancelled_order_is_refused(order):
    order_cancel(order_id=order.pk)
    with pytest.raises(InvalidTransition, match="cancelled"):
        _split(order, {_lines(order)["CUP-1"].pk: 1})


def test_a_fully_shipped_order_is_refused(order):
    order_lines_ship(order_id=order.pk, quantities={line.pk: line.quantity for line in order.lines.all()})
    with pytest.raises(InvalidTransition, match="fully shipped"):
        _split(order, {_lines(order)["CUP-1"].pk: 1})


def test_an_unknown_reason_is_refused(order):
    with pytest.raises(OrderValidationError, match="reason"):
        _split(order, {_lines(order)["CUP-1"].pk: 1}, reason="whim")


def test_the_open_units_of_a_partly_shipped_order_can_move_and_leave_it_shipped(order):
    # given
    lines = _lines(order)
    order_lines_ship(order_id=order.pk, quantities={lines["MUG-1"].pk: 5, lines["CUP-1"].pk: 1})
    # when
    child = _split(order, {lines["CUP-1"].pk: 6}, reason=SplitReason.SHIP_LATER)
    # then
    order.refresh_from_db()
    assert order.fulfillment_status == Order.FulfillmentStatus.FULFILLED
    assert child.fulfillment_status == Order.FulfillmentStatus.UNFULFILLED
    assert Allocation.objects.get(line__order=child).quantity == 6


def test_the_customer_is_told_about_the_split_and_webhooks_get_both_orders(order, staff):
    # given
    from notifications.models import Message, WebhookDelivery, WebhookEndpoint

    WebhookEndpoint.objects.create(name="ERP", url="https://erp.example.com/h", event_types=["order.split"])
    # when
    child = _split(order, {_lines(order)["CUP-1"].pk: 2}, actor=staff, note="The cups come from our store.")
    outbox_work()  # after commit: the worker renders the e-mail and fans the webhook events out
    # then
    message = Message.objects.get(kind="order_split")
    assert "The cups come from our store." in message.body_text
    assert f"Moved to the new order {child.number}: 2 × Cup." in message.body_text
    numbers = {d.payload["order_number"] for d in WebhookDelivery.objects.filter(event_type="order.split")}
    assert numbers == {order.number, child.number}


def test_a_split_without_notifying_sends_no_email(order):
    from notifications.models import Message

    _split(order, {_lines(order)["CUP-1"].pk: 2}, notify=False)
    assert not Message.objects.filter(kind__in=["order_edited", "order_split"]).exists()
