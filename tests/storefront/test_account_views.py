import re
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order
from orders.services.payments import order_payment_record
from orders.services.shipping import order_lines_ship
from tests.factories import ProductFactory, stock

from .conftest import mark_split

LIST_URL = reverse("storefront:order_list")


def detail_url(order: Order) -> str:
    return reverse("storefront:order_detail", args=[order.number])


def numbers_in(html: str) -> list[str]:
    """Order numbers in the order the list shows them."""
    return re.findall(r'class="order-number"[^>]*>Order ([\w-]+)<', html)


@pytest.mark.django_db
def test_order_list_shows_the_customers_orders_newest_first(customer_client, place_order, stocked):
    # given
    first, second, third = (place_order([(stocked, 1)]) for _ in range(3))
    # when
    response = customer_client.get(LIST_URL)
    # then
    assert response.status_code == 200
    assert numbers_in(response.content.decode()) == [third.number, second.number, first.number]


@pytest.mark.django_db
def test_order_list_groups_split_orders_under_the_order_they_came_from(customer_client, place_order, stocked):
    # given: 10001 split into -1, -2 and -10; -1 split again into -1-1; a later unrelated order
    original = place_order([(stocked, 5)])
    ten = mark_split(place_order([(stocked, 1)]), parent=original, suffix=10)
    one = mark_split(place_order([(stocked, 1)]), parent=original, suffix=1)
    two = mark_split(place_order([(stocked, 1)]), parent=original, suffix=2)
    one_one = mark_split(place_order([(stocked, 1)]), parent=one, suffix=1)
    later = place_order([(stocked, 2)])
    # when
    html = customer_client.get(LIST_URL).content.decode()
    # then: originals newest first, each family depth-first with children in number order
    assert numbers_in(html) == [later.number, original.number, one.number, one_one.number, two.number, ten.number]
    group = html.split(f'aria-label="Order {original.number}"')[1].split("</article>")[0]
    assert f"Split off order {original.number}" in group
    assert group.count("split-row") == 4
    assert 'style="--depth: 2"' in group.split(f"Order {one_one.number}")[0].rsplit("order-row", 1)[1]


@pytest.mark.django_db
def test_order_list_shows_status_and_total_with_currency(customer_client, place_order, stocked):
    # given
    order = place_order([(stocked, 2)], shipping_fee=Decimal("4.95"))
    # when
    html = customer_client.get(LIST_URL).content.decode()
    # then
    assert "EUR 29.95" in html
    assert "Awaiting payment" in html
    assert f"2 × {stocked.name}" in html
    assert order.total_gross == Decimal("29.95")


@pytest.mark.django_db
def test_order_page_shows_lines_totals_addresses_and_balance_due(
    customer_client, place_order, stocked, tax_rate, location
):
    # given: two lines, part paid, one unit shipped
    cup = ProductFactory(sku="CUP-1", name="Cup", unit_price=Decimal("3.00"), tax_rate=tax_rate)
    stock(cup, location, 5)
    order = place_order([(stocked, 3), (cup, 2)], shipping_fee=Decimal("5.00"))
    order_payment_record(order_id=order.pk, amount=Decimal("20.00"), method="bank")
    mug_line = order.lines.get(product=stocked)
    order_lines_ship(order_id=order.pk, quantities={mug_line.pk: 1})
    # when
    response = customer_client.get(detail_url(order))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Order {order.number}" in html
    assert stocked.name in html and "MUG-1" in html
    assert "EUR 12.50" in html and "EUR 37.50" in html  # unit price and line total
    assert "EUR 3.00" in html and "EUR 6.00" in html
    assert "EUR 48.50" in html  # order total
    assert "Partially paid" in html
    assert "Balance due" in html and "EUR 28.50" in html
    assert f"1 × {stocked.name} shipped" in html
    assert "Tracking details appear here" in html
    assert "Main street 1" in html and "1000 AA Amsterdam" in html
    assert "Partly shipped, payment due" in html
    assert "Updated" not in html


@pytest.mark.django_db
def test_order_page_of_an_edited_order_says_how_often_it_was_updated(customer_client, place_order, stocked):
    # given: the page reads only `version` and the current rows; the edit service's own tests cover
    # how they change, so here the version is set directly in the given-step
    order = place_order([(stocked, 2)])
    Order.objects.filter(pk=order.pk).update(version=3)
    # when
    html = customer_client.get(detail_url(order)).content.decode()
    # then
    assert "Updated 2 times" in html
    assert "showing the current version" in html


@pytest.mark.django_db
def test_order_page_shows_the_split_family_with_links(customer_client, place_order, stocked):
    # given
    original = place_order([(stocked, 4)])
    first = mark_split(place_order([(stocked, 1)]), parent=original, suffix=1)
    second = mark_split(place_order([(stocked, 1)]), parent=original, suffix=2)
    grandchild = mark_split(place_order([(stocked, 1)]), parent=first, suffix=1)
    # when
    html = customer_client.get(detail_url(first)).content.decode()
    # then
    family = html.split("<h2>Split orders</h2>")[1].split("</section>")[0]
    parent_part, rest = family.split("Split off the same order")
    siblings_part, children_part = rest.split("Split from this order")
    assert f'href="{detail_url(original)}"' in parent_part
    assert f'href="{detail_url(second)}"' in siblings_part and first.number not in siblings_part
    assert f'href="{detail_url(grandchild)}"' in children_part


@pytest.mark.django_db
def test_order_page_without_splits_has_no_split_section(customer_client, place_order, stocked):
    # given
    order = place_order([(stocked, 1)])
    # when
    html = customer_client.get(detail_url(order)).content.decode()
    # then
    assert "Split orders" not in html


@pytest.mark.django_db
def test_account_pages_carry_the_shops_name(customer_client, place_order, stocked, shop):
    # given
    shop.name = "Tea & Cups"
    shop.save()
    order = place_order([(stocked, 1)])
    # when
    pages = [customer_client.get(url).content.decode() for url in (LIST_URL, detail_url(order))]
    # then
    assert all("Tea &amp; Cups" in page for page in pages)
