"""A pay-link payment pays the invoice of its link first, even when the order has an older invoice due first.

Today the services keep one live invoice per order (`invoice_create` refuses a second), so the two invoices
on one order are built by hand below; the rule matters as soon as an order's money reaches two invoices.
The order: 2 × 12.50 + 5.00 shipping = 30.00. The older invoice (30.00, Net 30) was issued 10 days ago and
is due in 20 days; the newer (the shipping line only, 5.00, Net 30) is issued today, due in 30 days.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from invoicing.models import Invoice, InvoiceLine, InvoicePayment, PaymentTerms
from invoicing.services.drafts import _new_invoice, set_totals, snapshot_lines
from invoicing.services.issue import issue_locked
from orders.models import Order
from orders.services.payments import order_payment_record

from .conftest import issue_invoice
from .test_paylink import pay_through_local_provider

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def two_invoices(order):
    # given-step stand-in for an order placed back then (the services refuse payments dated before the order)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=400))
    older = issue_invoice(order, issue_date=timezone.localdate() - timedelta(days=10))
    with transaction.atomic():  # a second live invoice on the same order, built past invoice_create's refusal
        lines = snapshot_lines(order)[-1:]
        assert [line.name for line in lines] == ["Shipping"] and lines[0].gross == D("5.00")
        newer = _new_invoice(order, actor=None, terms=PaymentTerms.objects.get(code="net_30"), note="")
        set_totals(newer, lines)
        newer.save()
        for line in lines:
            line.invoice = newer
        InvoiceLine.objects.bulk_create(lines)
        issue_locked(newer, actor=None, source="admin")
    assert older.next_due_date < newer.next_due_date  # the older is due first
    return older, newer


def applied(invoice) -> list[Decimal]:
    return list(InvoicePayment.objects.filter(invoice=invoice).values_list("amount", flat=True))


def test_paying_the_newer_invoice_by_its_pay_link_pays_that_invoice(two_invoices):
    older, newer = two_invoices
    # when
    response, _ = pay_through_local_provider(Client(), newer, choice="balance")
    # then
    assert response.status_code in (200, 302)
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (newer.status, newer.amount_paid, newer.balance) == (Invoice.Status.PAID, D("5.00"), D("0.00"))
    assert (older.status, older.amount_paid, older.balance) == (Invoice.Status.ISSUED, D("0.00"), D("30.00"))
    assert applied(older) == [] and applied(newer) == [D("5.00")]


def test_a_payment_without_a_pay_link_still_pays_the_oldest_due_first(two_invoices):
    older, newer = two_invoices
    order_payment_record(order_id=older.order_id, amount=D("5.00"), method="bank_transfer")
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.amount_paid, newer.amount_paid) == (D("5.00"), D("0.00"))
