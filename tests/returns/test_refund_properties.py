"""Property test of refund money against a model in integer cents that knows the rules, not the code:

for any sequence of payments (overpayments allowed), credits and approvals of the waiting refunds,
refunded <= credited <= paid in (what was paid on the invoice: every change of the applied money except a
credit's own) <= paid; a credit beyond what was paid in less what was credited is refused; a credit makes a
refund of what it frees beyond what the order still needs (min(credit, held - needed - open refunds)); the order
holds paid - refunded, owes back max(held - needed, 0), and every invariant rule holds after each step.
"""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoicing.models import LocalProviderRefund
from invoicing.services.credits import invoice_credit
from invoicing.services.drafts import invoice_create
from invoicing.services.issue import invoice_issue
from oms.invariants import run_all
from orders.exceptions import OrderError
from orders.services.payments import order_payment_record
from orders.services.placement import LineInput, OrderInput, order_create
from returns.models import Refund
from returns.services.refunds import refund_approve, refund_execute

operation = st.one_of(
    st.tuples(st.just("pay"), st.integers(1, 300_00)),
    st.tuples(st.just("credit"), st.integers(1, 300_00)),
    st.tuples(st.just("approve"), st.just(0)),
)
spec_strategy = st.fixed_dictionaries(
    {"price": st.integers(1, 200_00), "qty": st.integers(1, 5), "operations": st.lists(operation, max_size=10)}
)


class _Rollback(Exception):
    pass


def money(value: int) -> Decimal:
    return Decimal(value) / 100


def cents(value: Decimal) -> int:
    return int(value * 100)


def _applied(model) -> int:
    return max(min(model["paid"] - model["refunded"], model["total"] - model["credited"]), 0)


def _step(op, model, invoice, order, finance, n):
    applied_before = _applied(model)
    _operate(op, model, invoice, order, finance, n)
    if op[0] != "credit":
        model["paid_in"] += _applied(model) - applied_before


def _operate(op, model, invoice, order, finance, n):
    kind, value = op
    needed = lambda: max(model["total"] - model["credited"], 0)  # noqa: E731
    held = model["paid"] - model["refunded"]
    if kind == "pay":
        order_payment_record(order_id=order.pk, amount=money(value), method="card", idempotency_key=f"local:p{n}",
                             allow_overpayment=True)  # fmt: skip
        model["paid"] += value
    elif kind == "credit":
        creditable = min(_applied(model), model["paid_in"] - model["credited"])
        if value > creditable:
            with pytest.raises(OrderError):
                invoice_credit(invoice_id=invoice.pk, amount=str(money(value)), reason="test")
            return
        invoice_credit(invoice_id=invoice.pk, amount=str(money(value)), reason="test")
        model["credited"] += value
        refund = min(value, max(held - needed() - model["open"], 0))
        model["open"] += refund
    else:
        for refund_id in Refund.objects.filter(status="pending").values_list("pk", flat=True):
            refund_approve(refund_id=refund_id, actor=finance, send=False)
            refund_execute(refund_id=refund_id)  # the worker's part, in this transaction
        model["refunded"] += model["open"]
        model["open"] = 0


def _check(model, order):
    order.refresh_from_db()
    held = model["paid"] - model["refunded"]
    # refunded <= credited <= paid in <= paid (a partly paid invoice takes back at once what a credit frees:
    # it is not paid twice for a second credit)
    assert model["refunded"] <= model["credited"] <= model["paid_in"] <= model["paid"]
    assert cents(order.amount_paid) == held
    assert cents(order.amount_credited) == model["credited"]
    assert cents(order.refund_due) == max(held - max(model["total"] - model["credited"], 0), 0)
    open_amount = sum(cents(r.amount) for r in Refund.objects.filter(status="pending"))
    assert open_amount == model["open"]
    assert sum(cents(r.amount) for r in LocalProviderRefund.objects.all()) == model["refunded"]
    assert [rows for rule, rows in run_all() if rows] == []


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])  # fmt: skip
@given(spec=spec_strategy)
def test_refunded_never_exceeds_credited_which_never_exceeds_paid(spec, channel, customer, shop, finance):
    try:
        with transaction.atomic():
            line = LineInput(quantity=spec["qty"], name="Item", unit_price=money(spec["price"]), tax_rate=Decimal(21))
            order = order_create(data=OrderInput(channel=channel, customer=customer, lines=[line]), place=True,
                                 actor=None)  # fmt: skip
            invoice = invoice_issue(invoice_id=invoice_create(order_id=order.pk).pk)
            model = {
                "total": cents(invoice.total_gross),
                "paid": 0,
                "credited": 0,
                "refunded": 0,
                "open": 0,
                "paid_in": 0,
            }
            for n, op in enumerate(spec["operations"]):
                _step(op, model, invoice, order, finance, n)
                _check(model, order)
            raise _Rollback
    except _Rollback:
        pass
