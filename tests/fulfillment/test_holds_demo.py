"""The demo's holds and hand-offs (manage.py seed_holds_demo), made through the services, once."""

from io import StringIO

import pytest
from django.core.management import call_command

from fulfillment.models import Shipment, ShipmentHold, WarehouseConnection
from oms.models import ShopSettings
from tests.fulfillment.holds_fixtures import pay_in_full

pytestmark = pytest.mark.django_db


def test_the_demo_shows_a_held_an_auto_held_a_released_and_a_recalled_shipment(place_order, product, location):
    # given: three paid open orders and an unpaid one, as seed_demo leaves them
    from tests.factories import stock

    stock(product, location, 100)
    for _ in range(3):
        pay_in_full(place_order([(product, 1)]))
    place_order([(product, 2)])
    # when
    out = StringIO()
    call_command("seed_holds_demo", stdout=out)
    # then
    assert ShipmentHold.objects.filter(reason="address_check", automatic=False, released_at__isnull=True).count() == 1
    assert ShipmentHold.objects.filter(reason="awaiting_payment", automatic=True, released_at__isnull=True).count() == 1
    assert Shipment.objects.filter(handoff_status=Shipment.Handoff.RELEASED).count() == 1
    assert Shipment.objects.filter(handoff_status=Shipment.Handoff.RECALL_REQUESTED).count() == 1
    assert WarehouseConnection.objects.filter(name="Main warehouse WMS").exists()
    assert ShopSettings.load_uncached().ship_only_paid_orders is False  # set back after the demo's auto-hold
    assert "recall requested" in out.getvalue()
    # running it again adds nothing
    before = (ShipmentHold.objects.count(), Shipment.objects.count())
    call_command("seed_holds_demo", stdout=StringIO())
    assert (ShipmentHold.objects.count(), Shipment.objects.count()) == before
