"""One lock order everywhere: services racing on PostgreSQL never deadlock (orders/services/locks.py).

Each test runs two threads (each with its own database connection) for many rounds; a barrier releases
both at the same moment every round. A domain refusal (the other thread won: already cancelled, nothing
left to ship, not enough stock) is a fair outcome; anything else, a deadlock above all, fails the test.
Before the shared lock primitive, shipping locked stock levels line by line, and the first test failed
with "deadlock detected" in most runs.
"""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from catalog.models import StockLevel
from oms.invariants import run_all
from orders.exceptions import OrderError
from orders.models import Order
from orders.services.cancel import order_cancel, order_line_cancel
from orders.services.edit import EditChanges, order_edit_commit
from orders.services.shipping import order_lines_ship
from tests.factories import ProductFactory, stock

ROUNDS = 20

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(rounds: int, *workers: Callable[[int], object]) -> tuple[list[list], list[BaseException]]:
    """Run the workers side by side for `rounds` rounds; returns (outcomes per worker, unexpected errors).

    An outcome is "ok" or the OrderError the service refused with (its transaction rolled back).
    """
    barrier = threading.Barrier(len(workers))
    outcomes: list[list] = [[] for _ in workers]
    unexpected: list[BaseException] = []

    def run(index: int, worker: Callable[[int], object]) -> None:
        try:
            for round_ in range(rounds):
                barrier.wait(timeout=60)
                try:
                    worker(round_)
                    outcomes[index].append("ok")
                except OrderError as refusal:
                    outcomes[index].append(refusal)
                except Exception as exc:  # a deadlock above all: collected and asserted on
                    outcomes[index].append(exc)
                    unexpected.append(exc)
        except BaseException as exc:  # a broken barrier
            unexpected.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes, unexpected


def broken_rules() -> dict:
    return {rule.name: rows for rule, rows in run_all() if rows}


@pytest.fixture
def two_products(tax_rate, location, second_location):
    """Products A and B (A's stock levels have the lower primary keys), stocked at two locations."""
    a, b = ProductFactory(tax_rate=tax_rate), ProductFactory(tax_rate=tax_rate)
    for product in (a, b):
        stock(product, location, 2000)
        stock(product, second_location, 2000)
    return a, b


def _lines(order: Order) -> dict[int, int]:
    """line id -> open units of every line."""
    return {line.pk: line.quantity_open for line in order.lines.all()}


def test_shipping_b_a_while_placing_a_b_never_deadlocks(place_order, two_products):
    # given: orders whose lines are [B, A], to be shipped while orders for [A, B] are placed
    a, b = two_products
    to_ship = [place_order([(b, 3), (a, 3)]) for _ in range(ROUNDS)]
    placed_before = Order.objects.count()

    # when
    outcomes, unexpected = race(
        ROUNDS,
        lambda i: order_lines_ship(order_id=to_ship[i].pk, quantities=_lines(to_ship[i])),
        lambda i: place_order([(a, 2), (b, 2)]),
    )

    # then: every shipment and every placement went through, and the books still add up
    assert unexpected == []
    assert outcomes == [["ok"] * ROUNDS, ["ok"] * ROUNDS]
    assert Order.objects.count() == placed_before + ROUNDS
    assert set(Order.objects.filter(pk__in=[o.pk for o in to_ship]).values_list("fulfillment_status", flat=True)) == {
        Order.FulfillmentStatus.FULFILLED
    }
    assert sum(StockLevel.objects.filter(product__in=(a, b)).values_list("on_hand", flat=True)) == 8000 - ROUNDS * 6
    assert broken_rules() == {}


def test_shipping_one_order_twice_at_once_ships_each_unit_once(place_order, two_products):
    # given: orders of [B, A]; two clerks ship the same whole order at the same moment
    a, b = two_products
    orders = [place_order([(b, 2), (a, 1)]) for _ in range(ROUNDS)]

    def ship(i):
        order_lines_ship(order_id=orders[i].pk, quantities=_lines(orders[i]))

    # when
    outcomes, unexpected = race(ROUNDS, ship, ship)

    # then: per order exactly one shipment went through, the other was refused (nothing left to ship)
    assert unexpected == []
    for first, second in zip(*outcomes, strict=True):
        assert sorted([first == "ok", second == "ok"]) == [False, True]
        refusal = first if second == "ok" else second
        assert str(refusal).endswith("is fully shipped; it has nothing left to ship.")
    shipped_units = sum(line.quantity_shipped for o in orders for line in o.lines.all())
    assert shipped_units == ROUNDS * 3
    assert broken_rules() == {}


def test_cancelling_while_shipping_lets_one_win_and_changes_nothing_of_the_other(place_order, two_products):
    # given: orders of [B, A]; one clerk cancels (whole order or a line) while another ships it
    a, b = two_products
    orders = [place_order([(b, 2), (a, 2)]) for _ in range(ROUNDS)]

    def cancel(i):
        order = orders[i]
        if i % 2:
            order_cancel(order_id=order.pk, reason="race")
        else:
            line = order.lines.get(product=b)
            order_line_cancel(order_id=order.pk, line_id=line.pk, quantity=line.quantity_open)

    def ship(i):
        order_lines_ship(order_id=orders[i].pk, quantities={orders[i].lines.get(product=a).pk: 2})

    # when
    outcomes, unexpected = race(ROUNDS, cancel, ship)

    # then: no deadlock; whatever won, the order's units and stock agree (the invariant rules)
    assert unexpected == []
    for i, (cancelled, shipped) in enumerate(zip(*outcomes, strict=True)):
        order = Order.objects.get(pk=orders[i].pk)
        if i % 2 == 0:  # a line cancel and a shipment of another line never exclude each other
            assert (cancelled, shipped) == ("ok", "ok")
        elif shipped == "ok":
            assert isinstance(cancelled, OrderError) and order.status == Order.Status.PLACED
        else:
            assert cancelled == "ok" and order.status == Order.Status.CANCELED
    assert broken_rules() == {}


def test_editing_while_placing_never_deadlocks(place_order, two_products):
    # given: orders of [B, A] whose quantities are raised while orders for [A, B] are placed
    a, b = two_products
    orders = [place_order([(b, 1), (a, 1)]) for _ in range(ROUNDS)]

    def edit(i):
        order = orders[i]
        changes = EditChanges(quantities=dict.fromkeys(_lines(order), 3))
        order_edit_commit(order_id=order.pk, changes=changes, base_version=order.version, notify=False)

    # when
    outcomes, unexpected = race(ROUNDS, edit, lambda i: place_order([(a, 2), (b, 2)]))

    # then
    assert unexpected == []
    assert outcomes == [["ok"] * ROUNDS, ["ok"] * ROUNDS]
    allocated = sum(StockLevel.objects.filter(product__in=(a, b)).values_list("allocated", flat=True))
    assert allocated == ROUNDS * 6 + ROUNDS * 4
    assert broken_rules() == {}
