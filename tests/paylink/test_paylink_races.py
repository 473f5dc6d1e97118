"""Provider callbacks racing on PostgreSQL, each thread on its own connection."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from invoicing.models import Invoice
from invoicing.paylink import paylink_token
from invoicing.providers import provider_get
from oms.invariants import run_all
from orders.models import OrderPayment
from tests.threads import run_together

from .conftest import issue_invoice


def signed_callback(invoice, amount: str, outcome: str = "paid") -> str:
    """What the local provider's page would post for one new payment of `amount`."""
    provider = provider_get("local")
    response = Client().post(
        reverse("paylink:pay", args=[paylink_token(invoice)]), {"choice": "other", "amount": amount}
    )
    token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    return provider.callback_payload(provider.page_payload(token), outcome)


def post_callback(payload: str) -> int:
    return Client().post(reverse("paylink:callback", args=["local"]), {"payload": payload}).status_code


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("iteration", range(8))
def test_the_same_callback_arriving_twice_at_once_records_one_payment(order, iteration):
    # given
    invoice = issue_invoice(order)
    payload = signed_callback(invoice, "12.00")
    # when
    results = run_together(2, lambda: post_callback(payload))
    # then
    assert results == [302, 302]
    assert list(OrderPayment.objects.filter(order=order).values_list("amount", flat=True)) == [Decimal("12.00")]
    invoice.refresh_from_db()
    assert (invoice.amount_paid, invoice.status) == (Decimal("12.00"), Invoice.Status.PARTIALLY_PAID)
    assert {rule.name: rows for rule, rows in run_all() if rows} == {}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("iteration", range(4))
def test_two_payments_of_the_whole_balance_at_once_record_one(order, iteration):
    # given: two pay pages for the whole 30.00 balance
    invoice = issue_invoice(order)
    payloads = [signed_callback(invoice, "30.00"), signed_callback(invoice, "30.00")]
    # when
    results = run_together(2, lambda: post_callback(payloads.pop()))
    # then: one recorded; the other was refused (nothing left to pay), no deadlock, no error page
    assert results == [302, 302]
    assert list(OrderPayment.objects.filter(order=order).values_list("amount", flat=True)) == [Decimal("30.00")]
    invoice.refresh_from_db()
    assert (invoice.amount_paid, invoice.status) == (Decimal("30.00"), Invoice.Status.PAID)
