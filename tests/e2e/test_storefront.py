"""The customer follows a split order in the storefront account, in Chromium."""

from decimal import Decimal

import pytest

from orders.models import SplitReason
from orders.services.split import order_split
from tests.factories import ProductFactory, UserFactory, stock


@pytest.mark.django_db(transaction=True)
def test_customer_sees_the_split_order_under_the_parent_and_opens_it(
    live_server, page, place_order, customer, product, location, tax_rate, shop
):
    # given: Ann's order of mugs and cups, the cups split off to ship from another warehouse
    cup = ProductFactory(sku="CUP-1", name="Cup", unit_price=Decimal("3.00"), tax_rate=tax_rate)
    stock(product, location, 10)
    stock(cup, location, 10)
    customer.user = UserFactory(email="ann@example.com")
    customer.save(update_fields=["user"])
    parent = place_order([(product, 2), (cup, 4)])
    cup_line = parent.lines.get(product=cup)
    split = order_split(order_id=parent.pk, quantities={cup_line.pk: 4}, reason=SplitReason.OTHER_WAREHOUSE)

    # when: she signs in with her e-mail address and password
    page.goto(f"{live_server.url}/account/login/")
    page.fill("input[name=username]", "ann@example.com")
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/account/orders/")

    # then: the split order is listed inside the parent's group, below the parent
    group = page.locator(f"article[aria-label='Order {parent.number}']")
    rows = group.locator(".order-number")
    assert rows.all_inner_texts() == [f"Order {parent.number}", f"Order {split.number}"]
    assert group.locator(".split-row").count() == 1
    assert shop.name in page.locator(".shop-name").inner_text()

    # when: she opens the split order
    group.get_by_role("link", name=f"Order {split.number}").click()
    page.wait_for_url(f"{live_server.url}/account/orders/{split.number}/")

    # then: its lines, and the way back to the order it came from
    assert page.locator("h1").inner_text() == f"Order {split.number}"
    line_rows = page.locator("table.lines tbody tr")
    assert line_rows.count() == 1
    assert (
        "Cup" in line_rows.first.inner_text() and "4" in line_rows.first.locator("td[data-label=Quantity]").inner_text()
    )
    family = page.locator("section.family")
    family.get_by_role("link", name=f"Order {parent.number}").click()
    page.wait_for_url(f"{live_server.url}/account/orders/{parent.number}/")
    assert page.locator("table.lines tbody tr").count() == 1  # the mugs stayed


@pytest.mark.django_db(transaction=True)
def test_customer_sees_cancelled_units_struck_through_and_a_removed_line_marked(
    live_server, page, place_order, customer, product, location, tax_rate, shop
):
    # given: Ann's order of 4 mugs and 2 cups; one mug cancelled, the cups removed by an edit
    from orders.services.cancel import order_line_cancel
    from orders.services.edit import EditChanges, order_edit_commit

    cup = ProductFactory(sku="CUP-1", name="Cup", unit_price=Decimal("3.00"), tax_rate=tax_rate)
    stock(product, location, 10)
    stock(cup, location, 10)
    customer.user = UserFactory(email="ann@example.com")
    customer.save(update_fields=["user"])
    order = place_order([(product, 4), (cup, 2)])
    mug_line, cup_line = order.lines.get(product=product), order.lines.get(product=cup)
    order_line_cancel(order_id=order.pk, line_id=mug_line.pk, quantity=1, reason="Out of stock")
    order.refresh_from_db()
    order_edit_commit(order_id=order.pk, changes=EditChanges(quantities={cup_line.pk: 0}), base_version=order.version)

    # when: she signs in
    page.goto(f"{live_server.url}/account/login/")
    page.fill("input[name=username]", "ann@example.com")
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/account/orders/")

    # then: the list counts what is still coming and how many lines were removed
    items = page.locator(".order-items").first.inner_text()
    assert items.startswith(f"3 × {mug_line.name}") and "1 item removed" in items
    page.screenshot(path="/tmp/faults_shots/storefront_list_cancelled.png", full_page=True)

    # when: she opens the order
    page.get_by_role("link", name=f"Order {order.number}").click()
    page.wait_for_url(f"{live_server.url}/account/orders/{order.number}/")

    # then: the mugs show 4 ordered, 1 cancelled (struck through), 3 live; the cups are marked removed
    rows = page.locator("table.lines tbody tr")
    mug_row, cup_row = rows.nth(0), rows.nth(1)
    assert mug_row.locator("td[data-label=Ordered]").inner_text() == "4"
    assert mug_row.locator("td[data-label=Cancelled] s").inner_text() == "1"
    assert mug_row.locator("td[data-label=Quantity]").inner_text() == "3"
    assert cup_row.locator(".badge-removed").inner_text() == "Removed"
    assert cup_row.locator("td[data-label=Quantity]").inner_text() == "0"
    page.screenshot(path="/tmp/faults_shots/storefront_detail_cancelled.png", full_page=True)
