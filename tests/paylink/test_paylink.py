"""The pay link: signed, opens one invoice, takes the balance, an instalment or a part; refuses more."""

import re
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core import signing
from django.urls import reverse

from invoicing.models import Invoice
from invoicing.paylink import SALT, invoice_pay_url, paylink_invoice_get, paylink_token
from notifications.models import Message
from orders.models import Order, OrderEvent, OrderPayment

from .conftest import issue_invoice


def pay_path(invoice) -> str:
    return reverse("paylink:pay", args=[paylink_token(invoice)])


def pay_through_local_provider(client, invoice, *, choice="balance", amount="", outcome="paid"):
    """Choose what to pay on the pay page, follow to the local provider's page, press its button."""
    response = client.post(pay_path(invoice), {"choice": choice, "amount": amount})
    assert response.status_code == 302, response.content.decode()[:500]
    page = client.get(response["Location"])
    assert page.status_code == 200
    payloads = dict(re.findall(r'name="payload" value="([^"]+)">\s*<button[^>]*class="([^"]*)"', page.content.decode()))
    payload = next(p for p, css in payloads.items() if ("decline" in css) == (outcome == "declined"))
    return client.post(reverse("paylink:callback", args=["local"]), {"payload": payload}), payload


def state(invoice) -> tuple:
    """Everything a refused payment must leave as it was."""
    invoice.refresh_from_db()
    order = Order.objects.get(pk=invoice.order_id)
    return (
        invoice.status, invoice.amount_paid, order.amount_paid, order.payment_status,
        OrderPayment.objects.count(), OrderEvent.objects.count(), Message.objects.count(),
    )  # fmt: skip


@pytest.mark.django_db
def test_the_pay_page_shows_shop_invoice_balance_and_due_date(anon, invoice, shop):
    # when
    page = anon.get(pay_path(invoice)).content.decode()
    # then
    assert shop.name in page
    assert f"Invoice {invoice.number}" in page
    assert "EUR 30.00" in page
    assert invoice.due_date.strftime("%-d %B %Y") in page


@pytest.mark.django_db
def test_invoice_pay_url_is_absolute_and_opens_the_invoice(anon, invoice, settings):
    settings.OMS_SITE_URL = "https://shop.example.com"
    url = invoice_pay_url(invoice)
    assert url.startswith("https://shop.example.com/pay/")
    assert anon.get(url.removeprefix("https://shop.example.com")).status_code == 200


@pytest.mark.django_db
def test_a_deposit_then_the_rest_makes_the_invoice_partially_paid_then_paid(client, invoice):
    # when: a part payment
    response, _ = pay_through_local_provider(client, invoice, choice="other", amount="10.00")
    # then
    assert response.status_code == 302  # back to the pay link it came from (tokens carry their signing time)
    assert paylink_invoice_get(response["Location"].split("/")[2]) == invoice
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.balance) == (
        "partially_paid",
        Decimal("10.00"),
        Decimal("20.00"),
    )
    assert "EUR 20.00" in client.get(pay_path(invoice)).content.decode()
    # when: the rest
    pay_through_local_provider(client, invoice, choice="balance")
    # then
    invoice.refresh_from_db()
    order = Order.objects.get(pk=invoice.order_id)
    assert (invoice.status, invoice.balance) == ("paid", Decimal("0.00"))
    assert order.payment_status == Order.PaymentStatus.PAID
    payments = list(OrderPayment.objects.filter(order=order).values_list("amount", "method", "idempotency_key"))
    assert [(a, m) for a, m, _ in payments] == [(Decimal("10.00"), "card"), (Decimal("20.00"), "card")]
    assert all(key.startswith("local:") for _, _, key in payments)
    event = OrderEvent.objects.filter(order=order, type=OrderEvent.Type.PAYMENT_RECORDED).last()
    assert event.source == OrderEvent.Source.STOREFRONT and event.parameters["amount"] == "20.00"
    assert "paid in full" in client.get(pay_path(invoice)).content.decode()


@pytest.mark.django_db
def test_the_same_callback_twice_records_one_payment(client, invoice):
    # given
    response, payload = pay_through_local_provider(client, invoice, choice="other", amount="12.00")
    before = state(invoice)
    # when: the provider (or the customer's reload) posts it again
    again = client.post(reverse("paylink:callback", args=["local"]), {"payload": payload})
    # then
    assert again.status_code == 302
    assert state(invoice) == before
    assert OrderPayment.objects.filter(order_id=invoice.order_id).count() == 1


@pytest.mark.django_db
def test_paying_more_than_the_balance_is_refused_on_the_page_and_changes_nothing(client, invoice):
    before = state(invoice)
    response = client.post(pay_path(invoice), {"choice": "other", "amount": "30.01"})
    assert response.status_code == 400
    assert "at most the balance of EUR 30.00" in response.content.decode()
    assert state(invoice) == before


