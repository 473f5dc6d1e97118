"""Hand-off: a released shipment locks its units until the warehouse accepts a recall."""

import pytest

from catalog.models import StockLevel
from fulfillment.exceptions import ShipmentError
from fulfillment.models import Shipment, ShipmentHold
from fulfillment.services.handoff import (
    line_lock_sentences,
    shipment_recall_answer,
    shipment_recall_request,
    shipment_release,
)
from fulfillment.services.holds import shipment_hold
from fulfillment.services.shipments import shipment_ship, shipments_create
from notifications.models import WebhookEndpoint, WebhookEvent
from orders import hooks
from orders.exceptions import InvalidTransition, OrderError
from orders.models import Order, OrderLine, SplitReason
from orders.services.addresses import order_address_change
from orders.services.cancel import order_cancel, order_line_cancel
from orders.services.edit import EditChanges, order_edit_commit
from orders.services.split import order_split

pytestmark = pytest.mark.django_db
NEW_ADDRESS = {"name": "Ann Smit", "company": "", "street": "Dorpsstraat 9", "postal_code": "1234 AB", "city": "Ede",
               "country": "nl"}  # fmt: skip


@pytest.fixture
def endpoint(db):
    return WebhookEndpoint.objects.create(
        name="Warehouse", url="https://wms.example/hook", event_types=["shipment.released", "shipment.recall_requested"]
    )


@pytest.fixture
def released(mug_order, warehouse, endpoint):
    (shipment,) = shipments_create(order_id=mug_order.pk)
    return shipment_release(shipment_id=shipment.pk, actor=warehouse)


def _lines(order):
    return {line.name: line for line in order.lines.order_by("position")}


def _state(order):
    order = Order.objects.get(pk=order.pk)
    return (
        order.version,
        order.status,
        order.shipping_address(),
        list(OrderLine.objects.filter(order=order).order_by("pk").values_list("quantity", "quantity_canceled")),
        list(Shipment.objects.order_by("pk").values_list("status", "handoff_status")),
        list(StockLevel.objects.order_by("pk").values_list("on_hand", "allocated")),
        order.events.count(),
        Order.objects.count(),
    )


def test_release_sends_the_shipment_with_lines_bins_and_address_to_the_warehouse(released, mug_order):
    assert released.handoff_status == Shipment.Handoff.RELEASED and released.released_at
    event = WebhookEvent.objects.get(event_type="shipment.released")
    sent = event.payload["shipment"]
    assert sent["number"] == released.number and sent["order_number"] == mug_order.number
    assert [(row["name"], row["quantity"]) for row in sent["lines"]] == [("Mug", 3), ("Plate", 2)]
    assert "bin_location" in sent["lines"][0] and sent["shipping_address"] == mug_order.shipping_address()
    assert mug_order.events.filter(type="shipment_released").count() == 1


def test_a_held_shipment_is_not_released(mug_order, anna, warehouse):
    (shipment,) = shipments_create(order_id=mug_order.pk)
    shipment_hold(shipment_id=shipment.pk, reason="address_check", actor=anna)
    before = _state(mug_order)
    with pytest.raises(ShipmentError, match="cannot go to the warehouse. On hold: address check"):
        shipment_release(shipment_id=shipment.pk, actor=warehouse)
    assert _state(mug_order) == before and not WebhookEvent.objects.exists()


def test_a_released_shipment_cannot_be_held_or_released_again(released, mug_order, anna, warehouse):
    before = _state(mug_order)
    with pytest.raises(ShipmentError, match="released to the warehouse: request a recall first"):
        shipment_hold(shipment_id=released.pk, reason="address_check", actor=anna)
    with pytest.raises(ShipmentError, match="is released to warehouse; only a pending shipment that is not released"):
        shipment_release(shipment_id=released.pk, actor=warehouse)
    with pytest.raises(ShipmentError, match="no recall is waiting"):
        shipment_recall_answer(shipment_id=released.pk, accept=True, actor=warehouse)
    assert _state(mug_order) == before and not ShipmentHold.objects.exists()


def _changes(order):
    lines = _lines(order)
    mug, plate = lines["Mug"], lines["Plate"]
    return {
        "edit": lambda: order_edit_commit(
            order_id=order.pk, changes=EditChanges(quantities={mug.pk: 2}), base_version=order.version
        ),
        "line_cancel": lambda: order_line_cancel(order_id=order.pk, line_id=plate.pk, quantity=1),
        "split": lambda: order_split(order_id=order.pk, quantities={mug.pk: 1}, reason=SplitReason.OTHER),
        "cancel": lambda: order_cancel(order_id=order.pk, reason="customer"),
        "address_change": lambda: order_address_change(
            order_id=order.pk, actor=None, addresses={"shipping": NEW_ADDRESS}
        ),
    }


@pytest.mark.parametrize("operation", ["edit", "line_cancel", "split", "cancel", "address_change"])
def test_changes_touching_released_units_are_refused_with_the_sentence_and_nothing_changes(
    released, mug_order, operation
):
    # given
    before = _state(mug_order)
    name = "Plate" if operation == "line_cancel" else "Mug"
    expected = f"Line {name} is in shipment {released.number}, released to the warehouse: request a recall first."
    if operation == "address_change":
        expected = (
            f"Shipment {released.number} was released to the warehouse with this address: request a recall first."  # noqa: E501
        )
    # when
    with pytest.raises(InvalidTransition) as refused:
        _changes(mug_order)[operation]()
    # then
    assert str(refused.value) == expected
    assert _state(mug_order) == before


