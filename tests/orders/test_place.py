from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import StockLevel, StockMovement
from orders.exceptions import StockUnavailable
from orders.models import Allocation, Order, OrderEvent
from tests.factories import ProductFactory, stock


@pytest.mark.django_db
def test_place_reserves_stock_and_computes_totals(place_order, product, location):
    # given
    stock(product, location, 10)
    # when
    order = place_order([(product, 3)], shipping_fee=Decimal("4.95"))
    # then
    assert order.status == Order.Status.PLACED
    assert order.number == str(10000 + order.pk)
    assert order.lines_gross == Decimal("37.50")
    assert order.total_gross == Decimal("42.45")
    assert order.total_net + order.total_tax == order.total_gross
    level = StockLevel.objects.get(product=product, location=location)
    assert (level.on_hand, level.allocated, level.sellable) == (10, 3, 7)
    assert Allocation.objects.get(line__order=order).quantity == 3
    assert StockMovement.objects.filter(level=level, kind="allocation").get().allocated_delta == 3
    types = list(order.events.values_list("type", flat=True))
    assert types == [  # created and placed in one go: it was never a draft
        OrderEvent.Type.PLACED,
        OrderEvent.Type.ALLOCATED,
        OrderEvent.Type.EMAIL_QUEUED,
    ]


@pytest.mark.django_db
def test_place_uses_locations_by_priority(place_order, product, location, second_location, allocation_by_priority):
    stock(product, location, 2)
    stock(product, second_location, 5)
    order = place_order([(product, 4)])
    held = dict(Allocation.objects.filter(line__order=order).values_list("location__code", "quantity"))
    assert held == {"main": 2, "store": 2}


@pytest.mark.django_db
def test_place_without_enough_stock_changes_nothing(place_order, product, location, tax_rate):
    # given
    other = ProductFactory(sku="CUP-1", tax_rate=tax_rate)
    stock(product, location, 10)
    stock(other, location, 1)
    movements = StockMovement.objects.count()
    # when
    with pytest.raises(StockUnavailable) as exc:
        place_order([(product, 3), (other, 2)])
    # then
    assert exc.value.details == [
        {"line_id": exc.value.details[0]["line_id"], "sku": "CUP-1", "name": other.name, "requested": 2, "available": 1}
    ]
    assert Order.objects.count() == 0
    assert StockMovement.objects.count() == movements
    assert StockLevel.objects.get(product=product).allocated == 0


# The statements of one placement, whatever the number of lines (on PostgreSQL; BEGIN/COMMIT not counted):
# the customer's addresses (none were given), the order with its key from the sequence, its number and its
# history row (one statement: orders.services.rows), the lines with their history rows (one), the levels locked,
# their update with the ledger rows (one statement: catalog.services), the allocations, the confirmation
# e-mail's data (outbox message) and the order's events (placed, allocated, e-mail queued).
# Shop settings and webhook endpoints come from the cache; no template is read or rendered.
PLACEMENT_STATEMENTS = 8


@pytest.mark.postgres
@pytest.mark.django_db
def test_placing_an_order_takes_8_statements_for_2_or_10_lines(place_order, location, tax_rate):
    # given: a warm-up order (first-use queries such as content types and the settings cache)
    products = [ProductFactory(tax_rate=tax_rate) for _ in range(10)]
    for product in products:
        stock(product, location, 100)
    place_order([(products[0], 1)])
    # when
    with CaptureQueriesContext(connection) as two_lines:
        place_order([(p, 1) for p in products[:2]])
    with CaptureQueriesContext(connection) as ten_lines:
        place_order([(p, 1) for p in products])
    # then: reservations, ledger rows, events and history are written in bulk
    statements = [q["sql"] for q in two_lines.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == PLACEMENT_STATEMENTS, "\n".join(statements)
    assert len(ten_lines) == len(two_lines)


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_subscribed_webhook_adds_one_statement_to_a_placement(place_order, product, location):
    # given
    from notifications.models import WebhookEndpoint

    stock(product, location, 100)
    WebhookEndpoint.objects.create(name="ERP", url="https://erp.example/h", event_types=["order.placed"])
    place_order([(product, 1)])
    # when
    with CaptureQueriesContext(connection) as queries:
        place_order([(product, 1)])
    # then: the webhook event row; its fan-out to the endpoints happens after commit
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == PLACEMENT_STATEMENTS + 1


@pytest.mark.django_db
def test_lines_written_in_bulk_still_get_their_row_history(place_order, product, location):
    # given
    from orders.services.cancel import order_line_cancel

    stock(product, location, 10)
    order = place_order([(product, 3)])
    line = order.lines.get()
    # when
    order_line_cancel(order_id=order.pk, line_id=line.pk, quantity=1)
    # then: the created line and its cancellation are both in the line's history
    history = list(line.history.order_by("history_date", "history_id").values_list("history_type", "quantity_canceled"))
    assert history == [("+", 0), ("~", 1)]
