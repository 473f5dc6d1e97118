from decimal import Decimal

import pytest

from catalog.models import StockLevel, StockMovement
from orders.exceptions import InvalidTransition, OrderValidationError
from orders.models import Allocation, Order, OrderEvent
from orders.services.cancel import order_cancel, order_line_cancel
from orders.services.shipping import order_lines_ship
from tests.factories import ProductFactory, StaffFactory, stock


@pytest.fixture
def cup(tax_rate):
    return ProductFactory(sku="CUP-1", name="Cup", unit_price=Decimal("4.00"), tax_rate=tax_rate)


@pytest.fixture
def stocked(product, cup, location, second_location, allocation_by_priority):
    stock(product, location, 3)
    stock(product, second_location, 10)
    stock(cup, location, 10)


def allocated(product) -> int:
    return sum(StockLevel.objects.filter(product=product).values_list("allocated", flat=True))


@pytest.mark.django_db
def test_cancelling_an_order_releases_every_reservation(place_order, product, cup, stocked):
    # given
    actor = StaffFactory()
    order = place_order([(product, 5), (cup, 2)])
    # when
    order_cancel(order_id=order.pk, actor=actor, reason="Customer changed their mind")
    # then
    order.refresh_from_db()
    assert (order.status, order.cancel_reason, order.reservation_expires_at) == (
        Order.Status.CANCELED,
        "Customer changed their mind",
        None,
    )
    assert order.canceled_at is not None
    assert (allocated(product), allocated(cup)) == (0, 0)
    assert not Allocation.objects.filter(line__order=order).exists()
    releases = StockMovement.objects.filter(kind=StockMovement.Kind.RELEASE, reference=order.number)
    assert sorted(releases.values_list("level__location__code", "allocated_delta")) == [
        ("main", -3),
        ("main", -2),
        ("store", -2),
    ]
    canceled = order.events.get(type=OrderEvent.Type.CANCELED)
    assert (canceled.actor, canceled.source) == (actor, OrderEvent.Source.ADMIN)
    assert canceled.parameters == {"old_status": "placed", "reason": "Customer changed their mind"}
    released = order.events.get(type=OrderEvent.Type.RELEASED)
    assert released.parameters["reason"] == "cancelled"
    assert sum(r["quantity"] for r in released.parameters["releases"]) == 7


@pytest.mark.django_db
def test_cancelling_a_draft_holds_no_stock_and_records_the_event(place_order, product, stocked):
    # given
    draft = place_order([(product, 2)], place=False)
    # when
    order_cancel(order_id=draft.pk, actor=None, reason="duplicate")
    # then
    draft.refresh_from_db()
    assert draft.status == Order.Status.CANCELED
    assert list(draft.events.values_list("type", flat=True)) == ["draft_created", "canceled"]


@pytest.mark.django_db
def test_a_cancelled_order_cannot_be_cancelled_again(place_order, product, stocked):
    # given
    order = place_order([(product, 2)])
    order_cancel(order_id=order.pk, reason="first")
    events = OrderEvent.objects.count()
    # when
    with pytest.raises(InvalidTransition):
        order_cancel(order_id=order.pk, reason="second")
    # then
    assert OrderEvent.objects.count() == events


@pytest.mark.django_db
def test_an_order_with_shipped_units_cannot_be_cancelled_whole(place_order, product, stocked):
    # given
    order = place_order([(product, 4)])
    order_lines_ship(order_id=order.pk, quantities={order.lines.get().pk: 1})
    # when
    with pytest.raises(InvalidTransition, match="shipped units"):
        order_cancel(order_id=order.pk, reason="too late")
    # then
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert allocated(product) == 3


@pytest.mark.django_db
def test_cancelling_part_of_a_line_releases_that_part_and_reprices(place_order, product, cup, stocked):
    # given: 5 mugs reserved as 3 at main and 2 at the store
    order = place_order([(product, 5), (cup, 2)], shipping_fee=Decimal("4.95"))
    line = order.lines.get(sku="MUG-1")
    # when
    order_line_cancel(order_id=order.pk, line_id=line.pk, quantity=2, reason="out of budget")
    # then: the worse location (store) is released first
    order.refresh_from_db()
    line.refresh_from_db()
    assert (line.quantity, line.quantity_canceled, line.quantity_open) == (5, 2, 3)
    held = dict(Allocation.objects.filter(line=line).values_list("location__code", "quantity"))
    assert held == {"main": 3}
    assert allocated(product) == 3
    assert line.gross == Decimal("37.50")
    assert order.total_gross == Decimal("37.50") + Decimal("8.00") + Decimal("4.95")
    event = order.events.get(type=OrderEvent.Type.LINE_CANCELED)
    assert event.parameters == {
        "line_id": line.pk,
        "sku": "MUG-1",
        "name": "Mug",
        "quantity": 2,
        "reason": "out of budget",
    }
    assert order.events.get(type=OrderEvent.Type.RELEASED).parameters["reason"] == "line cancelled"


@pytest.mark.django_db
def test_cancelling_a_whole_line_frees_all_its_stock_and_keeps_the_order(place_order, product, cup, stocked):
    # given
    order = place_order([(product, 2), (cup, 2)])
    line = order.lines.get(sku="CUP-1")
    # when
    order_line_cancel(order_id=order.pk, line_id=line.pk, quantity=2)
    # then
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert allocated(cup) == 0
    assert order.total_gross == Decimal("25.00")


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [0, 6])
def test_cancelling_more_than_is_open_or_nothing_is_refused(place_order, product, stocked, quantity):
    # given
    order = place_order([(product, 5)])
    line = order.lines.get()
    # when
    with pytest.raises(OrderValidationError):
        order_line_cancel(order_id=order.pk, line_id=line.pk, quantity=quantity)
    # then
    line.refresh_from_db()
    assert line.quantity_canceled == 0
    assert allocated(product) == 5


@pytest.mark.django_db
def test_lines_of_a_cancelled_order_cannot_be_cancelled(place_order, product, stocked):
    # given
    order = place_order([(product, 2)])
    order_cancel(order_id=order.pk)
    # when / then
    with pytest.raises(InvalidTransition):
        order_line_cancel(order_id=order.pk, line_id=order.lines.get().pk, quantity=1)
