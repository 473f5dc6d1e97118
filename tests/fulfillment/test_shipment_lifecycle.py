"""A shipment's life after it is prepared: ship (and e-mail), cancel before or after it left, deliver,
pre-announce, packages; and pending shipments trimmed when the order shrinks. Refusals change nothing."""

import pathlib
import re

import pytest

from catalog.models import StockLevel, StockMovement
from fulfillment.exceptions import ShipmentError
from fulfillment.models import Shipment, ShipmentLine
from fulfillment.services.shipments import (
    shipment_cancel,
    shipment_deliver,
    shipment_packages_set,
    shipment_pre_announce,
    shipment_ship,
    shipments_create,
)
from notifications.models import Message, WebhookEndpoint, WebhookEvent
from oms.invariants import run_all
from orders.exceptions import OrderError
from orders.models import Allocation, Order, OrderEvent
from orders.services.cancel import order_cancel, order_line_cancel
from orders.services.edit import EditChanges, order_edit_commit
from orders.services.split import order_split
from tests import factories
from tests.snapshots import rows_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(place_order, product, location):
    factories.stock(product, location, 10)
    return place_order([(product, 3)])


@pytest.fixture
def pending(order):
    return shipments_create(order_id=order.pk)[0]


@pytest.fixture
def endpoint(db):
    return WebhookEndpoint.objects.create(
        name="ERP", url="https://erp.example.com/hook", event_types=["shipment.sent", "shipment.pre_announced"]
    )


def _level(product, location):
    level = StockLevel.objects.get(product=product, location=location)
    return level.on_hand, level.allocated


def _everything(shipment=None):
    snap = rows_snapshot()
    snap["shipments"] = list(Shipment.objects.order_by("pk").values_list("pk", "status", "packages", "cancel_reason",
                                                                          "pre_announced_at", "carrier"))  # fmt: skip
    snap["shipment_lines"] = list(ShipmentLine.objects.order_by("pk").values_list("pk", "quantity"))
    snap["shipped"] = list(Order.objects.order_by("pk").values_list("fulfillment_status", flat=True))
    return snap


def _audit():
    return [(rule.name, rows) for rule, rows in run_all() if rows]


# --- ship, with and without the e-mail
def test_ship_and_email_sends_the_shipment_sent_mail_with_tracking_and_no_prices(pending, endpoint):
    shipment_ship(shipment_id=pending.pk, carrier="PostNL", tracking_code="3SABC", packages=2,
                  tracking_url="https://track.example/3SABC", email=True)  # fmt: skip
    message = Message.objects.get(kind="shipment_sent")
    shipment = message.context["shipment"]
    assert (shipment["carrier"], shipment["tracking_code"], shipment["packages"]) == ("PostNL", "3SABC", 2)
    assert shipment["lines"] == [{"name": "Mug", "sku": "MUG-1", "quantity": 3}]
    from notifications.services.rendering import email_render

    subject, text, html = email_render(kind="shipment_sent", context=message.context)
    assert "PostNL" in text and "3SABC" in text and "https://track.example/3SABC" in text and "3 x Mug" in text
    assert 'href="https://track.example/3SABC"' in html and "12.50" not in text + html
    event = WebhookEvent.objects.get(event_type="shipment.sent")
    assert event.payload["shipment"]["tracking_code"] == "3SABC"


def test_ship_without_email_still_tells_the_webhooks(pending, endpoint):
    shipment_ship(shipment_id=pending.pk, carrier="DHL")
    assert not Message.objects.filter(kind="shipment_sent").exists()
    assert WebhookEvent.objects.filter(event_type="shipment.sent").count() == 1


def test_shipping_twice_is_refused_and_changes_nothing(pending):
    shipment_ship(shipment_id=pending.pk)
    before = _everything()
    with pytest.raises(OrderError, match="fully shipped"):  # the order's own check refuses first
        shipment_ship(shipment_id=pending.pk)
    assert _everything() == before


