from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from catalog.models import Product, StockLevel, StockLocation, TaxRate
from oms.models import User
from orders.models import Address, Channel, Customer


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.django.Password("pass-word-123")


class StaffFactory(UserFactory):
    is_staff = True


class TaxRateFactory(DjangoModelFactory):
    class Meta:
        model = TaxRate
        django_get_or_create = ("name",)

    name = "Standard"
    rate = Decimal("21.00")


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    unit_price = Decimal("10.00")
    tax_rate = factory.SubFactory(TaxRateFactory)


class StockLocationFactory(DjangoModelFactory):
    class Meta:
        model = StockLocation
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"wh{n}")
    name = factory.Sequence(lambda n: f"Warehouse {n}")
    priority = 10


class ChannelFactory(DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("code",)

    code = "web"
    name = "Web shop"


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n}")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")


class AddressFactory(DjangoModelFactory):
    class Meta:
        model = Address

    customer = factory.SubFactory(CustomerFactory)
    name = factory.SelfAttribute("customer.name")
    street = "Main street 1"
    postal_code = "1000 AA"
    city = "Amsterdam"
    country = "NL"
    is_default_billing = True
    is_default_shipping = True


def stock(product, location, quantity: int) -> StockLevel:
    """Receive `quantity` units through the service, so the ledger explains them."""
    from catalog.services import stock_receive

    stock_receive(product=product, location=location, quantity=quantity, reason="test stock")
    return StockLevel.objects.get(product=product, location=location)


def ship(order_id: int, quantities: dict[int, int]) -> list:
    """Ship units the way the shop does: a shipment prepared for them (best locations first), then shipped.
    All or nothing, like the services: a refusal leaves no prepared shipment behind."""
    from django.db import transaction

    from fulfillment.services.shipments import shipment_ship, shipments_create

    with transaction.atomic():
        shipments = shipments_create(order_id=order_id, quantities=quantities)
        return [shipment_ship(shipment_id=shipment.pk) for shipment in shipments]
