import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from catalog.exceptions import InsufficientStock, InvalidStockChange
from catalog.models import StockLevel, StockMovement
from catalog.services import (
    stock_adjust,
    stock_allocate,
    stock_levels_lock,
    stock_receive,
    stock_release,
    stock_ship,
)
from tests.factories import ProductFactory, StaffFactory, stock

Kind = StockMovement.Kind


def counters(level: StockLevel) -> tuple[int, int, int, int]:
    level.refresh_from_db()
    return level.on_hand, level.allocated, level.quarantined, level.sellable


def locked(level: StockLevel) -> StockLevel:
    return next(lv for lv in stock_levels_lock(product_ids=[level.product_id]) if lv.pk == level.pk)


def ledger(level: StockLevel) -> list[tuple]:
    return list(
        level.movements.order_by("pk").values_list("kind", "on_hand_delta", "allocated_delta", "quarantined_delta")
    )


@pytest.mark.django_db
def test_receiving_creates_the_level_and_writes_a_receipt(product, location):
    # given
    actor = StaffFactory()
    # when
    movement = stock_receive(
        product=product, location=location, quantity=12, reason="Delivery", actor=actor, reference="PO-7"
    )
    # then
    level = StockLevel.objects.get(product=product, location=location)
    assert counters(level) == (12, 0, 0, 12)
    assert (movement.kind, movement.on_hand_delta, movement.reason, movement.reference, movement.actor) == (
        Kind.RECEIPT,
        12,
        "Delivery",
        "PO-7",
        actor,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [0, -3])
def test_receiving_nothing_or_less_is_refused(product, location, quantity):
    with pytest.raises(InvalidStockChange):
        stock_receive(product=product, location=location, quantity=quantity, reason="x")
    assert StockMovement.objects.count() == 0


@pytest.mark.django_db
def test_adjustments_move_on_hand_both_ways_with_a_reason(product, location):
    # given
    level = stock(product, location, 10)
    # when
    stock_adjust(product=product, location=location, quantity=-4, reason="Damaged")
    stock_adjust(product=product, location=location, quantity=1, reason="Count found one")
    # then
    assert counters(level) == (7, 0, 0, 7)
    assert ledger(level)[1:] == [(Kind.ADJUSTMENT, -4, 0, 0), (Kind.ADJUSTMENT, 1, 0, 0)]
    assert list(level.movements.order_by("pk").values_list("reason", flat=True))[1:] == ["Damaged", "Count found one"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("quantity", "reason", "message"),
    [(0, "x", "non-zero"), (-1, "  ", "reason"), (-9, "Lost", "only 8 sellable")],
    ids=["zero", "no-reason", "below-sellable"],
)
def test_adjustments_that_make_no_sense_are_refused(product, location, quantity, reason, message):
    # given: 10 on hand, 2 of them reserved
    level = stock(product, location, 10)
    with transaction.atomic():
        stock_allocate(level=locked(level), quantity=2, reference="A")
    # when
    with pytest.raises(InvalidStockChange, match=message):
        stock_adjust(product=product, location=location, quantity=quantity, reason=reason)
    # then
    assert counters(level) == (10, 2, 0, 8)
    assert level.movements.count() == 2


@pytest.mark.django_db
def test_allocate_release_and_ship_move_the_counters_and_write_the_ledger(product, location):
    # given
    level = stock(product, location, 10)
    # when
    with transaction.atomic():
        stock_allocate(level=locked(level), quantity=6, reference="10001")
    with transaction.atomic():
        stock_release(level=locked(level), quantity=2, reference="10001", reason="line cancelled")
    with transaction.atomic():
        stock_ship(level=locked(level), quantity=3, reference="10001")
    # then
    assert counters(level) == (7, 1, 0, 6)
    assert ledger(level) == [
        (Kind.RECEIPT, 10, 0, 0),
        (Kind.ALLOCATION, 0, 6, 0),
        (Kind.RELEASE, 0, -2, 0),
        (Kind.SHIPMENT, -3, -3, 0),
    ]
    assert set(level.movements.exclude(kind=Kind.RECEIPT).values_list("reference", flat=True)) == {"10001"}


@pytest.mark.django_db
def test_allocating_more_than_is_sellable_is_refused_naming_the_shortage(product, location):
    # given
    level = stock(product, location, 5)
    # when
    with pytest.raises(InsufficientStock) as exc, transaction.atomic():
        stock_allocate(level=locked(level), quantity=6, reference="10001")
    # then
    assert (exc.value.sku, exc.value.requested, exc.value.available) == ("MUG-1", 6, 5)
    assert str(exc.value) == "MUG-1: 6 requested, only 5 available at Main warehouse."
    assert counters(level) == (5, 0, 0, 5)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("operation", "quantity"),
    [(stock_allocate, 0), (stock_release, 0), (stock_release, 4), (stock_ship, 4), (stock_ship, -1)],
    ids=["allocate-zero", "release-zero", "release-more", "ship-more", "ship-negative"],
)
def test_impossible_reservation_changes_are_refused(product, location, operation, quantity):
    # given: 10 on hand, 3 reserved
    level = stock(product, location, 10)
    with transaction.atomic():
        stock_allocate(level=locked(level), quantity=3, reference="A")
    # when
    with pytest.raises(InvalidStockChange), transaction.atomic():
        operation(level=locked(level), quantity=quantity, reference="A")
    # then
    assert counters(level) == (10, 3, 0, 7)
    assert level.movements.count() == 2


@pytest.mark.django_db
def test_levels_are_locked_in_pk_order_whatever_order_the_products_are_asked_in(tax_rate, location, second_location):
    # given: the worse location's level is created first (lower pk), and two products asked for in reverse
    product, other = ProductFactory(tax_rate=tax_rate), ProductFactory(tax_rate=tax_rate)
    first = stock(product, second_location, 1)
    second = stock(product, location, 1)
    third = stock(other, location, 1)
    # when
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        levels = stock_levels_lock(product_ids=[other.pk, product.pk])
    # then: one locking query, rows in primary-key order
    assert [level.pk for level in levels] == [first.pk, second.pk, third.pk]
    selects = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 1 and "ORDER BY" in selects[0]
    assert ("FOR UPDATE" in selects[0]) == connection.features.has_select_for_update


@pytest.mark.django_db
def test_each_level_always_equals_its_ledger(product, location):
    # given / when
    level = stock(product, location, 10)
    stock_adjust(product=product, location=location, quantity=-1, reason="Broken")
    with transaction.atomic():
        stock_allocate(level=locked(level), quantity=4, reference="X")
    with transaction.atomic():
        stock_ship(level=locked(level), quantity=1, reference="X")
    # then
    rows = ledger(level)
    assert counters(level)[:3] == tuple(sum(row[i] for row in rows) for i in (1, 2, 3))