# --- cancel
def test_cancelling_a_pending_shipment_keeps_its_units_allocated_for_a_new_one(order, pending, product, location):
    before = _level(product, location)
    shipment_cancel(shipment_id=pending.pk)
    pending.refresh_from_db()
    assert pending.status == Shipment.Status.CANCELED and pending.canceled_at
    assert _level(product, location) == before
    assert Allocation.objects.get(line__order=order).quantity == 3
    again = shipments_create(order_id=order.pk)
    assert [line.quantity for line in again[0].lines.all()] == [3]
    assert OrderEvent.objects.filter(order=order, type="shipment_canceled").count() == 1
    assert _audit() == []


def test_a_shipped_shipment_is_cancelled_only_with_a_reason(order, pending):
    shipment_ship(shipment_id=pending.pk)
    before = _everything()
    for reason in ("", "   "):
        with pytest.raises(ShipmentError, match="Reason"):
            shipment_cancel(shipment_id=pending.pk, reason=reason)
    with pytest.raises(ShipmentError, match="at most 200"):
        shipment_cancel(shipment_id=pending.pk, reason="x" * 201)
    with pytest.raises(ShipmentError, match="control characters"):
        shipment_cancel(shipment_id=pending.pk, reason="lost\x00")
    assert _everything() == before


def test_cancelling_a_shipped_shipment_puts_the_stock_back_open_and_reserved(order, pending, product, location):
    on_hand, allocated = _level(product, location)
    shipment_ship(shipment_id=pending.pk)
    assert _level(product, location) == (on_hand - 3, allocated - 3)
    shipment_cancel(shipment_id=pending.pk, reason="Lost in transit")
    assert _level(product, location) == (on_hand, allocated)
    order.refresh_from_db()
    line = order.lines.get()
    assert (line.quantity_shipped, line.quantity_open) == (0, 3)
    assert order.fulfillment_status == Order.FulfillmentStatus.UNFULFILLED
    assert Allocation.objects.get(line=line, location=location).quantity == 3
    back = StockMovement.objects.get(kind=StockMovement.Kind.RETURN)
    assert (back.on_hand_delta, back.allocated_delta, back.reason) == (3, 3, "Lost in transit")
    assert back.reference == pending.number
    pending.refresh_from_db()
    assert pending.cancel_reason == "Lost in transit"
    assert _audit() == []
    # the units can be prepared and shipped again
    shipment_ship(shipment_id=shipments_create(order_id=order.pk)[0].pk)
    assert _audit() == []


@pytest.mark.parametrize("final", ["delivered", "canceled"])
def test_a_delivered_or_cancelled_shipment_cannot_be_cancelled(pending, final):
    shipment_ship(shipment_id=pending.pk)
    if final == "delivered":
        shipment_deliver(shipment_id=pending.pk)
    else:
        shipment_cancel(shipment_id=pending.pk, reason="Refused by the customer")
    before = _everything()
    with pytest.raises(ShipmentError, match="cannot be cancelled"):
        shipment_cancel(shipment_id=pending.pk, reason="again")
    assert _everything() == before


def test_an_unknown_shipment_is_refused():
    with pytest.raises(ShipmentError, match="does not exist"):
        shipment_cancel(shipment_id=999999, reason="x")


# --- deliver, pre-announce, packages
def test_deliver_only_a_shipped_shipment(pending):
    before = _everything()
    with pytest.raises(ShipmentError, match="cannot be marked delivered"):
        shipment_deliver(shipment_id=pending.pk)
    assert _everything() == before
    shipment_ship(shipment_id=pending.pk)
    shipment_deliver(shipment_id=pending.pk)
    pending.refresh_from_db()
    assert pending.status == Shipment.Status.DELIVERED and pending.delivered_at
    assert _audit() == []


def test_pre_announce_records_the_time_and_a_webhook_once(pending, endpoint):
    shipment_pre_announce(shipment_id=pending.pk, carrier="DHL")
    pending.refresh_from_db()
    assert pending.pre_announced_at and pending.carrier == "DHL"
    event = WebhookEvent.objects.get(event_type="shipment.pre_announced")
    assert event.payload["shipment"]["number"] == pending.number
    before = _everything()
    with pytest.raises(ShipmentError, match="pre-announced already"):
        shipment_pre_announce(shipment_id=pending.pk)
    assert _everything() == before
    shipment_ship(shipment_id=pending.pk)
    with pytest.raises(ShipmentError, match="cannot be pre-announced"):
        shipment_pre_announce(shipment_id=pending.pk)


