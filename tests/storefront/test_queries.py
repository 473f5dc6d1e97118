"""The account pages take the same number of queries however many orders, lines and split orders there are."""

import pytest
from django.urls import reverse

from fulfillment.services.shipments import shipments_create
from tests.factories import ProductFactory, stock

from .conftest import mark_split

# Shop settings come from the shared cache (oms/config_cache.py), loaded there when the orders were placed.
LIST_QUERIES = 8  # session, user, customer, page count, originals, their lines, splits, their lines
# session, user, customer, order, its lines, its split family, its shipments and their lines, its invoices,
# its return requests (an order that shipped reads 3 more: its shipped lines and their returned and requested units)
# and its refunds
DETAIL_QUERIES = 11


def place_families(place_order, product, *, originals: int) -> None:
    """`originals` orders, every other one with a split order that was split again."""
    for i in range(originals):
        original = place_order([(product, 2), (product, 1)])
        if i % 2 == 0:
            child = mark_split(place_order([(product, 1)]), parent=original, suffix=1)
            mark_split(place_order([(product, 1), (product, 1)]), parent=child, suffix=1)


@pytest.mark.django_db
@pytest.mark.parametrize("originals", [2, 20])
def test_order_list_queries_do_not_grow_with_orders_lines_or_splits(
    customer_client, place_order, stocked, shop, originals, django_assert_num_queries
):
    # given: 2 originals (4 orders in all) or 20 (40 orders in all)
    place_families(place_order, stocked, originals=originals)
    # when / then
    with django_assert_num_queries(LIST_QUERIES):
        response = customer_client.get(reverse("storefront:order_list"))
    assert response.content.decode().count('class="order-number"') == originals * 2


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 12])
def test_order_page_queries_do_not_grow_with_lines_or_family(
    customer_client, place_order, stocked, shop, location, tax_rate, size, django_assert_num_queries
):
    # given: an order of `size` lines with `size` orders split off it and `size` split off those
    products = [stocked] + [ProductFactory(tax_rate=tax_rate) for _ in range(size - 1)]
    for product in products[1:]:
        stock(product, location, 100)
    order = place_order([(product, 1) for product in products])
    for suffix in range(1, size + 1):
        child = mark_split(place_order([(stocked, 1)]), parent=order, suffix=suffix)
        mark_split(place_order([(stocked, 1)]), parent=child, suffix=1)
    child_url = reverse("storefront:order_detail", args=[child.number])
    for shipped in (order, child):
        shipments_create(order_id=shipped.pk)  # a shipment of every line
    # when / then: the original and a split order with parent, siblings and a child
    for url in (reverse("storefront:order_detail", args=[order.number]), child_url):
        with django_assert_num_queries(DETAIL_QUERIES):
            html = customer_client.get(url).content.decode()
        assert "Split orders" in html
