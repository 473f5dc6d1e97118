"""Fixtures of the holds and hand-off tests: a placed order with stock at one location, and a named clerk."""

import pytest

from tests.factories import ProductFactory, stock


@pytest.fixture
def mug_order(place_order, product, location, tax_rate):
    """3 × Mug and 2 × Plate, all stocked at `location` (one shipment)."""
    plate = ProductFactory(sku="PLATE-1", name="Plate", tax_rate=tax_rate)
    stock(product, location, 10)
    stock(plate, location, 10)
    return place_order([(product, 3), (plate, 2)])


@pytest.fixture
def anna(db):
    """An order-desk clerk with a first name (the hold sentences name who held)."""
    from tests.conftest import staff_in

    user = staff_in("Order desk", "anna@example.com")
    user.first_name = "Anna"
    user.save(update_fields=["first_name"])
    return user


def pay_in_full(order, *, actor=None):
    from orders.models import Order
    from orders.services.payments import order_payment_record

    order = Order.objects.get(pk=order.pk)
    return order_payment_record(order_id=order.pk, amount=order.balance_due, method="bank_transfer", actor=actor)
