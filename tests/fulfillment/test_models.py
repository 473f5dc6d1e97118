"""The fulfilment schema: transitions change state only, and the database refuses impossible rows."""

import pytest
from django.db import IntegrityError, transaction
from django_fsm import TransitionNotAllowed

from fulfillment.models import PickList, PickListLine, Shipment, ShipmentLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(place_order, product, location):
    from tests.factories import stock

    stock(product, location, 5)
    return place_order([(product, 2)])


def _shipment(order) -> Shipment:
    return Shipment.objects.create(
        number=f"{order.number}-S1", order=order, location=order.lines.first().allocations.first().location
    )


def test_shipment_transitions_follow_the_lifecycle(order):
    shipment = _shipment(order)
    shipment.release()
    assert shipment.handoff_status == Shipment.Handoff.RELEASED and shipment.released_at
    shipment.request_recall()
    shipment.accept_recall()
    assert shipment.handoff_status == Shipment.Handoff.NOT_RELEASED and shipment.released_at is None
    shipment.ship()
    with pytest.raises(TransitionNotAllowed):
        shipment.ship()
    shipment.deliver()
    assert shipment.status == Shipment.Status.DELIVERED and shipment.delivered_at >= shipment.shipped_at


def test_database_refuses_packages_out_of_range_and_empty_lines(order):
    shipment = _shipment(order)
    with pytest.raises(IntegrityError), transaction.atomic():
        Shipment.objects.filter(pk=shipment.pk).update(packages=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        ShipmentLine.objects.create(shipment=shipment, order_line=order.lines.first(), quantity=0)


def test_pick_line_cannot_record_more_picked_than_asked(order):
    shipment = _shipment(order)
    line = order.lines.first()
    shipment_line = ShipmentLine.objects.create(shipment=shipment, order_line=line, quantity=1)
    pick_list = PickList.objects.create(number="PL-1", location=shipment.location)
    pick = PickListLine.objects.create(
        pick_list=pick_list, shipment=shipment, shipment_line=shipment_line, product=line.product, quantity=1
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PickListLine.objects.filter(pk=pick.pk).update(quantity_picked=2)
    pick.mark_short(0)
    assert pick.status == PickListLine.Status.SHORT
