import re
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order, SplitReason
from orders.services.edit import EditChanges, order_edit_commit
from orders.services.payments import order_payment_record
from orders.services.split import order_split
from tests.factories import ProductFactory, ship, stock

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


def split(order: Order, units: int, reason: str = SplitReason.BACKORDER) -> Order:
    """Move `units` of the order's first line into a new order through the real split service."""
    line = order.lines.order_by("position", "pk").first()
    return order_split(order_id=order.pk, quantities={line.pk: units}, reason=reason)


@pytest.mark.django_db
def test_order_list_groups_split_orders_under_the_order_they_came_from(customer_client, place_order, stocked):
    # given: ten orders split off the original (-1 … -10), then -1 split again (-11); a later order
    original = place_order([(stocked, 13)])
    first = split(original, 2)
    others = [split(original, 1) for _ in range(9)]
    grandchild = split(first, 1, SplitReason.OTHER_WAREHOUSE)
    later = place_order([(stocked, 2)])
    # when
    html = customer_client.get(LIST_URL).content.decode()
    # then: originals newest first; each family depth-first, children in number order (-10 after -9)
    expected = [later, original, first, grandchild, *others]
    assert numbers_in(html) == [o.number for o in expected]
    assert others[-1].number == f"{original.number}-10" and grandchild.number == f"{original.number}-11"
    group = html.split(f'aria-label="Order {original.number}"')[1].split("</article>")[0]
    assert group.count("split-row") == 11
    grandchild_row = group.split(f"Order {grandchild.number}<")[0].rsplit("order-row", 1)[1]
    assert 'style="--depth: 2"' in grandchild_row
    assert "ships from another warehouse" in group


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
    order_payment_record(order_id=order.pk, amount=Decimal("20.00"), method="bank_transfer")
    mug_line = order.lines.get(product=stocked)
    (shipment,) = ship(order.pk, {mug_line.pk: 1})
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
    assert shipment.number in html and f"1 × {stocked.name}" in html and "Shipped" in html
    assert "Main street 1" in html and "1000 AA Amsterdam" in html
    assert "<br>Netherlands</address>" in html  # the country's name, not its code
    assert "Partly shipped, payment due" in html
    assert "Updated" not in html


@pytest.mark.django_db
def test_order_page_of_an_edited_order_shows_the_current_version(customer_client, place_order, stocked):
    # given: placed with 2 mugs, edited to 5, then to 4
    order = place_order([(stocked, 2)])
    line = order.lines.get()
    for version, quantity in ((1, 5), (2, 4)):
        order_edit_commit(
            order_id=order.pk, changes=EditChanges(quantities={line.pk: quantity}), base_version=version, notify=False
        )
    # when
    html = customer_client.get(detail_url(order)).content.decode()
    # then
    assert "Updated 2 times" in html and "showing the current version" in html
    qty_cell = html.split('data-label="Quantity" class="num"><strong>')[1].split("<")[0]
    assert qty_cell == "4"
    assert "EUR 50.00" in html  # 4 × 12.50


@pytest.mark.django_db
def test_order_page_shows_the_split_family_with_links(customer_client, place_order, stocked):
    # given
    original = place_order([(stocked, 5)])
    first = split(original, 2)
    second = split(original, 1)
    grandchild = split(first, 1)
    # when
    html = customer_client.get(detail_url(first)).content.decode()
    # then
    family = html.split("<h2>Split orders</h2>")[1].split("</section>")[0]
    parent_part, rest = family.split("Split off the same order")
    siblings_part, children_part = rest.split("Split from this order")
    assert f'href="{detail_url(original)}"' in parent_part
    assert f'href="{detail_url(second)}"' in siblings_part and f"Order {first.number}<" not in siblings_part
    assert f'href="{detail_url(grandchild)}"' in children_part
    assert "Awaiting payment" in children_part


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
