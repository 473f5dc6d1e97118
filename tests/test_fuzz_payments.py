"""Fuzzing the payment path (issue 7 §4), as tests/test_fuzz_input.py fuzzes the API and draft entry: the admin
"Record payment" and "Reverse" forms (posted through the test client) and the services behind them
(`orders/services/payments.py`). Whatever is sent: no 5xx and no exception other than a refusal; a refusal
names the field; a refused request changes no row (counts of payments, events, outbox; the order's amounts).
Also: payments whose sum would overflow what an order can hold (`oms.bounds.AMOUNT_PAID_MAX`, the column) are
refused by name, not by a database error. Runs on SQLite and PostgreSQL."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oms.bounds import AMOUNT_PAID_MAX, PAYMENT_AMOUNT_MAX
from orders.exceptions import OrderError, OrderValidationError
from orders.models import Order, OrderPayment
from orders.services.payments import order_payment_record, order_payment_reverse
from tests import factories
from tests.snapshots import rows_snapshot
from tests.test_fuzz_input import NASTY, nasty, typed

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
DATES = ["0001-01-01", "9999-12-31", "10000-01-01", "2026-02-30", "-1", "1e400", "31-12-2020", "2020-1-1\x00"]
date_text = st.one_of(st.sampled_from(DATES), typed, st.dates().map(date.isoformat))
METHODS = ["card", "cash", "bank_transfer", "other"]


@pytest.fixture
def order(db, shop, product, location, place_order):
    factories.stock(product, location, 100)
    return place_order([(product, 3)])  # 3 × 12.50 = 37.50


@pytest.fixture
def staff_client(superuser):
    client = Client(raise_request_exception=True)
    client.force_login(superuser)
    return client


def _amounts(order: Order) -> tuple:
    order.refresh_from_db()
    return order.total_gross, order.amount_paid, order.payment_status, order.paid_at


def _errors(response) -> list[str]:
    return [str(m) for m in response.context["messages"] if m.level_tag == "error"]


# --- the admin forms ---------------------------------------------------------------------------------------------


@given(
    fields=st.fixed_dictionaries(
        {},
        optional={
            "amount": typed,
            "paid_on": date_text,
            "method": st.one_of(st.sampled_from(METHODS), typed),
            "reference": typed,
            "overpayment": st.one_of(st.sampled_from(["on", ""]), typed),
            "idempotency_key": typed,
        },
    )
)
@FUZZ
def test_the_record_payment_form_never_errs_and_a_refusal_names_the_field_and_changes_nothing(
    order, staff_client, fields
):
    # given: a sound submission with some of its fields replaced by anything a browser can send
    post = {"amount": "1.00", "paid_on": date.today().isoformat(), "method": "card", "reference": "R-1"}
    post |= {"idempotency_key": f"fuzz-{OrderPayment.objects.count()}"} | fields
    before, amounts = rows_snapshot(), _amounts(order)
    # when
    response = staff_client.post(reverse("admin:orders_order_page", args=(order.pk, "payment")), post)
    # then
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        named = set(response.context["form"].errors) - {"__all__"}
        assert named or _errors(response), "a refusal must say what is wrong"
        assert named <= set(post), named
        assert rows_snapshot() == before and _amounts(order) == amounts
    else:
        assert staff_client.get(reverse("admin:orders_order_page", args=(order.pk, "payments"))).status_code == 200
        assert staff_client.get(reverse("admin:orders_order_change", args=(order.pk,))).status_code == 200


@given(payment=st.one_of(typed, st.just("<own>")), reason=st.one_of(st.just("Booked twice"), typed))
@FUZZ
def test_the_reverse_payment_form_never_errs_and_a_refusal_names_the_field_and_changes_nothing(
    order, staff_client, payment, reason
):
    # given: a payment that can be reversed (until an example reverses it)
    if not OrderPayment.objects.filter(order=order).exists():
        order_payment_record(order_id=order.pk, amount=Decimal("10.00"), method="cash")
    own = OrderPayment.objects.filter(order=order, kind=OrderPayment.Kind.PAYMENT).first()
    post = {"payment": str(own.pk) if payment == "<own>" else payment, "reason": reason}
    before, amounts = rows_snapshot(), _amounts(order)
    # when
    response = staff_client.post(reverse("admin:orders_order_page", args=(order.pk, "payments")), post)
    # then
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        form = response.context["reverse_form"]
        assert (set(form.errors) - {"__all__"}) or _errors(response), "a refusal must say what is wrong"
        assert rows_snapshot() == before and _amounts(order) == amounts
    else:
        assert OrderPayment.objects.filter(reverses=own).exists()


# --- the services ---------------------------------------------------------------------------------------------------

anything = st.one_of(
    nasty,
    st.decimals(allow_nan=True, allow_infinity=True),
    st.floats(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.booleans(),
    st.none(),
    st.just([]),
    st.just({}),
)
any_text = st.one_of(st.sampled_from(NASTY), st.text(max_size=120), st.text(min_size=90, max_size=300), anything)
any_date = st.one_of(
    st.none(),
    st.dates(),
    st.sampled_from([date.min, date.max, date(1970, 1, 1), datetime(2020, 1, 1, 12)]),
    st.datetimes(),
    anything,
)
SERVICE_FIELDS = {"amount", "method", "reference", "paid_on", "idempotency_key"}


@given(
    amount=st.one_of(anything, st.sampled_from(["1.00", Decimal("2.50"), 3])),
    method=st.one_of(st.sampled_from(METHODS), anything),
    reference=any_text,
    paid_on=any_date,
    key=any_text,
    overpay=st.one_of(st.booleans(), anything),
)
@FUZZ
def test_the_payment_service_refuses_any_bad_input_by_name_and_changes_nothing(
    order, amount, method, reference, paid_on, key, overpay
):
    # given
    before, amounts = rows_snapshot(), _amounts(order)
    # when
    try:
        payment = order_payment_record(
            order_id=order.pk, amount=amount, method=method, reference=reference, paid_on=paid_on,
            idempotency_key=key, allow_overpayment=overpay,
        )  # fmt: skip
    except OrderValidationError as refused:
        # then: refused by name, nothing written
        assert refused.details.get("field") in SERVICE_FIELDS, refused.details
        assert rows_snapshot() == before and _amounts(order) == amounts
        return
    # then: what was accepted is a sound row and the order moved by exactly its amount
    payment.refresh_from_db()
    assert Decimal("0.01") <= payment.amount <= PAYMENT_AMOUNT_MAX and payment.paid_on <= date.today()
    assert _amounts(order)[1] == amounts[1] + (0 if payment.replayed else payment.amount)


@given(payment_id=st.one_of(anything, st.just("<own>")), reason=st.one_of(st.just("Booked twice"), any_text))
@FUZZ
def test_the_reversal_service_refuses_any_bad_input_by_name_and_changes_nothing(order, payment_id, reason):
    # given
    if not OrderPayment.objects.filter(order=order).exists():
        order_payment_record(order_id=order.pk, amount=Decimal("10.00"), method="cash")
    own = OrderPayment.objects.filter(order=order, kind=OrderPayment.Kind.PAYMENT).first()
    before, amounts = rows_snapshot(), _amounts(order)
    # when
    try:
        order_payment_reverse(payment_id=own.pk if payment_id == "<own>" else payment_id, reason=reason)
    except OrderError as refused:
        # then: a validation refusal names the field; an unknown or reversed payment says so; nothing written
        if isinstance(refused, OrderValidationError):
            assert refused.details.get("field") in {"payment", "reason"}, refused.details
        assert rows_snapshot() == before and _amounts(order) == amounts
        return
    assert _amounts(order)[1] == amounts[1] - own.amount


# --- what an order can hold -------------------------------------------------------------------------------------------


def test_payments_whose_sum_would_overflow_what_the_order_holds_are_refused_by_name(order):
    # given: overpayments of the largest single payment, up to what the amount_paid column stores
    fit = int(AMOUNT_PAID_MAX // PAYMENT_AMOUNT_MAX)
    for n in range(fit):
        order_payment_record(
            order_id=order.pk, amount=PAYMENT_AMOUNT_MAX, method="other", allow_overpayment=True,
            idempotency_key=f"big-{n}",
        )  # fmt: skip
    before, amounts = rows_snapshot(), _amounts(order)
    assert amounts[1] == fit * PAYMENT_AMOUNT_MAX
    # when: one more would pass the column
    with pytest.raises(OrderValidationError) as refused:
        order_payment_record(order_id=order.pk, amount=PAYMENT_AMOUNT_MAX, method="other", allow_overpayment=True)
    # then
    assert refused.value.details == {"field": "amount"}
    assert "would hold more than" in refused.value.message
    assert rows_snapshot() == before and _amounts(order) == amounts


def test_the_record_payment_form_refuses_an_overflowing_payment_on_the_amount_field(order, staff_client):
    # given: the order already holds all but one payment's worth of the column
    fit = int(AMOUNT_PAID_MAX // PAYMENT_AMOUNT_MAX)
    for n in range(fit):
        order_payment_record(
            order_id=order.pk, amount=PAYMENT_AMOUNT_MAX, method="other", allow_overpayment=True,
            idempotency_key=f"big-{n}",
        )  # fmt: skip
    before, amounts = rows_snapshot(), _amounts(order)
    post = {"amount": str(PAYMENT_AMOUNT_MAX), "paid_on": date.today().isoformat(), "method": "card"}
    post |= {"overpayment": "on", "idempotency_key": "one-more"}
    # when
    response = staff_client.post(reverse("admin:orders_order_page", args=(order.pk, "payment")), post)
    # then
    assert response.status_code == 200
    assert "would hold more than" in str(response.context["form"].errors["amount"])
    assert rows_snapshot() == before and _amounts(order) == amounts


def test_a_payment_above_the_single_payment_bound_is_refused_on_the_form_and_in_the_service(order, staff_client):
    # given
    too_much = PAYMENT_AMOUNT_MAX + Decimal("0.01")
    before = rows_snapshot()
    # when
    with pytest.raises(OrderValidationError) as refused:
        order_payment_record(order_id=order.pk, amount=too_much, method="card", allow_overpayment=True)
    response = staff_client.post(
        reverse("admin:orders_order_page", args=(order.pk, "payment")),
        {"amount": str(too_much), "paid_on": date.today().isoformat(), "method": "card", "overpayment": "on",
         "idempotency_key": "k"},
    )  # fmt: skip
    # then
    assert refused.value.details == {"field": "amount"}
    assert "amount" in response.context["form"].errors
    assert rows_snapshot() == before
