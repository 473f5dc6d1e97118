"""Two exchanges on two orders racing for the last unit of one replacement, beside a placement of it: the unit
is reserved once, the others are refused, never a deadlock (PostgreSQL, real threads)."""

from decimal import Decimal

import pytest

from catalog.models import StockLevel
from oms.invariants import run_all
from orders.exceptions import OrderError
from orders.models import Order
from returns.models import Return, ReturnLine, ReturnReason
from returns.services.returns import LineInput, return_create
from tests import factories
from tests.factories import ship, stock
from tests.invoicing.helpers import issued, pay
from tests.returns.test_races import run_each

ROUNDS = 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_last_unit_of_a_replacement_goes_to_one_exchange_or_placement(
    place_order, product, location, desk, shop, tax_rate
):
    reason = ReturnReason.objects.get(code="damaged")
    stock(product, location, ROUNDS * 4)
    for round_ in range(ROUNDS):
        # given: two paid, shipped orders of mugs and one last unit of a larger mug
        xl = factories.ProductFactory(sku=f"XL-{round_}", unit_price=Decimal("16.00"), tax_rate=tax_rate)
        stock(xl, location, 1)
        orders = []
        for _ in range(2):
            order = place_order([(product, 2)])
            ship(order.pk, {order.lines.get().pk: 2})
            issued(order, desk)
            pay(order, order.total_gross)
            orders.append(order)

        def exchange(order=None):
            def work():
                line = order.lines.get(product=product)
                lines = [LineInput(line.pk, 1, reason.pk, ReturnLine.Disposition.RESTOCK, location.pk,
                                   exchange_product_id=xl.pk, exchange_quantity=1)]  # fmt: skip
                return return_create(order_id=order.pk, actor=desk, notify=False, lines=lines)

            return work

        def placement():
            return place_order([(xl, 1)])

        # when: two clerks exchange for it while a customer orders it
        results = run_each(exchange(orders[0]), exchange(orders[1]), placement)
        # then: exactly one got it; the others were refused with a sentence, and nothing deadlocked
        won = [r for r in results if isinstance(r, Return | Order)]
        refused = [r for r in results if isinstance(r, OrderError)]
        assert (len(won), len(refused)) == (1, 2), results
        level = StockLevel.objects.get(product=xl, location=location)
        assert (level.on_hand, level.allocated) == (1, 1)
    assert [(rule.name, rows) for rule, rows in run_all() if rows] == []
