from decimal import Decimal

import pytest

from tests import factories


@pytest.fixture
def stocked(db, location, tax_rate):
    """Products with stock at the main warehouse: (mug 12.50 at 21 %, book 20.00 at 9 %)."""
    from catalog.models import TaxRate

    low = TaxRate.objects.create(name="Low", rate=Decimal("9.00"))
    mug = factories.ProductFactory(sku="MUG-1", name="Mug", unit_price=Decimal("12.50"), tax_rate=tax_rate)
    book = factories.ProductFactory(sku="BOOK-1", name="Book", unit_price=Decimal("20.00"), tax_rate=low)
    for product in (mug, book):
        factories.stock(product, location, 100)
    return mug, book


@pytest.fixture
def shipped(place_order, stocked):
    """A placed order (3 mugs, 2 books, shipping 5.00), every unit shipped, nothing invoiced or paid yet."""
    mug, book = stocked
    order = place_order([(mug, 3), (book, 2)], shipping_fee=Decimal("5.00"))
    factories.ship(order.pk, {line.pk: line.quantity for line in order.lines.all()})
    order.refresh_from_db()
    return order


@pytest.fixture
def paid(shipped, desk):
    """The shipped order, invoiced (issued) and paid in full."""
    from tests.invoicing.helpers import issued, pay

    issued(shipped, desk)
    pay(shipped, shipped.total_gross)
    shipped.refresh_from_db()
    return shipped


@pytest.fixture
def reason(db):
    from returns.models import ReturnReason

    return ReturnReason.objects.get(code="damaged")


def lines_of(order) -> dict:
    """{sku: order line}"""
    return {line.sku: line for line in order.lines.all()}


# --- refunds: a paid, invoiced order whose credit invoice makes a refund


@pytest.fixture
def paid_order(place_order, location, tax_rate, staff):
    """A placed order of 2 mugs at 12.50 + 5.00 shipping (30.00), invoiced and paid online (local provider)."""
    from orders.services.payments import order_payment_record
    from tests.invoicing.helpers import issued

    mug = factories.ProductFactory(sku="MUG-R", name="Mug", unit_price=Decimal("12.50"), tax_rate=tax_rate)
    factories.stock(mug, location, 100)
    order = place_order([(mug, 2)], shipping_fee=Decimal("5.00"))
    invoice = issued(order, staff)
    order_payment_record(
        order_id=order.pk, amount=order.total_gross, method="card", idempotency_key="local:pay-1", actor=None
    )
    invoice.refresh_from_db()
    order.refresh_from_db()
    return order, invoice


@pytest.fixture
def credit(paid_order, staff):
    """credit(amount) -> the credit invoice of `amount` against the paid order's invoice (what a return makes)."""
    from invoicing.services.credits import invoice_credit

    def _credit(amount="10.00", actor=staff):
        return invoice_credit(invoice_id=paid_order[1].pk, actor=actor, amount=Decimal(amount), reason="Returned")

    return _credit


@pytest.fixture
def refund_mode(shop):
    def _set(mode: str):
        shop.refund_mode = mode
        shop.save()
        return shop

    return _set


@pytest.fixture
def manager(db):
    from tests.conftest import staff_in

    return staff_in("Manager", "boss@example.com")
