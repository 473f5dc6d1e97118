"""Moving reserved units between stock locations by hand: the stock moves through the ledger, refusals change
nothing, guards see the proposed move."""

from decimal import Decimal

import pytest

from catalog.models import StockLevel, StockMovement
from oms.invariants import run_all
from orders import hooks
from orders.exceptions import InvalidTransition, OrderValidationError
from orders.models import Allocation, OrderEvent
from orders.services.allocation_move import allocation_move
from orders.services.cancel import order_cancel, order_line_cancel
from tests.factories import ProductFactory, StaffFactory, StockLocationFactory, stock
from tests.threads import run_together

Kind = StockMovement.Kind


@pytest.fixture
def cup(tax_rate):
    return ProductFactory(sku="CUP-1", name="Cup", unit_price=Decimal("4.00"), tax_rate=tax_rate)


@pytest.fixture
def counter(db):
    return StockLocationFactory(code="counter", name="Shop counter", priority=1, allocate_automatically=False)


@pytest.fixture
def order(place_order, product, cup, location, second_location):
    """5 mugs and 1 cup reserved at the main warehouse; the store has 3 mugs to spare."""
    stock(product, location, 10)
    stock(cup, location, 10)
    stock(product, second_location, 3)
    return place_order([(product, 5), (cup, 1)])


def snapshot() -> tuple:
    """Everything a move could change: allocations, stock counters, the ledger and the timeline."""
    return (
        sorted(Allocation.objects.values_list("line_id", "location_id", "quantity")),
        sorted(StockLevel.objects.values_list("pk", "on_hand", "allocated")),
        StockMovement.objects.count(),
        OrderEvent.objects.count(),
    )


def move(order, line, from_location, to_location, quantity, actor=None):
    return allocation_move(
        order_id=order.pk,
        line_id=line.pk,
        from_location_id=from_location.pk,
        to_location_id=to_location.pk,
        quantity=quantity,
        actor=actor,
    )


@pytest.mark.django_db
def test_moving_two_units_releases_at_the_old_location_and_reserves_at_the_new(order, location, second_location):
    # given
    staff = StaffFactory()
    mug = order.lines.get(sku="MUG-1")
    movements = StockMovement.objects.count()
    # when
    target = move(order, mug, location, second_location, 2, actor=staff)
    # then
    assert (target.location, target.quantity) == (second_location, 2)
    assert dict(Allocation.objects.filter(line=mug).values_list("location__code", "quantity")) == {
        "main": 3,
        "store": 2,
    }
    main, store = (StockLevel.objects.get(product=mug.product, location=where) for where in (location, second_location))
    assert (main.on_hand, main.allocated, store.on_hand, store.allocated) == (10, 3, 3, 2)
    new = StockMovement.objects.order_by("pk")[movements:]
    assert [(m.level_id, m.kind, m.allocated_delta, m.on_hand_delta, m.reference) for m in new] == [
        (main.pk, Kind.RELEASE, -2, 0, order.number),
        (store.pk, Kind.ALLOCATION, 2, 0, order.number),
    ]
    event = order.events.get(type=OrderEvent.Type.ALLOCATION_MOVED)
    assert (event.actor, event.source) == (staff, OrderEvent.Source.ADMIN)
    assert event.parameters == {
        "line_id": mug.pk,
        "sku": "MUG-1",
        "name": "Mug",
        "quantity": 2,
        "from_location": "Main warehouse",
        "to_location": "City store",
        "from_location_id": location.pk,
        "to_location_id": second_location.pk,
    }
    assert {rule.name: rows for rule, rows in run_all() if rows} == {}


@pytest.mark.django_db
def test_moving_every_unit_removes_the_old_allocation_and_a_move_back_merges(order, location, second_location):
    cup = order.lines.get(sku="CUP-1")
    stock(cup.product, second_location, 1)
    move(order, cup, location, second_location, 1)
    assert list(Allocation.objects.filter(line=cup).values_list("location__code", "quantity")) == [("store", 1)]
    mug = order.lines.get(sku="MUG-1")
    move(order, mug, location, second_location, 1)
    move(order, mug, second_location, location, 1)
    assert list(Allocation.objects.filter(line=mug).values_list("location__code", "quantity")) == [("main", 5)]


@pytest.mark.django_db
def test_staff_may_move_units_to_a_location_excluded_from_automatic_allocation(order, location, counter):
    mug = order.lines.get(sku="MUG-1")
    stock(mug.product, counter, 4)
    move(order, mug, location, counter, 4)
    assert dict(Allocation.objects.filter(line=mug).values_list("location__code", "quantity")) == {
        "main": 1,
        "counter": 4,
    }


