"""Exact statement counts of the order write paths on PostgreSQL (BEGIN/COMMIT and savepoints not counted).

Each count is the same for an order of 2 lines and of 10 lines, and for 1 or all lines changed where the
operation takes several: rows are read, locked and written in bulk. Shop settings and webhook endpoints
come from the cache (warm after the first operation); e-mails are rendered later, by the worker.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import SplitReason
from orders.services.cancel import order_cancel, order_line_cancel
from orders.services.edit import EditChanges, order_edit_commit
from orders.services.split import order_split
from tests.factories import ProductFactory, stock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# edit: the order (and root) locked, its stock levels locked, its lines read, lines updated + their history,
# allocations read, levels updated, ledger rows, allocations updated, the order updated + its history, the
# family total, the customer (for the e-mail), the outbox message, the events (one insert). Edit, split, cancel
# and line cancel each ask fulfilment's hand-off guard once whether a shipment released to the warehouse holds
# the order's units (one query; edit asks twice: once under the lock with the change, once for the plan), and
# fulfilment's hook once whether pending shipments need trimming; and they read the order's invoices once,
# for the invoicing guards and hooks (invoicing/services/guards.py).
STATEMENTS = {"place": 12, "edit": 19, "split": 22, "cancel": 18, "line_cancel": 16}


def _statements(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    skip = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
    return sum(1 for q in captured.captured_queries if not q["sql"].startswith(skip))


@pytest.fixture
def products(location, tax_rate):
    made = [ProductFactory(tax_rate=tax_rate) for _ in range(10)]
    for product in made:
        stock(product, location, 1000)
    return made


@pytest.fixture
def order_of(place_order, products):
    place_order([(products[0], 1)])  # warm-up: content types, the settings and endpoint caches

    def _order(size: int):
        return place_order([(product, 4) for product in products[:size]])

    return _order


@pytest.mark.parametrize("size", [2, 10])
def test_edit_statements(order_of, size):
    order = order_of(size)
    lines = list(order.lines.order_by("position"))
    changes = EditChanges(quantities={line.pk: 6 for line in lines})
    count = _statements(lambda: order_edit_commit(order_id=order.pk, changes=changes, base_version=order.version))
    assert count == STATEMENTS["edit"]


@pytest.mark.parametrize("size", [2, 10])
def test_split_statements(order_of, size):
    order = order_of(size)
    moves = {line.pk: 1 for line in order.lines.all()}
    count = _statements(lambda: order_split(order_id=order.pk, quantities=moves, reason=SplitReason.OTHER))
    assert count == STATEMENTS["split"]


@pytest.mark.parametrize("size", [2, 10])
def test_cancel_statements(order_of, size):
    order = order_of(size)
    assert _statements(lambda: order_cancel(order_id=order.pk)) == STATEMENTS["cancel"]


@pytest.mark.parametrize("size", [2, 10])
def test_line_cancel_statements(order_of, size):
    order = order_of(size)
    line = order.lines.order_by("position").first()
    count = _statements(lambda: order_line_cancel(order_id=order.pk, line_id=line.pk, quantity=1))
    assert count == STATEMENTS["line_cancel"]
