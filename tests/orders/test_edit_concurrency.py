"""Two staff committing edits of one order at the same moment: one wins, the other is told to reload."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from orders import hooks
from orders.exceptions import StaleOrder
from orders.models import Order, OrderEvent
from orders.services.edit import EditChanges, order_edit_commit
from orders.services.split import order_split
from tests.factories import stock


def _in_thread(func, results, key):
    def run():
        try:
            results[key] = func()
        except Exception as error:  # the test inspects what each side got
            results[key] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.fixture
def slow_first_commit():
    """Hold the first committer inside its transaction (order locked) until the second one has started."""
    inside, release = threading.Event(), threading.Event()

    def hold(context):
        if not inside.is_set():
            inside.set()
            release.wait(5)

    hooks.register_hook("edit", "test.hold", hold)
    yield inside, release
    hooks.unregister("edit", "test.hold")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_committing_at_once_never_lose_a_change_silently(place_order, product, location, slow_first_commit):
    # given
    stock(product, location, 20)
    order = place_order([(product, 3)], shipping_fee=Decimal("4.95"))
    line = order.lines.get()
    inside, release = slow_first_commit
    results = {}

    def commit(changes):
        return lambda: order_edit_commit(order_id=order.pk, changes=changes, base_version=1)

    # when: Ann commits and holds the lock; Bob commits from the same version meanwhile
    ann = _in_thread(commit(EditChanges(quantities={line.pk: 5})), results, "ann")
    assert inside.wait(5)
    bob = _in_thread(commit(EditChanges(shipping_fee=Decimal("0"))), results, "bob")
    bob.join(0.5)
    assert bob.is_alive()  # Bob waits for Ann's lock instead of reading the old version
    release.set()
    ann.join(10)
    bob.join(10)
    # then
    assert isinstance(results["ann"], Order)
    assert isinstance(results["bob"], StaleOrder) and "Reload" in results["bob"].message
    order.refresh_from_db()
    line.refresh_from_db()
    assert (order.version, line.quantity, order.shipping_fee) == (2, 5, Decimal("4.95"))
    assert order.events.filter(type=OrderEvent.Type.EDITED).count() == 1


@pytest.mark.django_db
def test_an_edit_staged_before_a_concurrent_split_is_refused_as_stale(place_order, product, location):
    # given
    stock(product, location, 20)
    order = place_order([(product, 3)])
    line = order.lines.get()
    # when
    order_split(order_id=order.pk, quantities={line.pk: 1}, reason="ship_later")
    # then
    with pytest.raises(StaleOrder):
        order_edit_commit(order_id=order.pk, changes=EditChanges(quantities={line.pk: 3}), base_version=1)
