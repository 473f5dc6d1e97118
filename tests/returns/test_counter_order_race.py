"""Two returns that each take an invoice number and a credit number never deadlock (PostgreSQL, real threads).

One return is credited (a credit number, CRN) and exchanges a unit for a dearer product, billed on a
supplementary invoice (a debit number, INV); the other is on an order paid but not invoiced yet, so it issues
the order's invoice (INV) and then credits it (CRN). Without one order of the counters the first held CRN and
waited for INV while the second held INV and waited for CRN; the first now holds INV before its credit.
"""

from decimal import Decimal

import pytest

from invoicing.models import Invoice
from oms.invariants import run_all
from returns.models import Return, ReturnLine, ReturnReason
from returns.services.returns import LineInput, return_create
from tests import factories
from tests.factories import ship, stock
from tests.invoicing.helpers import issued, pay
from tests.returns.test_races import run_each

ROUNDS = 8


def _shipped_paid(place_order, products):
    order = place_order([(product, 2) for product in products])
    ship(order.pk, {line.pk: 2 for line in order.lines.all()})
    pay(order, order.total_gross)
    order.refresh_from_db()
    return order


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_credited_exchange_and_an_invoice_then_credit_return_never_deadlock(
    place_order, product, location, desk, shop, tax_rate
):
    reason = ReturnReason.objects.get(code="damaged")
    book = factories.ProductFactory(sku="BOOK-R", unit_price=Decimal("20.00"), tax_rate=tax_rate)
    dearer = factories.ProductFactory(sku="BOOK-XL", unit_price=Decimal("35.00"), tax_rate=tax_rate)
    cup = factories.ProductFactory(sku="CUP-R", unit_price=Decimal("8.00"), tax_rate=tax_rate)
    for item in (product, book, dearer, cup):
        stock(item, location, ROUNDS * 10)
    results = []
    for _ in range(ROUNDS):
        # given: an invoiced, paid, shipped order (mugs and books), and a paid, shipped order of cups not invoiced
        # yet (no product in common: the two returns lock no stock level of each other)
        invoiced = _shipped_paid(place_order, [product, book])
        issued(invoiced, desk)
        not_invoiced = _shipped_paid(place_order, [cup])

        def credited_exchange(order=invoiced):
            mug, books = order.lines.get(product=product), order.lines.get(product=book)
            lines = [LineInput(mug.pk, 1, reason.pk, ReturnLine.Disposition.RESTOCK, location.pk),
                     LineInput(books.pk, 1, reason.pk, ReturnLine.Disposition.RESTOCK, location.pk,
                               exchange_product_id=dearer.pk, exchange_quantity=1)]  # fmt: skip
            return return_create(order_id=order.pk, actor=desk, notify=False, lines=lines)

        def invoice_then_credit(order=not_invoiced):
            cups = order.lines.get(product=cup)
            lines = [LineInput(cups.pk, 1, reason.pk, ReturnLine.Disposition.RESTOCK, location.pk)]
            return return_create(order_id=order.pk, actor=desk, notify=False, lines=lines)

        # when: both returns are processed at the same moment
        results += run_each(credited_exchange, invoice_then_credit)

    # then: every return went through (no deadlock), each with its credit invoice; the numbers have no gap
    assert [r for r in results if not isinstance(r, Return)] == []
    assert all(r.credit_invoice_id for r in results)
    # INV per round: the invoiced order's invoice, the one the second return issues, the exchange's supplement
    for series, count in (("INV", 3 * ROUNDS), ("CRN", 2 * ROUNDS)):
        numbers = sorted(Invoice.objects.filter(series=series).values_list("sequence", flat=True))
        assert numbers == list(range(1, count + 1)), series
    assert Invoice.objects.filter(series="INV", note__startswith="Exchange").count() == ROUNDS
    assert [(rule.name, rows) for rule, rows in run_all() if rows] == []