@pytest.mark.parametrize("bad", [0, 100, -1, "3", 2.5, None, True])
def test_packages_are_a_whole_number_from_1_to_99(pending, bad):
    before = _everything()
    with pytest.raises(ShipmentError, match="Packages"):
        shipment_packages_set(shipment_id=pending.pk, packages=bad)
    assert _everything() == before


def test_packages_change_until_shipped(pending):
    shipment_packages_set(shipment_id=pending.pk, packages=4)
    pending.refresh_from_db()
    assert pending.packages == 4
    assert OrderEvent.objects.filter(type="shipment_packages").count() == 1
    shipment_ship(shipment_id=pending.pk)
    before = _everything()
    with pytest.raises(ShipmentError, match="cannot be repacked"):
        shipment_packages_set(shipment_id=pending.pk, packages=2)
    assert _everything() == before


def test_the_order_desk_operations_are_refused_on_a_cancelled_order(order, pending):
    order_cancel(order_id=order.pk, reason="customer changed their mind")
    from orders.exceptions import InvalidTransition

    with pytest.raises(InvalidTransition, match="only placed orders are fulfilled"):
        shipment_packages_set(shipment_id=pending.pk, packages=2)


# --- pending shipments follow the order
def test_an_edit_that_lowers_a_quantity_trims_the_pending_shipment(order, pending):
    line = order.lines.get()
    order_edit_commit(order_id=order.pk, changes=EditChanges(quantities={line.pk: 1}), base_version=order.version)
    assert list(pending.lines.values_list("quantity", flat=True)) == [1]
    assert _audit() == []
    assert OrderEvent.objects.filter(type="shipment_trimmed").count() == 1


def test_cancelling_the_line_cancels_the_emptied_shipment(order, pending, place_order, product):
    other = factories.ProductFactory(sku="CUP-1", tax_rate=product.tax_rate)
    factories.stock(other, pending.location, 5)
    line = order.lines.get()
    order_edit_commit(order_id=order.pk, changes=EditChanges(added={other.pk: 1}), base_version=order.version)
    order_line_cancel(order_id=order.pk, line_id=line.pk, quantity=3)
    pending.refresh_from_db()
    assert pending.status == Shipment.Status.CANCELED and "cancelled" in pending.cancel_reason
    assert _audit() == []


def test_a_whole_order_cancel_cancels_its_pending_shipments(order, pending):
    order_cancel(order_id=order.pk, reason="fraud")
    pending.refresh_from_db()
    assert pending.status == Shipment.Status.CANCELED
    assert _audit() == []


def test_a_split_moves_units_out_of_the_pending_shipment(order, pending):
    line = order.lines.get()
    order_split(order_id=order.pk, quantities={line.pk: 2}, reason="backorder")
    assert list(pending.lines.values_list("quantity", flat=True)) == [1]
    assert _audit() == []


def test_a_partial_shipment_takes_only_the_units_asked(order):
    line = order.lines.get()
    first = shipments_create(order_id=order.pk, quantities={line.pk: 1})[0]
    assert list(first.lines.values_list("quantity", flat=True)) == [1]
    before = _everything()
    with pytest.raises(ShipmentError, match="not allocated outside the shipments"):
        shipments_create(order_id=order.pk, quantities={line.pk: 3})
    assert _everything() == before


# --- no unit leaves stock except through a shipment
ROOT = pathlib.Path(__file__).resolve().parents[2]
ALLOWED = ("orders/services/", "fulfillment/services/", "orders/management/commands/seed_demo.py")


def test_only_the_services_call_the_ship_primitives():
    callers = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv", "tests/", "bench/")) or relative.startswith(ALLOWED):
            continue
        if re.search(r"\border_lines_(un)?ship\w*\s*\(", path.read_text(encoding="utf-8")):
            callers.append(relative)
    assert callers == []
