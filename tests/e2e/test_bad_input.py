"""Staff type values out of bounds on the Edit page, in Chromium: each is refused by name and the page keeps working."""

from decimal import Decimal

import pytest

from orders.models import Order, StagedEdit
from tests.factories import stock

SHOTS = "test-results"


@pytest.mark.django_db(transaction=True)
def test_out_of_bounds_values_on_the_edit_page_are_named_and_the_page_keeps_working(
    live_server, admin_login, superuser, place_order, product, location, shop
):
    # given: an order of 3 mugs
    stock(product, location, 10)
    order = place_order([(product, 3)], shipping_fee=Decimal("4.95"))
    line = order.lines.get()
    page = admin_login(superuser)
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/edit/")

    # when: a quantity far beyond any stock is typed (it once broke the page for good)
    page.fill(f"input[name=qty_{line.pk}]", "9300000000000000000")
    page.locator(f"input[name=qty_{line.pk}]").dispatch_event("change")
    # then: the message names the field, nothing is staged, the totals still show
    page.wait_for_selector("#edit-messages")
    assert "Quantity of 'Mug'" in page.locator("#edit-messages").inner_text()
    page.screenshot(path=f"{SHOTS}/edit_refused_quantity.png", full_page=True)

    # when: a custom item is added without a price, and then with a tax rate from the shop's list
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/edit/")
    page.fill("#custom_name", "Crate")
    page.get_by_role("button", name="Add custom item").click()
    page.wait_for_selector(".messagelist")
    assert "Price of the custom item: an amount is required." in page.locator(".messagelist").inner_text()
    assert page.locator("#custom_tax_rate option").all_inner_texts() == ["21% · Standard"]
    page.screenshot(path=f"{SHOTS}/edit_refused_price.png", full_page=True)

    # then: the order and the stage are as they were
    assert StagedEdit.objects.get(order=order).changes in ({}, {"quantities": {}, "added": {}, "custom_items": [],
                                                                "shipping_fee": None})  # fmt: skip
    assert Order.objects.get(pk=order.pk).total_gross == order.total_gross
