"""The shipment core: prepare one shipment per location from the allocations, ship it from there."""

import pytest

from catalog.models import StockLevel, StockMovement
from fulfillment.exceptions import ShipmentError
from fulfillment.models import Shipment
from fulfillment.services.shipments import shipment_ship, shipments_create
from orders import events as order_events
from orders.admin_pages.timeline import timeline
from orders.models import Order
from orders.selectors.order_page import order_timeline_for_staff
from tests.factories import ProductFactory, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def split_stock_order(place_order, product, location, second_location, tax_rate, allocation_by_priority):
    """3 × product: 2 only at `location`, so 1 comes from `second_location`; 1 × other only at the second."""
    other = ProductFactory(sku="OTHER", tax_rate=tax_rate)
    stock(product, location, 2)
    stock(product, second_location, 5)
    stock(other, second_location, 4)
    return place_order([(product, 3), (other, 1)])


def _levels(*products):
    return {(lv.product_id, lv.location_id): (lv.on_hand, lv.allocated) for lv in StockLevel.objects.all()}


def test_one_pending_shipment_per_location_with_the_allocated_units(split_stock_order, location, second_location):
    shipments = shipments_create(order_id=split_stock_order.pk)
    assert [s.number for s in shipments] == [f"{split_stock_order.number}-S1", f"{split_stock_order.number}-S2"]
    assert [s.location_id for s in shipments] == [location.pk, second_location.pk]
    units = {
        (s.location_id, line.order_line.sku): line.quantity
        for s in shipments
        for line in s.lines.select_related("order_line")
    }
    product_sku = split_stock_order.lines.order_by("position").first().sku
    assert units == {
        (location.pk, product_sku): 2,
        (second_location.pk, product_sku): 1,
        (second_location.pk, "OTHER"): 1,
    }
    with pytest.raises(ShipmentError, match="no allocated units outside its shipments"):
        shipments_create(order_id=split_stock_order.pk)
    assert Shipment.objects.count() == 2


def test_shipping_takes_units_off_at_the_shipment_location_only(split_stock_order, location, second_location):
    first, second = shipments_create(order_id=split_stock_order.pk)
    before = _levels()
    shipment_ship(shipment_id=second.pk, carrier="DHL", tracking_code="JD0001", tracking_url="https://t.example/JD0001")
    after = _levels()
    changed = {key: (before[key], after[key]) for key in before if before[key] != after[key]}
    assert {key[1] for key in changed} == {second_location.pk}
    assert all(new == (old[0] - (old[1] - new[1]), new[1]) for old, new in changed.values())
    assert sum(old[1] - new[1] for old, new in changed.values()) == 2
    second.refresh_from_db()
    assert second.status == Shipment.Status.SHIPPED and second.tracking_code == "JD0001" and second.shipped_at
    order = Order.objects.get(pk=split_stock_order.pk)
    assert order.fulfillment_status == Order.FulfillmentStatus.PARTIALLY_FULFILLED
    shipment_ship(shipment_id=first.pk)
    order.refresh_from_db()
    assert order.fulfillment_status == Order.FulfillmentStatus.FULFILLED
    assert StockMovement.objects.filter(reference=second.number).count() == 2


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"tracking_url": "javascript:alert(1)"}, "Tracking URL"),
        ({"tracking_url": "ftp://x.example/1"}, "Tracking URL"),
        ({"carrier": "D\x00HL"}, "Carrier"),
        ({"tracking_code": "x" * 101}, "Tracking code"),
        ({"packages": 0}, "Packages"),
        ({"packages": 100}, "Packages"),
    ],
)
def test_bad_tracking_input_is_refused_and_nothing_changes(split_stock_order, fields, message):
    first, _ = shipments_create(order_id=split_stock_order.pk)
    before = (_levels(), StockMovement.objects.count(), split_stock_order.events.count())
    with pytest.raises(ShipmentError, match=message):
        shipment_ship(shipment_id=first.pk, **fields)
    first.refresh_from_db()
    assert first.status == Shipment.Status.PENDING
    assert (_levels(), StockMovement.objects.count(), split_stock_order.events.count()) == before


def test_a_shipment_ships_once(split_stock_order):
    first, _ = shipments_create(order_id=split_stock_order.pk)
    shipment_ship(shipment_id=first.pk)
    before = (_levels(), StockMovement.objects.count())
    with pytest.raises(ShipmentError, match="is shipped; it cannot ship"):
        shipment_ship(shipment_id=first.pk)
    assert (_levels(), StockMovement.objects.count()) == before


def test_the_timeline_says_what_was_prepared_and_shipped(split_stock_order, warehouse):
    first, _ = shipments_create(order_id=split_stock_order.pk, actor=warehouse)
    shipment_ship(shipment_id=first.pk, carrier="PostNL", tracking_code="3S123", packages=2, actor=warehouse)
    events, memos, messages = order_timeline_for_staff(order=split_stock_order)
    sentences = [row["sentence"] for row in timeline(events, memos=memos, messages=messages)]
    assert any("prepared 2 shipments" in s and f"{first.number} from" in s for s in sentences)
    assert any(f"shipped {first.number} from" in s and "in 2 packages, PostNL 3S123" in s for s in sentences)


def test_event_types_are_unique_and_must_be_registered(split_stock_order):
    with pytest.raises(ValueError, match="already exists"):
        order_events.register_event_type("placed", "Placed again")
    with pytest.raises(ValueError, match="already exists"):
        order_events.register_event_type("shipments_created", "Again")
    with pytest.raises(ValueError, match="Unknown order event type"):
        order_events.record_event(split_stock_order, "not_registered")
