"""Property tests of invoice money, against a model that knows the rules, not the code (integer cents):

- an invoice's totals are the sums of its rounded lines, which are the order's lines; the tax summary per
  rate adds up to the totals;
- the order's money is applied up to what the invoice still asks: applied = min(paid on the order,
  total − credited); balance = total − credited − applied, never negative;
- a credit is refused (changing nothing) when it is more than what is applied now or than what was paid on
  the invoice less what was credited (the paid-in money: every change of the applied amount except a credit's
  own, which moves money it already counted), so credited <= paid in; the invariant rules hold after every step.
"""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from invoicing.models import Invoice
from invoicing.pdf import tax_summary
from invoicing.services.credits import invoice_credit
from invoicing.services.drafts import invoice_create
from invoicing.services.issue import invoice_issue
from oms.invariants import run_all
from orders.exceptions import OrderError
from orders.models import OrderPayment
from orders.services.payments import order_payment_record, order_payment_reverse
from orders.services.placement import LineInput, OrderInput, order_create

RATES = [Decimal("0.00"), Decimal("9.00"), Decimal("21.00")]
line_spec = st.tuples(st.integers(1, 500_00), st.integers(1, 12), st.sampled_from(RATES))
operation = st.one_of(
    st.tuples(st.just("pay"), st.integers(1, 3000_00)),
    st.tuples(st.just("reverse"), st.integers(0, 5)),
    st.tuples(st.just("credit"), st.integers(1, 3000_00)),
)
spec_strategy = st.fixed_dictionaries(
    {"lines": st.lists(line_spec, min_size=1, max_size=5), "shipping": st.integers(0, 20_00),
     "operations": st.lists(operation, max_size=10)}
)  # fmt: skip


def cents(value: Decimal) -> int:
    return int(value * 100)


def money(value: int) -> Decimal:
    return Decimal(value) / 100


class _Rollback(Exception):
    pass


def _place(spec, channel, customer):
    lines = [
        LineInput(quantity=qty, name=f"Item {n}", unit_price=money(price), tax_rate=rate)
        for n, (price, qty, rate) in enumerate(spec["lines"])
    ]
    data = OrderInput(channel=channel, customer=customer, lines=lines, shipping_fee=money(spec["shipping"]))
    return order_create(data=data, actor=None, place=True)


def _check_totals(invoice, order):
    lines = list(invoice.lines.all())
    expected_gross = sum(cents(line.gross) for line in order.lines.all()) + cents(order.shipping_gross)
    assert cents(invoice.total_gross) == expected_gross == sum(cents(line.gross) for line in lines)
    assert cents(invoice.total_net) == sum(cents(line.net) for line in lines)
    assert cents(invoice.total_tax) == sum(cents(line.tax) for line in lines)
    summary = tax_summary(lines)
    assert sum(cents(Decimal(rate["tax"])) for rate in summary) == cents(invoice.total_tax)
    assert sum(cents(Decimal(rate["net"])) for rate in summary) == cents(invoice.total_net)
    assert len(summary) == len({line.tax_rate for line in lines})


def _applied(model) -> int:
    return max(min(model["paid"], model["total"] - model["credited"]), 0)


def _step(op, model, invoice, order):
    applied_before = _applied(model)
    _operate(op, model, invoice, order)
    if op[0] != "credit":  # payments and reversals change the paid-in money by what they applied or took back
        model["paid_in"] += _applied(model) - applied_before


def _operate(op, model, invoice, order):
    kind, value = op
    if kind == "pay":
        order_payment_record(order_id=order.pk, amount=money(value), method="card", allow_overpayment=True)
        model["paid"] += value
    elif kind == "reverse":
        open_payments = list(OrderPayment.objects.filter(order=order, kind="payment", reversal__isnull=True))
        if open_payments:
            payment = open_payments[value % len(open_payments)]
            order_payment_reverse(payment_id=payment.pk, reason="test")
            model["paid"] -= cents(payment.amount)
    else:
        creditable = min(_applied(model), model["paid_in"] - model["credited"])
        before = Invoice.objects.count()
        if value > creditable:
            with pytest.raises(OrderError):
                invoice_credit(invoice_id=invoice.pk, amount=str(money(value)), reason="test")
            assert Invoice.objects.count() == before
        else:
            invoice_credit(invoice_id=invoice.pk, amount=str(money(value)), reason="test")
            model["credited"] += value
            # a credit never makes more credited than was paid in (a payment reversed later may: a chargeback)
            assert model["credited"] <= model["paid_in"]


def _check_money(model, invoice):
    invoice.refresh_from_db()
    applied = max(min(model["paid"], model["total"] - model["credited"]), 0)
    assert cents(invoice.amount_credited) == model["credited"]
    assert cents(invoice.amount_paid) == applied
    assert cents(invoice.balance) == model["total"] - model["credited"] - applied >= 0
    assert [rows for rule, rows in run_all() if rows] == []


@pytest.mark.django_db
@settings(
    max_examples=30, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
@given(spec=spec_strategy)
@example(  # SQLite sums decimals as floats: a partly paid invoice credited, then paid again by the freed money,
    # was left "partially paid" with 1e-14 open until the services quantized the sums they move money by
    spec={"lines": [(921, 12, Decimal("0.00"))], "shipping": 1988,
          "operations": [("pay", 258), ("pay", 12781), ("credit", 12040)]}
)  # fmt: skip
@example(  # a credit, then the payment behind it reversed: later credits are refused, credited stays > paid in
    spec={"lines": [(31746, 10, Decimal("0.00"))], "shipping": 0,
          "operations": [("pay", 1), ("pay", 65537), ("pay", 1), ("pay", 1), ("pay", 1), ("reverse", 2),
                         ("credit", 8957), ("reverse", 1), ("credit", 1)]}
)  # fmt: skip
def test_invoice_money_follows_the_model(spec, channel, customer, shop):
    try:
        with transaction.atomic():
            order = _place(spec, channel, customer)
            invoice = invoice_issue(invoice_id=invoice_create(order_id=order.pk).pk)
            _check_totals(invoice, order)
            model = {"total": cents(invoice.total_gross), "paid": 0, "credited": 0, "paid_in": 0}
            for op in spec["operations"]:
                _step(op, model, invoice, order)
                _check_money(model, invoice)
            raise _Rollback
    except _Rollback:
        pass
