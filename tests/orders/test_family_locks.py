"""Services that touch a split family lock its root first, so concurrent ones queue instead of deadlocking."""

import threading

import pytest
from django.db import connection

from oms.invariants import run_all
from orders.exceptions import StaleOrder
from orders.models import Order, SplitReason
from orders.services.cancel import order_line_cancel
from orders.services.edit import EditChanges, order_edit_commit
from orders.services.split import order_split
from tests.factories import ProductFactory, stock


def _in_thread(barrier, errors, action):
    def run():
        try:
            barrier.wait()
            action()
        except Exception as exc:  # collected and asserted on by the test
            errors.append(exc)
        finally:
            connection.close()

    return threading.Thread(target=run)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_edit_line_cancel_and_split_in_one_family_at_once_never_deadlock(place_order, location, tax_rate):
    # given: an original and a child split off it, each with two lines
    a, b = ProductFactory(tax_rate=tax_rate), ProductFactory(tax_rate=tax_rate)
    stock(a, location, 50)
    stock(b, location, 50)
    original = place_order([(a, 4), (b, 4)])
    lines = {line.product_id: line for line in original.lines.all()}
    child = order_split(
        order_id=original.pk,
        quantities={lines[a.pk].pk: 2, lines[b.pk].pk: 2},
        reason=SplitReason.SHIP_LATER,
        notify=False,
    )
    child_lines = {line.product_id: line for line in child.lines.all()}

    def edit_child():
        line = child_lines[a.pk]
        for _ in range(3):
            version = Order.objects.get(pk=child.pk).version
            line.refresh_from_db()
            try:
                changes = EditChanges(quantities={line.pk: line.quantity_active + 1})
                order_edit_commit(order_id=child.pk, base_version=version, changes=changes, notify=False)
            except StaleOrder:
                pass  # the split below committed first: a fair outcome of the race

    def cancel_on_original():
        order_line_cancel(order_id=original.pk, line_id=lines[b.pk].pk, quantity=1)

    def split_child():
        order_split(order_id=child.pk, quantities={child_lines[b.pk].pk: 1}, reason=SplitReason.OTHER, notify=False)

    errors: list[Exception] = []
    barrier = threading.Barrier(3)
    threads = [_in_thread(barrier, errors, f) for f in (edit_child, cancel_on_original, split_child)]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # then: every service finished (no deadlock error) and the family still adds up
    assert errors == []
    assert [(rule.name, rows) for rule, rows in run_all() if rows] == []
    assert Order.objects.filter(root=original).count() == 2
