"""Two staff shipping the same shipment at once ship it once: PostgreSQL, real threads, no deadlock."""

import pytest

from catalog.models import StockLevel, StockMovement
from fulfillment.models import Shipment
from fulfillment.services.shipments import shipment_cancel, shipment_ship, shipments_create
from oms.invariants import run_all
from orders.exceptions import OrderError
from tests.factories import ProductFactory, stock
from tests.threads import run_together

ROUNDS = 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_shipping_the_same_shipment_ship_it_once(place_order, product, location, second_location, tax_rate):
    # given: shipments from two locations, so each ship locks levels other orders share
    other = ProductFactory(sku="CUP-1", tax_rate=tax_rate)
    stock(product, location, ROUNDS * 2)
    stock(other, second_location, ROUNDS)
    for round_ in range(ROUNDS):
        order = place_order([(product, 2), (other, 1)])
        shipments = shipments_create(order_id=order.pk)
        target = shipments[round_ % len(shipments)]

        def ship(target=target):
            return shipment_ship(shipment_id=target.pk, carrier="DHL", tracking_code=f"R{round_}")

        # when two clerks press Ship together
        results = run_together(2, ship)
        # then exactly one shipped it; the other was refused, not deadlocked
        shipped = [r for r in results if isinstance(r, Shipment)]
        refused = [r for r in results if isinstance(r, OrderError)]
        assert (len(shipped), len(refused)) == (1, 1), results
        assert StockMovement.objects.filter(reference=target.number, kind="shipment").count() == len(
            list(target.lines.all())
        )
        for rest in shipments:
            if rest.pk != target.pk:
                shipment_cancel(shipment_id=rest.pk)
    shipped_units = sum(2 if s.location_id == location.pk else 1 for s in Shipment.objects.filter(status="shipped"))
    levels = {lv.location_id: lv.on_hand for lv in StockLevel.objects.all()}
    assert levels[location.pk] + levels[second_location.pk] + shipped_units == ROUNDS * 3
    assert [(rule.name, rows) for rule, rows in run_all() if rows] == []