@pytest.mark.django_db
def test_a_callback_for_more_than_the_balance_is_refused_and_changes_nothing(client, invoice):
    # given: two pay pages opened for the whole balance; the first is paid
    first = client.post(pay_path(invoice), {"choice": "balance"})["Location"]
    second = client.post(pay_path(invoice), {"choice": "balance"})["Location"]
    for location in (first,):
        page = client.get(location).content.decode()
        payload = re.search(r'name="payload" value="([^"]+)"', page).group(1)
        client.post(reverse("paylink:callback", args=["local"]), {"payload": payload})
    before = state(invoice)
    # when: the second pays too
    page = client.get(second).content.decode()
    payload = re.search(r'name="payload" value="([^"]+)"', page).group(1)
    response = client.post(reverse("paylink:callback", args=["local"]), {"payload": payload}, follow=True)
    # then
    assert "nothing left to pay" in response.content.decode()
    assert state(invoice) == before


@pytest.mark.django_db
def test_a_declined_payment_records_nothing(client, invoice):
    before = state(invoice)
    response, _ = pay_through_local_provider(client, invoice, outcome="declined")
    assert response.status_code == 302
    assert state(invoice) == before
    assert "declined" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_an_altered_callback_is_rejected(client, invoice):
    before = state(invoice)
    response = client.post(pay_path(invoice), {"choice": "balance"})
    page = client.get(response["Location"]).content.decode()
    payload = re.search(r'name="payload" value="([^"]+)"', page).group(1)
    data = signing.loads(payload, salt="invoicing.providers.local.callback")
    forged = signing.dumps({**data, "a": "0.01"}, salt="another-salt")
    assert client.post(reverse("paylink:callback", args=["local"]), {"payload": forged}).status_code == 400
    assert client.post(reverse("paylink:callback", args=["local"]), {"payload": payload[:-2] + "xx"}).status_code == 400
    assert client.post(reverse("paylink:callback", args=["nope"]), {"payload": payload}).status_code == 404
    assert state(invoice) == before


@pytest.mark.django_db
def test_altered_foreign_and_expired_tokens_answer_404(anon, invoice, place_order, stocked, settings):
    other = issue_invoice(place_order([(stocked, 1)]))
    token = paylink_token(invoice)
    forged = signing.dumps({"i": other.pk, "n": invoice.number}, salt=SALT)  # another invoice, this number
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), forged, "nonsense", "%00"):
        assert anon.get(f"/pay/{bad}/").status_code == 404
        assert anon.get(f"/pay/{bad}/pdf/").status_code == 404
    # expired: the link is older than OMS_PAYLINK_MAX_AGE_DAYS
    with mock.patch("django.core.signing.time.time", return_value=signing.time.time() - 181 * 86400):
        old = paylink_token(invoice)
    assert anon.get(f"/pay/{old}/").status_code == 404
    assert anon.get(f"/pay/{token}/").status_code == 200


@pytest.mark.django_db
def test_a_draft_or_credit_invoice_has_no_pay_page(anon, order):
    from invoicing.services.drafts import invoice_create

    draft = invoice_create(order_id=order.pk)
    assert anon.get(pay_path(draft)).status_code == 404  # a draft has no number, so no link opens it


@pytest.mark.django_db
def test_a_schedule_offers_the_next_instalment_and_paying_it_moves_to_the_next(client, order):
    # given: 30 % deposit now, the rest Net 30, on 30.00
    invoice = issue_invoice(order, "deposit_30")
    page = client.get(pay_path(invoice)).content.decode()
    assert "The next instalment" in page and "EUR 9.00" in page and "EUR 21.00" in page
    # when
    pay_through_local_provider(client, invoice, choice="instalment")
    # then
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == ("partially_paid", Decimal("9.00"))
    page = client.get(pay_path(invoice)).content.decode()
    assert "paid</span>" in page  # the deposit row reads paid
    assert "The next instalment" not in page  # the rest is the balance: one choice, not two


@pytest.mark.django_db
def test_bad_amounts_are_refused_naming_the_field(client, invoice):
    before = state(invoice)
    for amount in ("", "abc", "NaN", "-5", "0", "1e9999", "10.001x"):
        response = client.post(pay_path(invoice), {"choice": "other", "amount": amount})
        assert response.status_code == 400, amount
        assert 'aria-invalid="true"' in response.content.decode()
    assert client.post(pay_path(invoice), {"choice": "everything"}).status_code == 400
    assert state(invoice) == before


@pytest.mark.django_db
def test_a_cancelled_invoice_cannot_be_paid(client, invoice):
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.CANCELLED)  # given: as cancel leaves it
    page = client.get(pay_path(invoice)).content.decode()
    assert "Nothing to pay" in page and "Continue to payment" not in page
    assert client.post(pay_path(invoice), {"choice": "balance"}).status_code == 400


@pytest.mark.django_db
def test_pay_page_expiry_default_is_documented_in_settings(settings):
    assert settings.OMS_PAYLINK_MAX_AGE_DAYS == 180
    assert timedelta(days=settings.OMS_PAYLINK_MAX_AGE_DAYS) > timedelta(days=90)  # outlives the 90+ bucket's start