def test_the_admin_is_told_the_same_sentence_as_the_service_and_the_line_badge(released, mug_order, desk):
    sentence = f"Line Mug is in shipment {released.number}, released to the warehouse: request a recall first."
    # every open unit is with the warehouse: the buttons say why
    for operation in ("edit", "split", "line_cancel", "cancel"):
        assert hooks.may(desk, operation, mug_order) == (False, sentence)
    badges = line_lock_sentences(mug_order)
    assert badges[_lines(mug_order)["Mug"].pk] == [sentence]
    assert hooks.refusal("address_change", mug_order, {"billing": NEW_ADDRESS}) is None


def test_units_outside_the_released_shipment_can_change(
    place_order, product, location, second_location, warehouse, tax_rate
):
    from tests.factories import ProductFactory, stock

    # given: Mug ships from the first location (released), Cup from the second (not released)
    cup = ProductFactory(sku="CUP-1", name="Cup", tax_rate=tax_rate)
    stock(product, location, 10)
    stock(cup, second_location, 10)
    order = place_order([(product, 2), (cup, 3)])
    mug_shipment, _ = shipments_create(order_id=order.pk)
    shipment_release(shipment_id=mug_shipment.pk, actor=warehouse)
    lines = _lines(order)
    # then: the order may still change where no released unit is touched
    assert hooks.refusal("edit", order) is None and hooks.refusal("line_cancel", order) is None
    order_line_cancel(order_id=order.pk, line_id=lines["Cup"].pk, quantity=1)
    order = order_edit_commit(order_id=order.pk, changes=EditChanges(added={cup.pk: 1}), base_version=order.version)
    with pytest.raises(InvalidTransition, match="Line Mug is in shipment"):
        order_line_cancel(order_id=order.pk, line_id=lines["Mug"].pk, quantity=1)
    with pytest.raises(InvalidTransition, match="Line Mug is in shipment"):
        order_split(order_id=order.pk, quantities={lines["Mug"].pk: 1, lines["Cup"].pk: 1}, reason=SplitReason.OTHER)


def test_a_released_shipment_is_not_cancelled_before_a_recall(released, mug_order):
    change = {"shipment_id": released.pk, "action": "cancel"}
    expected = f"Shipment {released.number} is released to the warehouse: request a recall first."
    assert hooks.refusal("fulfil", mug_order, change) == expected
    assert hooks.refusal("fulfil", mug_order, {"shipment_id": released.pk, "action": "packages"}) is None


def test_a_recall_accepted_unlocks_the_order_and_a_rejected_one_keeps_it_locked(released, mug_order, desk, warehouse):
    # given: the desk asks for a recall
    shipment_recall_request(shipment_id=released.pk, note="customer changes the order", actor=desk)
    assert WebhookEvent.objects.filter(event_type="shipment.recall_requested").count() == 1
    assert "a recall is requested" in hooks.refusal("edit", mug_order)
    # when the warehouse rejects it, the lines stay locked
    shipment_recall_answer(shipment_id=released.pk, accept=False, note="already packed", actor=warehouse)
    released.refresh_from_db()
    assert released.handoff_status == Shipment.Handoff.RELEASED
    assert "request a recall first" in hooks.refusal("edit", mug_order)
    # when it accepts a second recall, the order can change again
    shipment_recall_request(shipment_id=released.pk, actor=desk)
    shipment_recall_answer(shipment_id=released.pk, accept=True, actor=warehouse)
    released.refresh_from_db()
    assert released.handoff_status == Shipment.Handoff.NOT_RELEASED and released.released_at is None
    mug = _lines(mug_order)["Mug"]
    order_edit_commit(order_id=mug_order.pk, changes=EditChanges(quantities={mug.pk: 2}), base_version=1)
    types = list(mug_order.events.values_list("type", flat=True))
    assert types.count("shipment_recall_requested") == 2
    assert types.count("shipment_recall_rejected") == 1 and types.count("shipment_recall_accepted") == 1


def test_a_released_shipment_still_ships_and_a_recall_requested_one_does_not(released, mug_order, desk, warehouse):
    shipment_recall_request(shipment_id=released.pk, actor=desk)
    with pytest.raises(OrderError):
        shipment_recall_request(shipment_id=released.pk, actor=desk)
    before = _state(mug_order)
    with pytest.raises(InvalidTransition, match="has a recall requested: the warehouse accepts or rejects it first"):
        shipment_ship(shipment_id=released.pk, actor=warehouse)
    assert _state(mug_order) == before
    shipment_recall_answer(shipment_id=released.pk, accept=False, actor=warehouse)
    shipment_ship(shipment_id=released.pk, actor=warehouse)
    released.refresh_from_db()
    assert released.status == Shipment.Status.SHIPPED
    with pytest.raises(ShipmentError, match="is shipped"):
        shipment_recall_request(shipment_id=released.pk, actor=desk)
