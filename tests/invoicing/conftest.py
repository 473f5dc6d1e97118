from decimal import Decimal

import pytest

from tests import factories


@pytest.fixture
def stocked(db, location, tax_rate):
    """place-ready products with stock: (mug 12.50 at 21 %, book 20.00 at 9 %)."""
    from catalog.models import TaxRate

    low = TaxRate.objects.create(name="Low", rate=Decimal("9.00"))
    mug = factories.ProductFactory(sku="MUG-1", name="Mug", unit_price=Decimal("12.50"), tax_rate=tax_rate)
    book = factories.ProductFactory(sku="BOOK-1", name="Book", unit_price=Decimal("20.00"), tax_rate=low)
    for product in (mug, book):
        factories.stock(product, location, 1000)
    return mug, book


@pytest.fixture
def order(place_order, stocked):
    mug, book = stocked
    return place_order([(mug, 2), (book, 1)], shipping_fee=Decimal("5.00"))


@pytest.fixture
def net30(db):
    from invoicing.models import PaymentTerms

    return PaymentTerms.objects.get(code="net_30")
