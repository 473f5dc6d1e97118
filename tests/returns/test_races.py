"""Two clerks returning the same units at once return them once, and a return racing a shipment and a
quarantine release of the same product never deadlocks: PostgreSQL, real threads."""

from decimal import Decimal

import pytest

from catalog.models import StockLevel
from invoicing.models import Invoice
from oms.invariants import run_all
from orders.exceptions import OrderError
from returns.models import Return, ReturnLine, ReturnReason
from returns.services.quarantine import quarantine_resolve
from returns.services.returns import LineInput, return_create
from tests.factories import ship, stock
from tests.invoicing.helpers import issued, pay
from tests.threads import run_each, run_together

ROUNDS = 15


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clerks_returning_the_same_units_return_them_once(place_order, product, location, desk, shop):
    reason = ReturnReason.objects.get(code="damaged")
    stock(product, location, ROUNDS * 2)
    for _ in range(ROUNDS):
        # given: a paid order of 2 mugs, shipped
        order = place_order([(product, 2)], shipping_fee=Decimal("3.00"))
        line = order.lines.get()
        ship(order.pk, {line.pk: 2})
        issued(order, desk)
        pay(order, order.total_gross)

        def back():
            lines = [LineInput(line.pk, 2, reason.pk, ReturnLine.Disposition.RESTOCK, location.pk)]
            return return_create(order_id=order.pk, actor=desk, refund_shipping=True, notify=False, lines=lines)

        # when: both press Create return together
        results = run_together(2, back)
        # then: one return and one credit; the other is refused (never a deadlock)
        made = [r for r in results if isinstance(r, Return)]
        refused = [r for r in results if isinstance(r, OrderError)]
        assert (len(made), len(refused)) == (1, 1), results
        assert Invoice.objects.filter(order=order, kind="credit").count() == 1
        assert made[0].credited_amount == order.total_gross
    assert StockLevel.objects.get(product=product, location=location).on_hand == ROUNDS * 2
    assert [(rule.name, rows) for rule, rows in run_all() if rows] == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_return_shipment_and_quarantine_release_of_one_product_do_not_deadlock(place_order, product, location, desk):
    reason = ReturnReason.objects.get(code="damaged")
    stock(product, location, ROUNDS * 4)
    quarantined = place_order([(product, ROUNDS)])
    q_line = quarantined.lines.get()
    ship(quarantined.pk, {q_line.pk: ROUNDS})
    lines = [LineInput(q_line.pk, ROUNDS, reason.pk, ReturnLine.Disposition.QUARANTINE, location.pk)]
    held = return_create(order_id=quarantined.pk, actor=desk, create_credit=False, notify=False, lines=lines)
    held_line = held.lines.get()
    for _ in range(ROUNDS):
        returning = place_order([(product, 1)])
        r_line = returning.lines.get()
        ship(returning.pk, {r_line.pk: 1})
        shipping = place_order([(product, 1)])
        s_line = shipping.lines.get()
        results = run_each(
            lambda: return_create(order_id=returning.pk, actor=desk, create_credit=False, notify=False,
                                  lines=[LineInput(r_line.pk, 1, reason.pk, "restock", location.pk)]),
            lambda: ship(shipping.pk, {s_line.pk: 1}),
            lambda: quarantine_resolve(line_id=held_line.pk, action="release", quantity=1, actor=desk),
        )  # fmt: skip
        assert not [r for r in results if isinstance(r, Exception)], results
    assert [(rule.name, rows) for rule, rows in run_all() if rows] == []