@pytest.mark.django_db
def test_the_timeline_says_what_moved_where(order, location, second_location, client):
    from orders.admin_pages.timeline import timeline

    staff = StaffFactory(first_name="Wanda", last_name="House")
    move(order, order.lines.get(sku="MUG-1"), location, second_location, 2, actor=staff)
    events = list(order.events.filter(type=OrderEvent.Type.ALLOCATION_MOVED))
    [row] = timeline(events, memos={}, messages={})
    assert row["sentence"] == "Wanda House moved 2 × Mug from Main warehouse to City store"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "Quantity: choose between 1 and 5 units of 'Mug' to move."),
        (6, "Quantity: choose between 1 and 5 units of 'Mug' to move."),
        (-1, "Quantity: choose between 1 and 5 units of 'Mug' to move."),
        (4, "To location: City store has 3 sellable MUG-1 (Mug), 4 needed."),
    ],
)
def test_a_quantity_out_of_range_or_beyond_the_target_s_stock_is_refused(
    order, location, second_location, quantity, message
):
    # given
    before = snapshot()
    # when
    with pytest.raises(OrderValidationError) as exc:
        move(order, order.lines.get(sku="MUG-1"), location, second_location, quantity)
    # then
    assert exc.value.message == message
    assert snapshot() == before


@pytest.mark.django_db
def test_refusals_name_the_field_and_change_nothing(order, cup, location, second_location, counter):
    mug = order.lines.get(sku="MUG-1")
    outlet = StockLocationFactory(code="outlet", name="Outlet", priority=30, active=False)
    stock(mug.product, outlet, 10)
    cases = [
        (lambda: move(order, mug, location, location, 1), "To location: choose a location other than"),
        (lambda: move(order, mug, second_location, location, 1), "From location: 'Mug' has no units reserved there."),
        (lambda: move(order, mug, location, counter, 1), "To location: Shop counter holds no stock of MUG-1."),
        (lambda: move(order, mug, location, outlet, 1), "To location: Outlet is inactive."),
    ]
    before = snapshot()
    for call, message in cases:
        with pytest.raises(OrderValidationError) as exc:
            call()
        assert exc.value.message.startswith(message)
    with pytest.raises(OrderValidationError, match="Line: order"):
        allocation_move(
            order_id=order.pk, line_id=0, from_location_id=location.pk, to_location_id=second_location.pk,
            quantity=1, actor=None,
        )  # fmt: skip
    assert snapshot() == before


@pytest.mark.django_db
def test_a_closed_line_or_a_cancelled_order_is_refused(order, location, second_location):
    cup = order.lines.get(sku="CUP-1")
    order_line_cancel(order_id=order.pk, line_id=cup.pk, quantity=1)
    before = snapshot()
    with pytest.raises(OrderValidationError, match="Line: 'Cup' has no open units"):
        move(order, cup, location, second_location, 1)
    order_cancel(order_id=order.pk, reason="test")
    before = snapshot()
    with pytest.raises(InvalidTransition, match="is cancelled; it has no reserved stock to move"):
        move(order, order.lines.get(sku="MUG-1"), location, second_location, 1)
    assert snapshot() == before


@pytest.mark.django_db
def test_a_guard_sees_the_proposed_move_and_its_refusal_changes_nothing(order, location, second_location):
    # given: a guard like fulfilment's (units released to the warehouse cannot move)
    seen = []

    def released_units(order_, operation, change):
        seen.append(change)
        return "2 units of Mug are in shipment 1-S1, released to the warehouse." if change else None

    hooks.register_guard("allocation_move", "test.released", released_units)
    mug = order.lines.get(sku="MUG-1")
    before = snapshot()
    try:
        # when
        with pytest.raises(InvalidTransition, match="released to the warehouse"):
            move(order, mug, location, second_location, 2)
    finally:
        hooks.unregister("allocation_move", "test.released")
    # then
    assert seen == [
        {"line_id": mug.pk, "from_location_id": location.pk, "to_location_id": second_location.pk, "quantity": 2}
    ]
    assert snapshot() == before


@pytest.mark.django_db
def test_only_staff_with_the_permission_may_move(order, django_user_model):
    from django.contrib.auth.models import Group

    warehouse = StaffFactory()
    warehouse.groups.add(Group.objects.get(name="Warehouse"))
    desk = StaffFactory()
    desk.groups.add(Group.objects.get(name="Order desk"))
    assert hooks.may(warehouse, "allocation_move", order) == (True, "")
    assert hooks.may(desk, "allocation_move", order) == (
        False,
        "You do not have permission to move allocations to another location.",
    )
    assert Group.objects.get(name="Manager").permissions.filter(codename="move_allocation").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_moving_the_same_units_at_once_move_them_once(place_order, product, location, second_location):
    # given: 3 mugs reserved at main; the store has room for all of them
    stock(product, location, 3)
    stock(product, second_location, 10)
    for _ in range(5):
        order = place_order([(product, 3)])
        mug = order.lines.get()
        # when: three clerks each move 2 of the 3 units
        results = run_together(3, lambda o=order, m=mug: move(o, m, location, second_location, 2))
        # then: one move went through, the others were refused, nothing deadlocked
        moved = [r for r in results if isinstance(r, Allocation)]
        refused = [r for r in results if isinstance(r, OrderValidationError)]
        assert (len(moved), len(refused)) == (1, 2), results
        assert dict(Allocation.objects.filter(line=mug).values_list("location__code", "quantity")) == {
            "main": 1,
            "store": 2,
        }
        order_cancel(order_id=order.pk, reason="next round")
    assert {rule.name: rows for rule, rows in run_all() if rows} == {}
