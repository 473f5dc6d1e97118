"""Random sequences of payments, overpayments, repeated submissions and reversals on one order, checked after
every step against a model kept in the test: what was paid, which payments stand, which are reversed, and
which operations must be refused (and then change nothing)."""

from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from oms.invariants import run_all
from orders.exceptions import OrderError
from orders.models import Order, OrderPayment
from orders.services.payments import order_payment_record, order_payment_reverse
from tests.factories import ProductFactory, StockLocationFactory, stock

CENT = Decimal("0.01")
TOTAL_CENTS = 5000  # one line of 2 × 25.00, no shipping: the order total is 50.00

operation = st.one_of(
    # cents (often around the 50.00 total, where the balance rule bites), overpayment tick
    st.tuples(st.just("pay"), st.integers(1, 7000) | st.sampled_from([2500, 4999, 5000, 5001, 6000]), st.booleans()),
    st.tuples(st.just("replay"), st.integers(min_value=0, max_value=20), st.just(False)),  # repeat submission i
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=20), st.just(False)),  # reverse payment i
)


@dataclass
class Model:
    """The test's own account of the order's money, in cents."""

    payments: list[list] = field(default_factory=list)  # [key, cents, reversed]

    @property
    def paid(self) -> int:
        return sum(cents for _, cents, reversed_ in self.payments if not reversed_)

    def status(self) -> str:
        S = Order.PaymentStatus
        if self.paid > TOTAL_CENTS:
            return S.REFUND_DUE
        return S.UNPAID if self.paid == 0 else (S.PAID if self.paid == TOTAL_CENTS else S.PARTIALLY_PAID)


def _step(order: Order, model: Model, op: tuple, keys: dict) -> bool:
    """Apply `op` through the services; return whether the model says it must be refused."""
    kind, number, tick = op
    if kind == "pay":
        key = f"k{len(keys)}"
        refused = model.paid + number > TOTAL_CENTS and not tick
        payment = order_payment_record(
            order_id=order.pk, amount=number * CENT, method="card", idempotency_key=key, allow_overpayment=tick
        )
        keys[key] = payment.pk
        model.payments.append([key, number, False])
        return refused
    key, cents, reversed_ = model.payments[number % len(model.payments)]
    if kind == "replay":
        again = order_payment_record(order_id=order.pk, amount=cents * CENT, method="card", idempotency_key=key)
        assert (again.pk, again.replayed) == (keys[key], True)
        return False
    order_payment_reverse(payment_id=keys[key], reason="property test")
    model.payments[number % len(model.payments)][2] = True
    return reversed_


def _check(order: Order, model: Model) -> None:
    order.refresh_from_db()
    rows = OrderPayment.objects.filter(order=order)
    assert order.amount_paid == model.paid * CENT == sum(row.amount for row in rows)
    assert order.payment_status == model.status()
    standing = {row.reverses_id for row in rows if row.reverses_id}
    assert {pk for pk, reversed_ in _by_key(rows, model) if reversed_} == standing
    assert [(rule.name, found) for rule, found in run_all() if found] == []


def _by_key(rows, model: Model):
    pks = {row.idempotency_key: row.pk for row in rows if row.idempotency_key}
    return [(pks[key], reversed_) for key, _, reversed_ in model.payments]


class _Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(operations=st.lists(operation, min_size=1, max_size=8))
def test_payments_and_reversals_keep_paid_equal_to_the_standing_payments(operations, place_order, shop):
    try:
        with transaction.atomic():
            product = ProductFactory(unit_price=Decimal("25.00"))
            stock(product, StockLocationFactory(), 5)
            order = place_order([(product, 2)])
            assert order.total_gross == TOTAL_CENTS * CENT
            model, keys = Model(), {}
            for op in operations:
                if op[0] != "pay" and not model.payments:
                    continue  # nothing to repeat or reverse yet
                trial = Model([list(p) for p in model.payments])
                try:
                    with transaction.atomic():
                        must_refuse = _step(order, trial, op, keys)
                    assert not must_refuse, f"{op} was expected to be refused"
                    model = trial
                    event(f"{op[0]} done")
                except OrderError:
                    event(f"{op[0]} refused")
                    assert _step_refusal_expected(model, op), f"{op} was refused unexpectedly"
                _check(order, model)
            raise _Rollback
    except _Rollback:
        pass


def _step_refusal_expected(model: Model, op: tuple) -> bool:
    kind, number, tick = op
    if kind == "pay":
        return model.paid + number > TOTAL_CENTS and not tick
    return kind == "reverse" and model.payments[number % len(model.payments)][2]
