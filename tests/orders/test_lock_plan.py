"""The order lock finds the order and its family root through the primary key, however many orders exist."""

import pytest
from django.db import connection, transaction

from orders.models import SplitReason
from orders.services.locks import _order_and_root_query, _orders_and_roots_query, order_lock, orders_lock
from orders.services.split import order_split
from tests.factories import ProductFactory, stock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def family(place_order, location, tax_rate):
    product = ProductFactory(tax_rate=tax_rate)
    stock(product, location, 10)
    original = place_order([(product, 4)])
    line = original.lines.get()
    child = order_split(order_id=original.pk, quantities={line.pk: 2}, reason=SplitReason.SHIP_LATER, notify=False)
    return original, child


def test_the_lock_query_reads_the_order_and_its_root_by_index(family):
    # given: full scans ruled out (of the table, and of an index in key order), so the plan shows whether index
    # conditions can find the rows at all, as the planner needs at a million orders
    _, child = family
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
        # when the lock's statement is explained
        plan = _order_and_root_query(child.pk, False).explain()
    # then: both look-ups are index conditions (the old "id = x OR id IN (subquery)" could only filter a full
    # scan of the primary key index: every order read to lock one)
    assert "Seq Scan" not in plan and "hashed SubPlan" not in plan, plan
    assert "BitmapOr" in plan, plan


def test_the_lock_holds_the_order_and_its_root_or_the_order_alone(family):
    original, child = family
    with transaction.atomic():
        locked = order_lock(child.pk, operation="payment")
        assert (locked.order.pk, locked.root.pk) == (child.pk, original.pk)
        locked = order_lock(original.pk, operation="payment")
        assert (locked.order.pk, locked.root.pk) == (original.pk, original.pk)


def test_locking_a_selection_reads_its_orders_and_their_roots_by_index(family, place_order):
    # given: a selection of a split child and an order of its own, full scans ruled out as above
    _, child = family
    other = place_order([(child.lines.get().product, 1)])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
        # when the lock's statement is explained
        plan = _orders_and_roots_query([child.pk, other.pk]).explain()
    # then: the orders are found by their keys, not by filtering every order
    assert "Seq Scan" not in plan and "SubPlan" not in plan, plan


def test_a_selection_lock_holds_the_orders_and_their_roots(family, place_order):
    original, child = family
    other = place_order([(child.lines.get().product, 1)])
    with transaction.atomic():
        locked = orders_lock([child.pk, other.pk], operation="invoice")
        assert set(locked) == {child.pk, other.pk}
        held = list(_orders_and_roots_query([child.pk, other.pk]).values_list("pk", flat=True))
    assert held == sorted([original.pk, child.pk, other.pk])
