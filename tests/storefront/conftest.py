import pytest

from orders.models import Order
from tests import factories

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's password


def link_user(customer, email: str):
    """Give a customer profile its sign-in (Customer.user), as the shop does when an account is opened."""
    customer.user = factories.UserFactory(email=email)
    customer.save(update_fields=["user"])
    return customer.user


def mark_split(child: Order, *, parent: Order, suffix: int) -> Order:
    """Make `child` (placed through the real placement service) an order split off `parent`.

    A stand-in until orders.services.split.order_split is in: it sets only what the account pages read
    (parent, root, a numbered suffix), with a QuerySet.update in the test's given-step.
    """
    Order.objects.filter(pk=child.pk).update(
        parent=parent, root_id=parent.root_id or parent.pk, number=f"{parent.number}-{suffix}"
    )
    child.refresh_from_db()
    return child


@pytest.fixture
def stocked(product, location):
    factories.stock(product, location, 10_000)
    return product


@pytest.fixture
def customer_user(customer):
    return link_user(customer, "ann@example.com")


@pytest.fixture
def customer_client(client, customer_user):
    client.force_login(customer_user)
    return client


@pytest.fixture
def other_customer(db):
    other = factories.AddressFactory(customer__name="Bob Other", street="Other lane 9").customer
    link_user(other, "bob@example.com")
    return other
