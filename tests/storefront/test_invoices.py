"""The order page lists the order's invoices and credit invoices; PDFs and pay links only for their customer."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from invoicing.models import DocumentAccess, Invoice
from invoicing.services.credits import invoice_credit
from invoicing.services.issue import invoice_pdf_store
from orders.services.payments import order_payment_record
from tests.paylink.conftest import issue_invoice

from .test_access import main_of


def detail_url(number: str) -> str:
    return reverse("storefront:order_detail", args=[number])


def pdf_url(invoice) -> str:
    return reverse("storefront:invoice_pdf", args=[invoice.number])


def credit_invoice_for(invoice, amount: str) -> Invoice:
    """Pay the invoice `amount`, then credit that amount back (invoicing's credit service)."""
    order_payment_record(order_id=invoice.order_id, amount=Decimal(amount), method="bank_transfer")
    return invoice_credit(invoice_id=invoice.pk, amount=amount, reason="Damaged in transit")


@pytest.fixture
def invoice(customer_client, place_order, stocked):
    order = place_order([(stocked, 2)], shipping_fee=Decimal("5.00"))
    invoice = issue_invoice(order)
    invoice_pdf_store(invoice.pk)
    return invoice


@pytest.mark.django_db
def test_the_order_page_lists_invoices_with_status_balance_due_date_pdf_and_pay_link(customer_client, invoice):
    # given
    credit = credit_invoice_for(invoice, "5.00")
    # when
    html = main_of(customer_client.get(detail_url(invoice.order.number)).content.decode())
    # then
    section = html.split('id="invoices"', 1)[1]
    assert f"Invoice {invoice.number}" in section
    assert f"Credit invoice {credit.number}" in section and f"credits {invoice.number}" in section
    assert "EUR 30.00" in section and invoice.due_date.strftime("%-d %b %Y") in section
    assert pdf_url(invoice) in section and pdf_url(credit) in section
    assert "Pay now" in section and section.count("Pay now") == 1  # a credit invoice is not paid by the customer
    assert "Sent" in section or "Issued" in section


@pytest.mark.django_db
def test_a_draft_invoice_is_not_listed(customer_client, place_order, stocked):
    from invoicing.services.drafts import invoice_create

    order = place_order([(stocked, 1)])
    invoice_create(order_id=order.pk)
    html = customer_client.get(detail_url(order.number)).content.decode()
    assert 'id="invoices"' not in html


@pytest.mark.django_db
def test_the_pdf_is_served_to_the_customer_and_logged(customer_client, invoice, customer_user):
    # when
    response = customer_client.get(pdf_url(invoice), REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Firefox")
    # then
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == bytes(Invoice.objects.get(pk=invoice.pk).pdf)
    access = DocumentAccess.objects.get()
    assert (access.invoice_id, access.user, access.channel, access.ip_address, access.user_agent) == (
        invoice.pk,
        customer_user,
        DocumentAccess.Channel.STOREFRONT,
        "203.0.113.7",
        "Firefox",
    )


@pytest.mark.django_db
def test_other_customers_get_404_for_the_pdf_and_nothing_is_logged(client, invoice, other_customer):
    # given: Bob signed in
    client.force_login(other_customer.user)
    # when
    responses = [client.get(pdf_url(invoice)), client.get(reverse("storefront:invoice_pdf", args=["INV-0000-000000"]))]
    # then
    assert [r.status_code for r in responses] == [404, 404]
    assert "Invoice not found" in responses[0].content.decode()
    assert main_of(responses[0].content.decode()) == main_of(responses[1].content.decode())  # reveals nothing
    assert not DocumentAccess.objects.exists()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in_for_the_pdf(invoice):
    response = Client().get(pdf_url(invoice))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not DocumentAccess.objects.exists()


@pytest.mark.django_db
def test_a_paid_invoice_shows_paid_and_no_pay_link(customer_client, invoice):
    order_payment_record(order_id=invoice.order_id, amount=Decimal("30.00"), method="bank_transfer")
    html = main_of(customer_client.get(detail_url(invoice.order.number)).content.decode())
    section = html.split('id="invoices"', 1)[1]
    assert "status-done" in section and ">Paid<" in section
    assert "Pay now" not in section
