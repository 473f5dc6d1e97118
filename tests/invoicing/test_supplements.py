"""A supplementary debit invoice for a line added after the order was invoiced: issued at once, its stored
amounts copied, paid from the order's unapplied money; refused for a line invoiced already."""

from decimal import Decimal

import pytest
from django.db import transaction

from invoicing.models import Invoice
from invoicing.services.supplements import invoice_supplement_locked
from oms.invariants import run_all
from orders.exceptions import OrderValidationError
from orders.services.line_add import order_line_add_locked
from orders.services.locks import order_lock
from tests import factories
from tests.invoicing.helpers import issued, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoiced_paid(place_order, product, location, desk):
    factories.stock(product, location, 10)
    order = place_order([(product, 2)])
    issued(order, desk)
    pay(order, order.total_gross)
    order.refresh_from_db()
    return order


def add_and_bill(order, product, allowance, actor, *, overpay=Decimal("0")):
    with transaction.atomic():
        locked = order_lock(order.pk, operation="invoice", extra_product_ids=[product.pk])
        added = order_line_add_locked(locked=locked, product_id=product.pk, quantity=1, allowance=allowance)
        return added, invoice_supplement_locked(order=locked.order, lines=[added.line], actor=actor, note="Exchange")


def test_the_added_line_is_billed_on_its_own_issued_invoice(invoiced_paid, tax_rate, location, desk):
    # given
    big = factories.ProductFactory(sku="BIG", unit_price=Decimal("30.00"), tax_rate=tax_rate)
    factories.stock(big, location, 1)
    first = Invoice.objects.get(order=invoiced_paid)
    # when
    added, supplement = add_and_bill(invoiced_paid, big, Decimal("12.50"), desk)
    # then
    assert supplement.pk != first.pk and supplement.kind == "debit" and supplement.number
    assert supplement.status == Invoice.Status.ISSUED and supplement.total_gross == Decimal("17.50")
    [row] = supplement.lines.all()
    assert (row.sku, row.quantity, row.unit_price, row.discount, row.gross) == (
        "BIG",
        1,
        Decimal("30.00"),
        Decimal("12.50"),
        Decimal("17.50"),
    )
    assert supplement.amount_paid == Decimal("0.00")  # the order holds no unapplied money
    invoiced_paid.refresh_from_db()
    assert first.total_gross + supplement.total_gross == invoiced_paid.total_gross
    assert {rule.name: rows for rule, rows in run_all() if rows} == {}


def test_money_the_order_holds_pays_the_supplement(invoiced_paid, tax_rate, location, desk):
    big = factories.ProductFactory(sku="BIG", unit_price=Decimal("30.00"), tax_rate=tax_rate)
    factories.stock(big, location, 1)
    _, supplement = add_and_bill(invoiced_paid, big, Decimal("12.50"), desk)
    pay(invoiced_paid, Decimal("17.50"))
    supplement.refresh_from_db()
    assert supplement.amount_paid == Decimal("17.50") and supplement.status == Invoice.Status.PAID


def test_a_line_on_an_invoice_already_or_worth_nothing_is_refused(invoiced_paid, tax_rate, location, desk):
    cheap = factories.ProductFactory(sku="CHEAP", unit_price=Decimal("5.00"), tax_rate=tax_rate)
    factories.stock(cheap, location, 1)
    before = Invoice.objects.count()
    with pytest.raises(OrderValidationError):
        add_and_bill(invoiced_paid, cheap, Decimal("12.50"), desk)  # the line is worth 0.00
    with pytest.raises(OrderValidationError), transaction.atomic():
        locked = order_lock(invoiced_paid.pk, operation="invoice")
        invoice_supplement_locked(order=locked.order, lines=list(locked.order.lines.all()), actor=desk)
    assert Invoice.objects.count() == before
