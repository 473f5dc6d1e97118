"""The Record payment page and the Payments tab: form checks, idempotent double POSTs, Reverse for Finance only."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, OrderEvent, OrderPayment
from orders.services.payments import order_payment_record
from tests import factories
from tests.conftest import staff_in
from tests.threads import run_together


def page_url(order, slug):
    return reverse("admin:orders_order_page", args=(order.pk, slug))


@pytest.fixture
def order(place_order, product, location):
    factories.stock(product, location, 10)
    return place_order([(product, 2)])  # 25.00


def form_data(**fields) -> dict:
    return {
        "amount": "10.00",
        "method": "card",
        "reference": "PSP-1",
        "paid_on": str(timezone.localdate()),
        "idempotency_key": "form-token-1",
        **fields,
    }


def state(order) -> tuple:
    order.refresh_from_db()
    payments = list(OrderPayment.objects.order_by("pk").values_list("kind", "amount"))
    return order.amount_paid, order.payment_status, payments, OrderEvent.objects.count()


def test_the_form_shows_today_the_method_list_and_a_fresh_hidden_token(client, finance, order):
    # given
    client.force_login(finance)
    # when
    first = client.get(page_url(order, "payment"))
    second = client.get(page_url(order, "payment"))
    # then
    form = first.context["form"]
    assert form["paid_on"].value() == timezone.localdate()
    assert [value for value, _ in form.fields["method"].choices] == ["", "bank_transfer", "card", "cash", "other"]
    assert form["amount"].value() == Decimal("25.00")
    assert 'type="hidden" name="idempotency_key"' in first.content.decode()
    assert form["idempotency_key"].value() != second.context["form"]["idempotency_key"].value()


def test_posting_the_same_form_twice_records_one_payment(client, finance, order):
    # given
    client.force_login(finance)
    # when
    first = client.post(page_url(order, "payment"), form_data())
    second = client.post(page_url(order, "payment"), form_data(), follow=True)
    # then
    assert first.status_code == 302
    assert OrderPayment.objects.count() == 1
    assert any("already recorded" in str(m) for m in second.context["messages"])
    assert state(order)[:2] == (Decimal("10.00"), Order.PaymentStatus.PARTIALLY_PAID)


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"amount": "NaN"}, "amount", "Enter a number."),
        ({"amount": "Infinity"}, "amount", "Enter a number."),
        ({"amount": "1e400"}, "amount", ""),
        ({"amount": "10000000000"}, "amount", ""),
        ({"amount": "0"}, "amount", "greater than or equal to 0.01"),
        ({"amount": "25.01"}, "amount", "more than the balance due (EUR 25.00)"),
        ({"method": "cheque"}, "method", "Select a valid choice"),
        ({"paid_on": "2999-01-01"}, "paid_on", "cannot be in the future"),
        ({"paid_on": "2000-01-01"}, "paid_on", "cannot be before the order"),
        ({"reference": "x" * 101}, "reference", "at most 100 characters"),
    ],
)
def test_a_bad_field_is_shown_on_that_field_and_records_nothing(client, finance, order, fields, field, text):
    # given
    client.force_login(finance)
    before = state(order)
    # when
    response = client.post(page_url(order, "payment"), form_data(**fields))
    # then
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert text in " ".join(errors[field])
    assert state(order) == before


def test_an_overpayment_is_recorded_when_ticked_and_the_tab_shows_the_refund_due(client, finance, order):
    # given
    client.force_login(finance)
    # when
    client.post(page_url(order, "payment"), form_data(amount="30.00", overpayment="on"))
    response = client.get(page_url(order, "payments"))
    # then
    order.refresh_from_db()
    assert (order.payment_status, order.balance_due) == (Order.PaymentStatus.REFUND_DUE, Decimal("-5.00"))
    assert "refund due EUR 5.00" in response.content.decode()


def test_finance_reverses_a_payment_from_the_payments_tab(client, finance, order):
    # given
    finance.first_name, finance.last_name = "Fay", "Finance"
    finance.save()
    payment = order_payment_record(order_id=order.pk, amount=Decimal("25.00"), method="cash")
    client.force_login(finance)
    # when
    form_page = client.get(page_url(order, "payments") + f"?reverse={payment.pk}")
    response = client.post(page_url(order, "payments"), {"payment": payment.pk, "reason": "Counted twice"})
    # then
    assert "Reverse the payment of EUR 25.00" in form_page.content.decode()
    assert response.status_code == 302
    reversal = OrderPayment.objects.get(kind=OrderPayment.Kind.REVERSAL)
    assert (reversal.reverses, reversal.amount, reversal.reason, reversal.actor) == (
        payment,
        Decimal("-25.00"),
        "Counted twice",
        finance,
    )
    assert state(order)[:2] == (Decimal("0.00"), Order.PaymentStatus.UNPAID)
    listing = client.get(page_url(order, "payments")).content.decode()
    assert "Reversed" in listing and "Reason: Counted twice" in listing
    general = client.get(reverse("admin:orders_order_change", args=(order.pk,))).content.decode()
    assert "Fay Finance reversed the payment of 25.00: Counted twice" in general
    assert "recorded a payment of 25.00 by cash" in general


def test_the_order_desk_sees_payments_but_gets_no_reverse_and_is_forbidden_to_post(client, desk, order):
    # given
    payment = order_payment_record(order_id=order.pk, amount=Decimal("25.00"), method="cash")
    client.force_login(desk)
    before = state(order)
    # when
    listing = client.get(page_url(order, "payments") + f"?reverse={payment.pk}")
    response = client.post(page_url(order, "payments"), {"payment": payment.pk, "reason": "Counted twice"})
    # then
    assert listing.status_code == 200
    assert "EUR 25.00" in listing.content.decode()
    assert "Reverse" not in listing.content.decode()
    assert response.status_code == 403
    assert state(order) == before


def test_a_reversal_without_a_reason_or_of_another_orders_payment_changes_nothing(
    client, finance, order, place_order, product
):
    # given
    payment = order_payment_record(order_id=order.pk, amount=Decimal("25.00"), method="cash")
    other = place_order([(product, 1)])
    client.force_login(finance)
    before = state(order)
    # when
    blank = client.post(page_url(order, "payments"), {"payment": payment.pk, "reason": "  "})
    elsewhere = client.post(page_url(other, "payments"), {"payment": payment.pk, "reason": "Mistake"})
    # then
    assert blank.status_code == elsewhere.status_code == 200
    assert "reason" in blank.context["reverse_form"].errors
    assert "does not belong to this order" in elsewhere.content.decode()
    assert state(order) == before


def test_only_finance_and_managers_may_reverse_payments(finance, desk, db):
    # given
    manager = staff_in("Manager", "boss@example.com")
    warehouse = staff_in("Warehouse", "picker2@example.com")
    # then
    assert [u.has_perm("orders.reverse_payment") for u in (finance, manager, desk, warehouse)] == [
        True,
        True,
        False,
        False,
    ]


def test_the_payments_tab_takes_the_same_queries_for_one_and_for_many_payments(client, finance, order):
    # given
    client.force_login(finance)
    url = page_url(order, "payments")
    order_payment_record(order_id=order.pk, amount=Decimal("1.00"), method="cash")
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    one = count()
    for _ in range(4):
        order_payment_record(order_id=order.pk, amount=Decimal("1.00"), method="cash")
    # when / then
    assert count() == one


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_post_racing_on_two_connections_records_one_payment(finance, place_order, product, location):
    # given
    factories.stock(product, location, 10)
    order = place_order([(product, 2)])
    data = form_data(amount="25.00", idempotency_key="race-token")

    def post():
        client = Client()
        client.force_login(finance)
        return client.post(page_url(order, "payment"), data).status_code

    for _ in range(5):
        # when
        results = run_together(2, post)
        # then
        assert results == [302, 302]
        assert OrderPayment.objects.filter(idempotency_key="race-token").count() == 1
    order.refresh_from_db()
    assert (order.amount_paid, order.payment_status) == (Decimal("25.00"), Order.PaymentStatus.PAID)
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.PAYMENT_RECORDED).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_key_racing_on_two_orders_records_one_payment_and_refuses_the_other(
    finance, place_order, product, location
):
    # given: the insert, not the order lock, decides which request wins
    factories.stock(product, location, 10)
    orders = iter([place_order([(product, 1)]), place_order([(product, 1)])])
    targets = [next(orders), next(orders)]
    picks = iter(targets)

    def record():
        target = next(picks)
        return order_payment_record(order_id=target.pk, amount=Decimal("5.00"), method="card", idempotency_key="k")

    # when
    results = run_together(2, record)
    # then
    recorded = [r for r in results if isinstance(r, OrderPayment)]
    refused = [r for r in results if not isinstance(r, OrderPayment)]
    assert len(recorded) == 1 and len(refused) == 1
    assert "already used for a different payment" in str(refused[0])
    assert OrderPayment.objects.filter(idempotency_key="k").count() == 1
    assert sorted(Order.objects.values_list("amount_paid", flat=True)) == [Decimal("0.00"), Decimal("5.00")]
