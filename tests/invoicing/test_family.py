"""A split family invoiced at once: an invoice per order or one combined; each order's payments pay its share."""

from decimal import Decimal

import pytest
from django.urls import reverse

from invoicing.models import Invoice
from invoicing.services.family import family_invoice
from oms.invariants import run_all
from orders.exceptions import InvalidTransition
from orders.models import SplitReason
from orders.services.split import order_split
from tests.invoicing.helpers import issued, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(order):
    mug = order.lines.get(sku="MUG-1")
    child = order_split(order_id=order.pk, quantities={mug.pk: 1}, reason=SplitReason.BACKORDER, notify=False)
    order.refresh_from_db()
    return order, child


def test_an_invoice_for_each_order_of_the_family(family, finance, django_capture_on_commit_callbacks):
    order, child = family
    with django_capture_on_commit_callbacks(execute=True):
        made = family_invoice(order_id=child.pk, combined=False, actor=finance)
    assert [invoice.order_id for invoice in made] == [order.pk, child.pk]
    assert all(invoice.status == Invoice.Status.SENT for invoice in made)
    assert [invoice.total_gross for invoice in made] == [order.total_gross, child.total_gross]


def test_one_combined_invoice_and_each_order_pays_its_share(family, finance):
    order, child = family
    [invoice] = family_invoice(order_id=order.pk, combined=True, actor=finance, send=False)
    assert invoice.combined and invoice.total_gross == order.total_gross + child.total_gross
    assert {line.source_order_id for line in invoice.lines.all()} == {order.pk, child.pk}
    pay(child, child.total_gross)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PARTIALLY_PAID and invoice.amount_paid == child.total_gross
    pay(order, order.total_gross)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and invoice.balance == 0
    assert [rows for rule, rows in run_all() if rows] == []


def test_paying_one_order_more_than_its_share_does_not_pay_the_others(family, finance):
    order, child = family
    [invoice] = family_invoice(order_id=order.pk, combined=True, actor=finance, send=False)
    from orders.services.payments import order_payment_record

    order_payment_record(order_id=child.pk, amount=child.total_gross + Decimal("5.00"), method="card",
                         allow_overpayment=True)  # fmt: skip
    invoice.refresh_from_db()
    assert invoice.amount_paid == child.total_gross


def test_a_family_with_an_invoiced_member_is_refused_and_nothing_changes(family, finance):
    order, child = family
    issued(child, finance)
    before = Invoice.objects.count()
    with pytest.raises(InvalidTransition, match=f"Order {child.number} already has"):
        family_invoice(order_id=order.pk, combined=True, actor=finance)
    assert Invoice.objects.count() == before


def test_the_family_buttons_on_the_invoices_tab(client, family, finance):
    order, child = family
    client.force_login(finance)
    url = reverse("admin:orders_order_page", args=(child.pk, "invoices"))
    assert "One combined invoice" in client.get(url).content.decode()
    client.post(url, {"family": "combined"})
    assert Invoice.objects.filter(combined=True, status=Invoice.Status.SENT).count() == 1
