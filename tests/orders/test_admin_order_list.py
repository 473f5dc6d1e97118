"""The order list: status tabs with counts, search, and a query count that does not grow with the orders."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import Order, PaymentTerms
from orders.selectors.staff import ORDER_TABS, order_tab_counts
from orders.services.cancel import order_cancel
from orders.services.payments import order_payment_record
from orders.services.shipping import order_lines_ship
from tests import factories

LIST_URL = reverse("admin:orders_order_changelist")


@pytest.fixture
def orders_in_every_tab(place_order, product, location):
    factories.stock(product, location, 100)
    wholesale = factories.AddressFactory(customer__payment_terms=PaymentTerms.NET_30, customer__name="Bulk BV").customer
    orders = {
        "draft": place_order([(product, 1)], place=False),
        "unpaid": place_order([(product, 1)]),
        "on_terms": place_order([(product, 1)], customer=wholesale),
        "paid": place_order([(product, 1)]),
        "partly_shipped": place_order([(product, 2)], customer=wholesale),
        "shipped": place_order([(product, 1)], customer=wholesale),
        "cancelled": place_order([(product, 1)]),
        "paid_cancelled": place_order([(product, 1)]),
    }
    order_payment_record(order_id=orders["paid"].pk, amount=orders["paid"].total_gross, method="card")
    order_payment_record(order_id=orders["paid_cancelled"].pk, amount=Decimal("5.00"), method="card")
    order_cancel(order_id=orders["paid_cancelled"].pk, reason="test")  # holds 5.00 it no longer needs
    for key, quantity in (("partly_shipped", 1), ("shipped", 1)):
        line = orders[key].lines.get()
        order_lines_ship(order_id=orders[key].pk, quantities={line.pk: quantity})
    order_cancel(order_id=orders["cancelled"].pk, reason="test")
    return orders


def test_tab_counts_follow_the_status_definitions(orders_in_every_tab):
    # when
    counts = order_tab_counts()
    # then
    assert counts == {
        "all": 8,
        "draft": 1,
        "awaiting_payment": 4,  # unpaid, on terms (unpaid), partly shipped and shipped on terms
        "awaiting_fulfilment": 2,  # the paid one, and the unpaid one on account
        "partially_shipped": 1,
        "shipped": 1,
        "refund_due": 1,
        "cancelled": 2,
    }


@pytest.mark.parametrize(
    ("tab", "expected"),
    [
        ("draft", {"draft"}),
        ("awaiting_fulfilment", {"paid", "on_terms"}),
        ("cancelled", {"cancelled", "paid_cancelled"}),
        ("refund_due", {"paid_cancelled"}),
        ("partially_shipped", {"partly_shipped"}),
        ("shipped", {"shipped"}),
    ],
)
def test_a_tab_lists_its_orders_and_shows_every_count(client, desk, orders_in_every_tab, tab, expected):
    # given
    client.force_login(desk)
    # when
    response = client.get(LIST_URL, {"tab": tab})
    # then
    numbers = {order.number for order in response.context["cl"].result_list}
    assert numbers == {orders_in_every_tab[key].number for key in expected}
    tabs = {t["slug"]: t for t in response.context["order_list_tabs"]}
    assert [t.slug for t in ORDER_TABS] == list(tabs)
    assert tabs[tab]["active"] and tabs["all"]["count"] == 8


@pytest.mark.parametrize("field", ["number", "customer_name", "customer_email", "external_reference"])
def test_search_finds_an_order_by(client, desk, place_order, product, field):
    # given
    other = place_order([(product, 1)], place=False)
    customer = factories.AddressFactory(customer__name="Zora Quist", customer__email="zora@shop.test").customer
    order = place_order([(product, 1)], place=False, customer=customer, external_reference="AMZ-777")
    terms = {
        "number": order.number,
        "customer_name": "Quist",
        "customer_email": "zora@shop",
        "external_reference": "AMZ-777",
    }
    client.force_login(desk)
    # when
    response = client.get(LIST_URL, {"q": terms[field]})
    # then
    found = list(response.context["cl"].result_list)
    assert order in found and other not in found


def test_a_whole_e_mail_address_finds_that_customers_orders_in_any_case(client, desk, place_order, product):
    # given: Zora, and Jozora whose address contains Zora's
    zora = factories.CustomerFactory(email="zora@shop.test")
    jozora = factories.CustomerFactory(email="jozora@shop.test")
    hers = place_order([(product, 1)], place=False, customer=zora)
    place_order([(product, 1)], place=False, customer=jozora)
    client.force_login(desk)
    # when: the address is pasted with other capitals and a space
    response = client.get(LIST_URL, {"q": " Zora@Shop.test "})
    # then: her orders only (the unique e-mail index, not a substring search)
    assert list(response.context["cl"].result_list) == [hers]


def _list_queries(client, tab="awaiting_payment") -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST_URL, {"tab": tab}).status_code == 200
    return len(queries)


def test_the_list_takes_the_same_number_of_queries_for_3_or_30_orders(
    client, desk, place_order, product, location, django_assert_num_queries
):
    # given
    factories.stock(product, location, 100)
    for _ in range(3):
        place_order([(product, 1)], customer=factories.AddressFactory().customer)
    client.force_login(desk)
    baseline = _list_queries(client)
    for _ in range(27):
        place_order(
            [(product, 1)],
            customer=factories.AddressFactory().customer,
            channel=factories.ChannelFactory(code=f"c{Order.objects.count()}", name="Marketplace"),
        )
    # when / then
    with django_assert_num_queries(baseline):
        response = client.get(LIST_URL, {"tab": "awaiting_payment"})
    assert len(response.context["cl"].result_list) == 30
    assert response.context["cl"].result_list[0].total_gross == Decimal("12.50")
