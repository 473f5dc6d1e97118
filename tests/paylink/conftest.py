"""Invoices for the pay-link tests, made through invoicing's own services (create, then issue)."""

from decimal import Decimal

import pytest
from django.test import Client

from invoicing.models import Invoice, PaymentTerms
from invoicing.services.drafts import invoice_create
from invoicing.services.issue import invoice_issue
from tests import factories


def issue_invoice(order, terms_code: str = "net_30", *, issue_date=None) -> Invoice:
    terms = PaymentTerms.objects.get(code=terms_code)
    draft = invoice_create(order_id=order.pk, terms_id=terms.pk)
    return invoice_issue(invoice_id=draft.pk, issue_date=issue_date)


@pytest.fixture
def stocked(product, location):
    factories.stock(product, location, 10_000)
    return product


@pytest.fixture
def order(place_order, stocked):
    """A placed, unpaid order: 2 × 12.50 + 5.00 shipping = 30.00."""
    return place_order([(stocked, 2)], shipping_fee=Decimal("5.00"))


@pytest.fixture
def invoice(order) -> Invoice:
    return issue_invoice(order)


@pytest.fixture
def anon() -> Client:
    return Client()
