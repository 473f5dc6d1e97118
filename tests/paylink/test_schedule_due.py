"""A schedule invoice (30 % deposit now, the rest Net 30) is due on its first UNPAID instalment.

Every order here costs 2 × 12.50 + 5.00 shipping = 30.00: a deposit of 9.00 due on the issue date, the rest
21.00 due 30 days later. Dates are computed by hand from `today`: an invoice issued 10 days ago has its
deposit 10 days overdue and its rest due in 20 days; one issued 40 days ago has its rest 10 days overdue.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from invoicing.models import Invoice
from invoicing.paylink import paylink_token
from invoicing.pdf import invoice_document_context
from invoicing.reports import report_ageing, report_outstanding
from invoicing.selectors import TABS_BY_SLUG
from orders.models import Order
from orders.services.payments import order_payment_record, order_payment_reverse
from tests.storefront.conftest import link_user

from .conftest import issue_invoice

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


def deposit_invoice(order, issued_days_ago: int) -> Invoice:
    # given-step stand-in for an order placed back then (the services refuse payments dated before the order)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=400))
    return issue_invoice(order, "deposit_30", issue_date=timezone.localdate() - timedelta(days=issued_days_ago))


def pay(invoice, amount: str):
    payment = order_payment_record(order_id=invoice.order_id, amount=D(amount), method="bank_transfer")
    invoice.refresh_from_db()
    return payment


def overdue_numbers() -> set[str]:
    return set(Invoice.objects.filter(TABS_BY_SLUG["overdue"].condition()).values_list("number", flat=True))


def ageing_rows(today) -> dict[str, tuple]:
    return {row[0]: (row[3], row[4], row[5], row[7]) for row in report_ageing(today).rows}


def test_an_unpaid_deposit_past_its_date_is_overdue_though_the_rest_is_not_yet_due(order, today):
    invoice = deposit_invoice(order, issued_days_ago=10)
    deposit_day = today - timedelta(days=10)
    assert list(invoice.instalments.values_list("due_date", "amount")) == [
        (deposit_day, D("9.00")), (deposit_day + timedelta(days=30), D("21.00")),
    ]  # fmt: skip
    assert invoice.next_due_date == deposit_day and invoice.is_overdue
    assert overdue_numbers() == {invoice.number}
    # ageing: due on the deposit's day, 10 days overdue, bucket 0-30, the whole balance open
    assert ageing_rows(today) == {invoice.number: (deposit_day, 10, "0-30", D("30.00"))}


def test_a_paid_deposit_with_the_rest_not_yet_due_is_not_overdue(order, today):
    invoice = deposit_invoice(order, issued_days_ago=10)
    # when
    pay(invoice, "9.00")
    # then: due on the rest's date, in 20 days
    rest_day = today + timedelta(days=20)
    assert (invoice.status, invoice.balance, invoice.next_due_date) == ("partially_paid", D("21.00"), rest_day)
    assert invoice.due_date == today - timedelta(days=10)  # the issued document's due date never changes
    assert not invoice.is_overdue and overdue_numbers() == set() and ageing_rows(today) == {}
    (row,) = report_outstanding().rows
    assert (row[0], row[4], row[9]) == (invoice.number, rest_day, D("21.00"))


def test_a_part_of_the_deposit_leaves_the_deposit_due(order, today):
    invoice = deposit_invoice(order, issued_days_ago=10)
    pay(invoice, "8.99")
    assert invoice.next_due_date == today - timedelta(days=10) and invoice.is_overdue


def test_the_rest_past_its_date_is_overdue_from_its_own_date(order, today):
    invoice = deposit_invoice(order, issued_days_ago=40)
    pay(invoice, "9.00")
    rest_day = today - timedelta(days=10)
    assert invoice.next_due_date == rest_day and invoice.is_overdue
    assert ageing_rows(today) == {invoice.number: (rest_day, 10, "0-30", D("21.00"))}  # not 40 days


def test_a_reversed_deposit_makes_the_deposit_due_again(order, today, finance):
    invoice = deposit_invoice(order, issued_days_ago=10)
    payment = pay(invoice, "9.00")
    # when
    order_payment_reverse(payment_id=payment.pk, reason="Bounced", actor=finance)
    # then
    invoice.refresh_from_db()
    assert invoice.next_due_date == today - timedelta(days=10) and overdue_numbers() == {invoice.number}


def test_paid_in_full_is_never_overdue(order, today):
    invoice = deposit_invoice(order, issued_days_ago=40)
    pay(invoice, "30.00")
    assert invoice.status == "paid" and not invoice.is_overdue and overdue_numbers() == set()


def test_the_storefront_pay_page_pdf_and_admin_show_the_next_due_date(order, today, customer, finance):
    invoice = deposit_invoice(order, issued_days_ago=10)
    pay(invoice, "9.00")
    rest_day = today + timedelta(days=20)
    # storefront order page: Due is the rest's date, status partially paid (not overdue)
    shopper = Client()
    shopper.force_login(link_user(customer, "ann@example.com"))
    section = shopper.get(reverse("storefront:order_detail", args=[order.number])).content.decode()
    section = section.split('id="invoices"', 1)[1].split("</section>", 1)[0]
    assert rest_day.strftime("%-d %b %Y") in section and "Overdue" not in section
    # pay page
    page = Client().get(reverse("paylink:pay", args=[paylink_token(invoice)])).content.decode()
    assert f"<dt>Due</dt><dd>{rest_day.strftime('%-d %B %Y')}</dd>" in page and "Overdue" not in page
    # PDF context (rendered after the issue's commit, and for the e-mail)
    assert invoice_document_context(invoice)["invoice"]["due_date"] == str(rest_day)
    # admin: the list's Due column and the invoice page
    staff = Client()
    staff.force_login(finance)
    listing = staff.get(reverse("admin:invoicing_invoice_changelist")).content.decode()
    assert f'data-label="due">{date_format(rest_day)}</td>' in listing
    detail = staff.get(reverse("admin:invoicing_invoice_change", args=[invoice.pk])).content.decode()
    assert f'id="invoice-due">{date_format(rest_day)} <span class="quiet">(next instalment)' in detail
    assert ">Overdue<" not in detail
