"""Exact statement counts of preparing and shipping a shipment on PostgreSQL, the same for 1 and for 5 lines
(the wave benchmark's steps, bench/bench_fulfilment.py): rows are read, locked and written in bulk.

Shipping used to draw each line's allocation down on its own (the allocations read, the level updated, a
ledger row, the allocation written: four statements per line); it is one draw-down for all the lines now.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fulfillment.services.shipments import shipment_ship, shipments_create
from tests.factories import ProductFactory, stock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# prepare: the order (and root) locked, its lines, its allocations, the units already in pending shipments, the
# locations' priorities, the shipments counted, the shipment inserted, its lines (one insert), its location (for
# the event), the events (one insert).
# ship: the shipment's order, the order (and root) locked, fulfilment's hold and recall guards, the stock levels
# locked, the shipment and its lines, the order's lines, the allocations (one read for all lines), the levels
# updated with their ledger rows (one statement), the emptied allocations deleted, the lines updated with their
# history (one statement), the order updated + its history, the event, invoicing's "ship" hook (due on
# fulfilment), the shipment updated, and the shipment's lines, the customer and the order's lines for the
# webhook's data. Before the one draw-down (measured on b49733c, when the ledger was its own insert): 22 for 1
# line and 38 for 5 (the allocations read, the level updated, a ledger row and the allocation written per line).
STATEMENTS = {"prepare": 10, "ship": 20}


def _statements(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    skip = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
    return sum(1 for q in captured.captured_queries if not q["sql"].startswith(skip))


@pytest.fixture
def order_of(place_order, location, tax_rate):
    products = [ProductFactory(tax_rate=tax_rate) for _ in range(5)]
    for product in products:
        stock(product, location, 1000)
    warm = place_order([(products[0], 1)])  # content types, the settings and endpoint caches
    shipment_ship(shipment_id=shipments_create(order_id=warm.pk)[0].pk, carrier="Warm")

    def _order(size: int):
        return place_order([(product, 2) for product in products[:size]])

    return _order


@pytest.mark.parametrize("size", [1, 5])
def test_preparing_and_shipping_take_the_same_statements_for_any_number_of_lines(order_of, size):
    order = order_of(size)
    made = []
    prepare = _statements(lambda: made.extend(shipments_create(order_id=order.pk)))
    ship = _statements(lambda: shipment_ship(shipment_id=made[0].pk, carrier="PostNL", tracking_code="3S1"))
    assert {"prepare": prepare, "ship": ship} == STATEMENTS
    order.refresh_from_db()
    assert order.fulfillment_status == order.FulfillmentStatus.FULFILLED
