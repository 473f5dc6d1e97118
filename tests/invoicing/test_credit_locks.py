"""A credit on a combined family invoice locks every order it changes before it takes its number (PostgreSQL).

The lock order (orders/services/locks.py): the order and its family root, then the rest of the family in
primary-key order, then stock levels; counters last. A credit reaches every order with lines on the combined
invoice (their applied money is taken back, what their customer owes changes, the refund hook runs there),
so `invoice_credit` locks them all with the debit invoice, and nothing is locked once the credit series'
counter is held. The race runs credits against payments, edits and cancellations of the sibling order.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoicing.models import Invoice, InvoicePayment
from invoicing.services.credits import invoice_credit
from invoicing.services.family import family_invoice
from oms.invariants import run_all
from orders.exceptions import OrderValidationError
from orders.models import Order, OrderPayment, SplitReason
from orders.services.cancel import order_cancel, order_line_cancel
from orders.services.edit import EditChanges, order_edit_commit
from orders.services.payments import order_payment_record
from orders.services.split import order_split
from tests.invoicing.helpers import pay
from tests.orders.test_lock_order import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROUNDS = 20


@pytest.fixture
def combined(place_order, stocked, finance):
    """A family of two orders on one combined invoice: the root (2 mugs, a book, shipping) and a child split
    off it (30 mugs); the root is paid in full, the child all but 10.00."""
    mug, book = stocked
    root = place_order([(mug, 32), (book, 1)], shipping_fee=Decimal("5.00"))
    mug_line = root.lines.get(sku="MUG-1")
    child = order_split(order_id=root.pk, quantities={mug_line.pk: 30}, reason=SplitReason.BACKORDER, notify=False)
    root.refresh_from_db()
    [invoice] = family_invoice(order_id=root.pk, combined=True, actor=finance, send=False)
    pay(root, root.total_gross)
    pay(child, child.total_gross - Decimal("10.00"))
    invoice.refresh_from_db()
    child_line = invoice.lines.get(source_order=child, sku="MUG-1")
    return root, child, invoice, child_line


def _statements_after_the_number(queries: list[dict]) -> list[str]:
    sqls = [q["sql"] for q in queries]
    taken = max(i for i, sql in enumerate(sqls) if sql.startswith("UPDATE") and "invoicecounter" in sql)
    return sqls[taken + 1 :]


def test_the_credit_locks_every_order_of_the_invoice_before_its_number(combined, finance):
    root, child, invoice, child_line = combined
    # when: a unit of the child's mugs is credited on the combined invoice (the root's order is the invoice's)
    with CaptureQueriesContext(connection) as captured:
        credit = invoice_credit(invoice_id=invoice.pk, actor=finance, quantities={child_line.pk: 1})
    # then: the child (a sibling of the invoice's order) was locked before the number, nothing after it
    sqls = [q["sql"] for q in captured.captured_queries]
    locks = [i for i, sql in enumerate(sqls) if "FOR UPDATE" in sql and 'FROM "orders_order"' in sql]
    number = max(i for i, sql in enumerate(sqls) if sql.startswith("UPDATE") and "invoicecounter" in sql)
    assert locks and max(locks) < number
    after = _statements_after_the_number(captured.captured_queries)
    assert [sql for sql in after if "FOR UPDATE" in sql] == []
    assert any(str(child.pk) in sqls[i] for i in locks)
    # and the credit did what it does: the child's customer owes the unit less
    child.refresh_from_db()
    assert credit.number.startswith("CRN-")
    assert child.amount_credited == credit.total_gross == child_line.gross / child_line.quantity


def test_a_refused_credit_changes_nothing(combined, finance):
    root, child, invoice, child_line = combined
    before = (Invoice.objects.count(), InvoicePayment.objects.count(), child.amount_credited)
    with pytest.raises(OrderValidationError, match="Units of"):
        invoice_credit(invoice_id=invoice.pk, actor=finance, quantities={child_line.pk: 31})
    child.refresh_from_db()
    assert (Invoice.objects.count(), InvoicePayment.objects.count(), child.amount_credited) == before


def test_credits_racing_payments_edits_and_cancels_of_the_sibling_never_deadlock(combined, finance):
    root, child, invoice, child_line = combined
    child_mugs = child.lines.get(sku="MUG-1")

    def credit(i):
        invoice_credit(invoice_id=invoice.pk, actor=finance, quantities={child_line.pk: 1}, reason=f"round {i}")

    def pay_child(i):
        order_payment_record(order_id=child.pk, amount=Decimal("0.50"), method="bank_transfer",
                             idempotency_key=f"race-{i}")  # fmt: skip

    def change_child(i):  # each is refused (the child is invoiced), under the order lock with its stock levels
        version = Order.objects.get(pk=child.pk).version
        [
            lambda: order_edit_commit(order_id=child.pk, base_version=version,
                                      changes=EditChanges(quantities={child_mugs.pk: 29}), notify=False),
            lambda: order_line_cancel(order_id=child.pk, line_id=child_mugs.pk, quantity=1),
            lambda: order_cancel(order_id=child.pk),
        ][i % 3]()  # fmt: skip

    def credit_root_amount(i):
        invoice_credit(invoice_id=invoice.pk, actor=finance, amount="0.10", reason=f"amount {i}")

    # when
    outcomes, unexpected = race(ROUNDS, credit, pay_child, change_child, credit_root_amount)

    # then: no deadlock, only domain refusals; every credit went through
    assert unexpected == []
    assert outcomes[0] == ["ok"] * ROUNDS and outcomes[3] == ["ok"] * ROUNDS
    assert "ok" not in outcomes[2]
    credits = Invoice.objects.filter(credit_for=invoice, status__in=Invoice.LIVE)
    credited = sum(credits.values_list("total_gross", flat=True), Decimal("0"))
    invoice.refresh_from_db()
    root.refresh_from_db()
    child.refresh_from_db()
    # totals conserved: what was credited is on the invoice and on its orders; paid is the sum of its rows
    assert credits.count() == 2 * ROUNDS
    assert sorted(credits.values_list("sequence", flat=True)) == list(range(1, 2 * ROUNDS + 1))
    assert invoice.amount_credited == credited == root.amount_credited + child.amount_credited
    assert child.amount_credited == ROUNDS * child_line.gross / child_line.quantity
    assert invoice.amount_paid == sum(InvoicePayment.objects.filter(invoice=invoice).values_list("amount", flat=True))
    assert invoice.amount_paid + invoice.amount_credited <= invoice.total_gross
    for order in (root, child):
        rows = OrderPayment.objects.filter(order=order).values_list("amount", flat=True)
        assert order.amount_paid == sum(rows, Decimal("0"))
    assert {rule.name: rows for rule, rows in run_all() if rows} == {}
