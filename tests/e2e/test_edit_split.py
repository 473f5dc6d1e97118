"""Staff edit and split an order in the admin, in Chromium."""

from decimal import Decimal

import pytest

from orders.models import Order
from tests.factories import stock


@pytest.fixture
def admin_user(superuser):
    return superuser


@pytest.mark.django_db(transaction=True)
def test_staff_edit_an_order_and_see_the_new_version_in_history(
    live_server, admin_login, admin_user, place_order, product, location, shop
):
    # given: an order of 3 mugs at 12.50 plus 4.95 shipping
    stock(product, location, 10)
    order = place_order([(product, 3)], shipping_fee=Decimal("4.95"))
    line = order.lines.get()
    page = admin_login(admin_user)

    # when: staff open Edit order from the order and change the quantity
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    page.get_by_role("link", name="Edit order").click()
    page.fill(f"input[name=qty_{line.pk}]", "5")
    page.locator(f"input[name=qty_{line.pk}]").dispatch_event("change")
    # then: the new total shows at once, before anything is saved
    page.wait_for_function("document.querySelector('#new-total').textContent.trim() === '67.45'")
    assert Order.objects.get(pk=order.pk).total_gross == Decimal("42.45")

    # when: they add a custom item and commit
    page.fill("#custom_name", "Gift wrap")
    page.fill("#custom_price", "2.50")
    page.get_by_role("button", name="Add custom item").click()
    page.wait_for_selector("tr.added")
    assert page.locator("#new-total").inner_text() == "69.95"
    page.get_by_role("button", name="Commit as version 2").click()
    page.wait_for_url(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    assert "was saved as version 2" in page.locator(".messagelist").inner_text()

    # then: the History tab shows the new version with its line-by-line changes
    page.get_by_role("navigation", name="Order sections").get_by_role("link", name="History").click()
    history = page.locator("#content-main").inner_text()
    assert "edited the order (version 1 → 2)" in history
    assert "Changed the quantity of Mug 3 → 5 (total 37.50 → 62.50)" in history
    assert "Added 1 × Gift wrap at 2.50 (2.50)" in history
    order.refresh_from_db()
    assert (order.version, order.total_gross) == (2, Decimal("69.95"))


@pytest.mark.django_db(transaction=True)
def test_staff_split_an_order(live_server, admin_login, admin_user, place_order, product, location, shop):
    # given
    stock(product, location, 10)
    order = place_order([(product, 4)])
    line = order.lines.get()
    page = admin_login(admin_user)

    # when: staff move one mug into a new order to ship later
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    page.get_by_role("link", name="Split order").click()
    page.fill(f"input[name=move_{line.pk}]", "1")
    page.select_option("#reason", "ship_later")
    page.click("#split-submit")

    # then: they land on the new order, numbered after the original
    child = Order.objects.get(parent=order)
    page.wait_for_url(f"{live_server.url}/admin/orders/order/{child.pk}/change/")
    assert f"Order {child.number} was split off {order.number}" in page.locator(".messagelist").inner_text()
    assert child.number == f"{order.number}-1"
    assert (child.lines.get().quantity, order.lines.get().quantity) == (1, 3)
