"""Holds: put on with a reason, several at once, released; shipping refused while one stands; auto-holds."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import StockLevel
from fulfillment.exceptions import ShipmentError
from fulfillment.models import Shipment, ShipmentHold
from fulfillment.services.holds import holds_release_due, shipment_hold, shipment_hold_release
from fulfillment.services.shipments import shipment_ship, shipments_create
from oms.models import ShopSettings
from orders import hooks
from orders.exceptions import InvalidTransition
from orders.models import OrderEvent
from tests.fulfillment.holds_fixtures import pay_in_full

pytestmark = pytest.mark.django_db


def _state(order):
    return (
        list(ShipmentHold.objects.order_by("pk").values_list("pk", "released_at")),
        list(Shipment.objects.order_by("pk").values_list("status", "handoff_status")),
        order.events.count(),
        list(StockLevel.objects.order_by("pk").values_list("on_hand", "allocated")),
    )


def _today():
    return timezone.localdate()


def test_a_held_shipment_does_not_ship_and_the_refusal_names_the_hold(mug_order, anna):
    # given
    (shipment,) = shipments_create(order_id=mug_order.pk)
    shipment_hold(shipment_id=shipment.pk, reason="address_check", actor=anna)
    before = _state(mug_order)
    day = _today()
    expected = f"On hold: address check (Anna, {day.day} {day:%b})."
    # when / then: the service and the admin's question say the same sentence, and nothing changes
    with pytest.raises(InvalidTransition) as refused:
        shipment_ship(shipment_id=shipment.pk)
    assert str(refused.value) == expected
    assert hooks.refusal("ship", mug_order, {"shipment_id": shipment.pk}) == expected
    assert hooks.may(anna, "hold", mug_order) == (True, "")
    assert _state(mug_order) == before


def test_several_holds_stand_at_once_and_each_must_be_released(mug_order, anna, warehouse):
    (shipment,) = shipments_create(order_id=mug_order.pk)
    first = shipment_hold(shipment_id=shipment.pk, reason="address_check", actor=anna)
    later = _today() + timedelta(days=3)
    second = shipment_hold(shipment_id=shipment.pk, reason="ship_later", until=later, actor=anna)
    with pytest.raises(InvalidTransition, match=r"address check .*; ship later until"):
        shipment_ship(shipment_id=shipment.pk)
    shipment_hold_release(hold_id=first.pk, actor=warehouse)
    with pytest.raises(InvalidTransition, match=r"^On hold: ship later until"):
        shipment_ship(shipment_id=shipment.pk)
    shipment_hold_release(hold_id=second.pk, actor=warehouse)
    shipment_ship(shipment_id=shipment.pk, actor=warehouse)
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.SHIPPED
    types = list(mug_order.events.values_list("type", flat=True))
    assert types.count("shipment_held") == 2 and types.count("shipment_hold_released") == 2
    event = mug_order.events.filter(type="shipment_held").first()
    assert event.actor == anna and event.parameters["reason"] == "Address check"


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"reason": "lunch"}, "Reason: choose one of"),
        ({"reason": "other"}, "Note: say why"),
        ({"reason": "other", "note": "x" * 201}, "Note: at most 200"),
        ({"reason": "other", "note": "bad\x00"}, "Note: contains a NUL"),
        ({"reason": "ship_later"}, "Until: for 'ship later'"),
        ({"reason": "ship_later", "until": "2030-01-01"}, "Until: for 'ship later'"),
        ({"reason": "ship_later", "until_days": 0}, "Until: for 'ship later'"),
        ({"reason": "ship_later", "until_days": 400}, "Until: for 'ship later'"),
    ],
)
def test_bad_hold_input_is_refused_naming_the_field_and_nothing_changes(mug_order, anna, fields, message):
    (shipment,) = shipments_create(order_id=mug_order.pk)
    if "until_days" in fields:
        fields["until"] = _today() + timedelta(days=fields.pop("until_days"))
    before = _state(mug_order)
    with pytest.raises(ShipmentError, match=message):
        shipment_hold(shipment_id=shipment.pk, actor=anna, **fields)
    assert _state(mug_order) == before


def test_the_same_reason_twice_a_shipped_shipment_and_a_released_hold_are_refused(mug_order, anna):
    (shipment,) = shipments_create(order_id=mug_order.pk)
    hold = shipment_hold(shipment_id=shipment.pk, reason="out_of_stock", actor=anna)
    before = _state(mug_order)
    with pytest.raises(ShipmentError, match="already on hold for out of stock"):
        shipment_hold(shipment_id=shipment.pk, reason="out_of_stock", actor=anna)
    assert _state(mug_order) == before
    shipment_hold_release(hold_id=hold.pk, actor=anna)
    before = _state(mug_order)
    with pytest.raises(ShipmentError, match="already released"):
        shipment_hold_release(hold_id=hold.pk, actor=anna)
    with pytest.raises(ShipmentError, match="does not exist"):
        shipment_hold_release(hold_id=hold.pk + 1000, actor=anna)
    assert _state(mug_order) == before
    shipment_ship(shipment_id=shipment.pk)
    before = _state(mug_order)
    with pytest.raises(ShipmentError, match="is shipped; only a shipment that has not shipped"):
        shipment_hold(shipment_id=shipment.pk, reason="address_check", actor=anna)
    assert _state(mug_order) == before


def test_asked_for_the_whole_order_ship_is_refused_only_when_every_pending_shipment_is_held(
    place_order, product, location, second_location, anna
):
    from tests.factories import stock

    stock(product, location, 2)
    stock(product, second_location, 2)
    order = place_order([(product, 3)])
    first, second = shipments_create(order_id=order.pk)
    shipment_hold(shipment_id=first.pk, reason="address_check", actor=anna)
    assert hooks.refusal("ship", order) is None
    shipment_hold(shipment_id=second.pk, reason="other", note="customer called", actor=anna)
    assert hooks.refusal("ship", order).startswith(f"Every shipment is on hold: {first.number}: address check")


def test_ship_later_holds_whose_date_came_are_released_by_the_scheduler(mug_order, anna):
    (shipment,) = shipments_create(order_id=mug_order.pk)
    later = _today() + timedelta(days=2)
    hold = shipment_hold(shipment_id=shipment.pk, reason="ship_later", until=later, actor=anna)
    assert holds_release_due(today=later - timedelta(days=1)) == 0
    assert holds_release_due(today=later) == 1
    hold.refresh_from_db()
    assert not hold.is_active
    event = mug_order.events.get(type="shipment_hold_released")
    assert event.source == OrderEvent.Source.BEAT and event.actor is None


# --- automatic holds: "ship only paid orders"


def _ship_only_paid(on: bool) -> None:
    settings = ShopSettings.load_uncached()
    settings.ship_only_paid_orders = on
    settings.save()


def test_with_ship_only_paid_orders_an_unpaid_orders_shipments_are_held_until_it_is_paid(mug_order, anna, finance):
    # given
    _ship_only_paid(True)
    # when
    (shipment,) = shipments_create(order_id=mug_order.pk)
    # then
    hold = shipment.holds.get()
    assert hold.automatic and hold.reason == "awaiting_payment" and hold.is_active
    with pytest.raises(InvalidTransition, match=r"On hold: awaiting payment \(automatic, "):
        shipment_ship(shipment_id=shipment.pk)
    # a clerk's own hold stays after the payment; the automatic one goes
    own = shipment_hold(shipment_id=shipment.pk, reason="address_check", actor=anna)
    pay_in_full(mug_order, actor=finance)
    hold.refresh_from_db()
    own.refresh_from_db()
    assert not hold.is_active and hold.released_by == finance and own.is_active
    released = mug_order.events.get(type="shipment_hold_released")
    assert released.parameters["automatic"] is True
    shipment_hold_release(hold_id=own.pk, actor=anna)
    shipment_ship(shipment_id=shipment.pk)


def test_a_part_payment_keeps_the_automatic_hold(mug_order, finance):
    from orders.services.payments import order_payment_record

    _ship_only_paid(True)
    (shipment,) = shipments_create(order_id=mug_order.pk)
    order_payment_record(order_id=mug_order.pk, amount=mug_order.total_gross / 2, method="card", actor=finance)
    assert shipment.holds.get().is_active


def test_with_the_setting_off_or_the_order_paid_no_automatic_hold(mug_order, place_order, product):
    _ship_only_paid(False)
    (shipment,) = shipments_create(order_id=mug_order.pk)
    assert not shipment.holds.exists()
    _ship_only_paid(True)
    paid = place_order([(product, 1)])
    pay_in_full(paid)
    (shipment,) = shipments_create(order_id=paid.pk)
    assert not shipment.holds.exists()
