"""Fixtures for the picking, document and work-queue tests: products with bins, orders with a pending shipment."""

import pytest

from catalog.models import StockLevel
from fulfillment.services.shipments import shipments_create
from tests.factories import ProductFactory, stock


@pytest.fixture
def products(tax_rate, location):
    """Three products at `location`, each with its bin; B-07 sorts before C-02 before a product with none."""
    made = []
    for sku, bin_location in (("MUG", "C-02"), ("CUP", "B-07"), ("BAG", "")):
        product = ProductFactory(sku=sku, name=sku.title(), tax_rate=tax_rate)
        level = stock(product, location, 50)
        StockLevel.objects.filter(pk=level.pk).update(bin_location=bin_location)
        made.append(product)
    return made


@pytest.fixture
def pending_order(place_order, products):
    """place_order + shipments_create: a placed order with its pending shipment."""

    def _make(*quantities):
        order = place_order([(p, q) for p, q in zip(products, quantities, strict=False) if q])
        shipments_create(order_id=order.pk)
        return order

    return _make
