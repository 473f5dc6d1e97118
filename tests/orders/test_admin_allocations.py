"""The Allocations tab: each line's allocations with bin and status, the Move form, constant queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import StockLevel, StockMovement
from fulfillment.models import PickList, PickListLine, Shipment, ShipmentLine
from orders.models import Allocation, OrderEvent
from tests.factories import ProductFactory, stock

pytestmark = pytest.mark.django_db


def page(order):
    return reverse("admin:orders_order_page", args=(order.pk, "allocations"))


@pytest.fixture
def order(place_order, product, location, second_location):
    main = stock(product, location, 10)
    main.bin_location = "A-01-3"
    main.save(update_fields=["bin_location"])
    stock(product, second_location, 4)
    return place_order([(product, 5)])


def shipment_of(order, line, location, quantity, *, suffix="S1", released=False, picked=False) -> Shipment:
    """A pending shipment as fulfilment will write it (its services are not needed to read the tab)."""
    shipment = Shipment.objects.create(number=f"{order.number}-{suffix}", order=order, location=location)
    if released:
        Shipment.objects.filter(pk=shipment.pk).update(handoff_status=Shipment.Handoff.RELEASED)
    shipment_line = ShipmentLine.objects.create(shipment=shipment, order_line=line, quantity=quantity)
    if picked:
        pick_list = PickList.objects.create(number=f"P-{shipment.pk}", location=location)
        pick = PickListLine.objects.create(
            pick_list=pick_list, shipment=shipment, shipment_line=shipment_line, product=line.product, quantity=quantity
        )
        PickListLine.objects.filter(pk=pick.pk).update(status=PickListLine.Status.PICKED, quantity_picked=quantity)
    return shipment


def test_the_tab_shows_each_allocation_with_location_bin_units_and_status(client, desk, order):
    client.force_login(desk)
    response = client.get(page(order))
    assert response.status_code == 200
    rows = response.context["lines"]
    assert [(r.allocation.location.code, r.bin_location, r.allocation.quantity, r.states) for r in rows[0].rows] == [
        ("main", "A-01-3", 5, [("Reserved", 5)])
    ]
    html = response.content.decode()
    assert "A-01-3" in html and "5 × Reserved" in html
    assert 'class="allocation-move"' not in html  # the order desk may not move stock


def test_units_in_shipments_show_which_shipment_and_its_state(client, warehouse, place_order, product, location):
    # given: 10 mugs at main; 2 in a shipment not released, 3 released to the warehouse, 4 picked; 1 free
    stock(product, location, 20)
    order = place_order([(product, 10)])
    line = order.lines.get()
    shipment_of(order, line, location, 2, suffix="S1")
    shipment_of(order, line, location, 3, suffix="S2", released=True)
    shipment_of(order, line, location, 4, suffix="S3", picked=True)
    shipped = shipment_of(order, line, location, 1, suffix="S0")
    Shipment.objects.filter(pk=shipped.pk).update(status=Shipment.Status.CANCELED)  # a cancelled one takes none
    client.force_login(warehouse)
    # when
    response = client.get(page(order))
    # then
    [row] = response.context["lines"][0].rows
    assert sorted(row.states) == sorted(
        [
            (f"In shipment {order.number}-S1 (not shipped)", 2),
            (f"In shipment {order.number}-S2 (released to warehouse)", 3),
            (f"In shipment {order.number}-S3 (picked)", 4),
            ("Reserved", 1),
        ]
    )
    assert f"3 × In shipment {order.number}-S2 (released to warehouse)" in response.content.decode()


def test_a_warehouse_user_moves_units_and_sees_them_at_the_new_location(client, warehouse, order, second_location):
    # given
    client.force_login(warehouse)
    allocation = Allocation.objects.get(line__order=order)
    # when
    response = client.post(
        page(order), {"allocation": allocation.pk, "to_location": second_location.pk, "quantity": "2"}, follow=True
    )
    # then
    assert response.status_code == 200
    assert "Moved 2 × Mug to City store." in [str(m) for m in response.context["messages"]]
    assert dict(Allocation.objects.filter(line__order=order).values_list("location__code", "quantity")) == {
        "main": 3,
        "store": 2,
    }
    event = order.events.get(type=OrderEvent.Type.ALLOCATION_MOVED)
    assert event.actor == warehouse


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"quantity": "5"}, "To location: City store has 4 sellable MUG-1 (Mug), 5 needed."),
        ({"quantity": "9"}, "Quantity: choose between 1 and 5 units of 'Mug' to move."),
        ({"quantity": "1.5"}, "Quantity: "),
        ({"quantity": ""}, "Quantity: "),
        ({"to_location": "x"}, "To location: "),
        ({"to_location": "999999"}, "To location: location 999999 holds no stock of MUG-1."),
        ({"allocation": "999999"}, "Allocation: those units are no longer reserved there"),
    ],
)
def test_a_refused_move_shows_why_on_the_page_and_changes_nothing(
    client, warehouse, order, second_location, posted, message
):
    # given
    client.force_login(warehouse)
    allocation = Allocation.objects.get(line__order=order)
    data = {"allocation": allocation.pk, "to_location": second_location.pk, "quantity": "2", **posted}
    before = (list(Allocation.objects.values_list("location_id", "quantity")), StockMovement.objects.count())
    # when
    response = client.post(page(order), data)
    # then
    assert response.status_code == 200
    errors = [str(m) for m in response.context["messages"]]
    assert len(errors) == 1 and errors[0].startswith(message), errors
    assert (list(Allocation.objects.values_list("location_id", "quantity")), StockMovement.objects.count()) == before


def test_moving_without_the_permission_is_forbidden(client, desk, order, second_location):
    client.force_login(desk)
    allocation = Allocation.objects.get(line__order=order)
    response = client.post(page(order), {"allocation": allocation.pk, "to_location": second_location.pk, "quantity": 1})
    assert response.status_code == 403
    assert Allocation.objects.get(line__order=order).quantity == 5


def test_a_cancelled_order_offers_no_move_and_says_why(client, warehouse, order):
    from orders.services.cancel import order_cancel

    order_cancel(order_id=order.pk, reason="test")
    client.force_login(warehouse)
    html = client.get(page(order)).content.decode()
    assert 'class="allocation-move"' not in html
    assert "is cancelled; it has no reserved stock to move." in html
    assert "Cancelled; nothing reserved." in html


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# The session, the user, the order with the header and tab bar (with the hand-off guard's query behind the
# Move forms' "may I?"), then the tab's own: the lines, their allocations (with locations), shipment lines,
# shipments, pick lines, and the stock levels of their products.
TAB_QUERIES = 12


@pytest.mark.parametrize("size", [2, 6])
def test_the_tab_takes_the_same_queries_whatever_the_number_of_lines(
    client, warehouse, place_order, location, second_location, tax_rate, size
):
    # given: every line reserved at two locations and in a shipment, some units picked
    products = [ProductFactory(tax_rate=tax_rate, unit_price=Decimal("2.00")) for _ in range(size)]
    for product in products:
        stock(product, location, 2)
        stock(product, second_location, 10)
    warm = place_order([(products[0], 1)])
    order = place_order([(product, 5) for product in products])
    # the rule reserves each line whole at the store; move 2 of each to main so every line has two rows
    client.force_login(warehouse)
    for allocation in Allocation.objects.filter(line__order=order):
        client.post(page(order), {"allocation": allocation.pk, "to_location": location.pk, "quantity": 1})
    for i, line in enumerate(order.lines.all()):
        shipment_of(order, line, second_location, 2, suffix=f"S{i}", picked=bool(i % 2))
    _queries(client, page(warm))
    # when
    count = _queries(client, page(order))
    # then
    assert StockLevel.objects.filter(allocated__gt=0).count() == 2 * size
    assert count == TAB_QUERIES, "\n".join(q["sql"][:150] for q in connection.queries[-count:])
