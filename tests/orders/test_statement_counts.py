"""Exact statement counts of the order write paths on PostgreSQL (BEGIN/COMMIT and savepoints not counted).

Each count is the same for an order of 2 lines and of 10 lines, and for 1 or all lines changed where the
operation takes several: rows are read, locked and written in bulk. Shop settings and webhook endpoints
come from the cache (warm after the first operation); e-mails are rendered later, by the worker.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Channel, OrderEvent, SplitReason
from orders.services.addresses import order_address_change
from orders.services.cancel import order_cancel, order_line_cancel
from orders.services.channel_import import order_import
from orders.services.edit import EditChanges, order_edit_commit
from orders.services.payments import order_payment_record, order_payment_reverse
from orders.services.split import order_split
from tests.factories import ChannelFactory, ProductFactory, stock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# edit: the order (and root) locked, its stock levels locked, its lines read, lines updated with their history (one
# statement: orders.services.rows.rows_update),
# allocations read, levels updated with their ledger rows (one statement), allocations updated, the order updated +
# its history, the family total, the customer (for the e-mail), the outbox message, the events (one insert). Edit,
# split, cancel and line cancel each ask fulfilment's hand-off guard once whether a shipment released to the
# warehouse holds the order's units (one query; edit asks twice: once under the lock with the change, once for the
# plan), and fulfilment's hook once whether pending shipments need trimming; and they read the order's invoices once,
# for the invoicing guards and hooks (invoicing/services/guards.py).
STATEMENTS = {"place": 8, "edit": 17, "split": 20, "cancel": 16, "line_cancel": 14}
# address change: the order (and root) locked, fulfilment's hand-off guard, the order updated + its history, the
# customer and the lines (for the e-mail), the outbox message, the events (one insert: address_changed and
# email_queued).
# import: the repeat lookup, the typed-reference check, the products by SKU, the customer lookup, the order with its
# key, number and history (one statement), the lines with their history (one), the stock levels locked, levels
# updated with their ledger rows (one), allocations, the outbox message, the ChannelImport row, the events (one
# insert: placed, allocated, e-mail queued, imported).
# payment: the key lookup, the order locked, the key again (a racing twin), the payment row, the lines (for the
# statuses and the e-mail), the order updated + its history (one statement: orders.services.rows.row_update), the
# customer, the outbox message, the events (one insert: payment_recorded and email_queued), and invoicing's look-up
# of the order's issued invoices.
# reversal: the payment's order, the lock, the payment, "reversed before?", the reversal row, the lines, the order
# updated + its history (one), the customer (webhook data), the event (no e-mail; the webhook fans out later), and
# invoicing's look-up of the order's issued invoices.
STATEMENTS |= {"address_change": 8, "import": 12, "payment": 10, "payment_reverse": 10}


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


def test_address_change_statements(order_of):
    order = order_of(2)
    new = {"name": "Ann Smit", "street": "Dorpsstraat 9", "postal_code": "1234 AB", "city": "Ede", "country": "NL"}
    count = _statements(lambda: order_address_change(order_id=order.pk, actor=None, addresses={"shipping": new}))
    assert count == STATEMENTS["address_change"]
    assert order.events.filter(type=OrderEvent.Type.ADDRESS_CHANGED).count() == 1


@pytest.mark.parametrize("size", [2, 10])
def test_import_statements(order_of, products, customer, size):
    order_of(1)  # warm caches
    channel = ChannelFactory(code="market", api_token_digest=Channel.digest("t"))
    body = {
        "external_id": f"M-{size}",
        "customer": {"email": customer.email, "name": customer.name},
        "billing_address": {"name": "Ann", "street": "Canal 1", "postal_code": "1011", "city": "Adam", "country": "NL"},
        "lines": [{"sku": product.sku, "quantity": 2} for product in products[:size]],
    }
    count = _statements(lambda: order_import(channel=channel, payload=body))
    assert count == STATEMENTS["import"]


def test_payment_and_reversal_statements(order_of):
    order = order_of(2)
    payment = None

    def pay():
        nonlocal payment
        payment = order_payment_record(order_id=order.pk, amount="1.00", method="card", idempotency_key="k1")

    assert _statements(pay) == STATEMENTS["payment"]
    count = _statements(lambda: order_payment_reverse(payment_id=payment.pk, reason="Booked twice"))
    assert count == STATEMENTS["payment_reverse"]
