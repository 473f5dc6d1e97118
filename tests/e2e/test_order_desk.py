"""The order desk in Chromium: enter a manual order, place it, find it under its tab, read its history."""

import re

import pytest
from django.contrib.auth.models import Group

from orders.models import Order
from tests import factories


@pytest.fixture
def desk_clerk(db):
    user = factories.StaffFactory(email="clerk@example.com", first_name="Cora", last_name="Clerk")
    user.groups.add(Group.objects.get(name="Order desk"))
    return user


def choose_autocomplete(page, select_id: str, term: str, option_text: str) -> None:
    """Open the admin's select2 widget next to <select id=...>, type `term` and pick the option."""
    page.locator(f"#{select_id} + .select2").click()
    page.locator(".select2-container--open .select2-search__field").fill(term)
    page.locator(".select2-results__option", has_text=option_text).click()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_clerk_enters_places_and_finds_a_manual_order(live_server, page, admin_login, desk_clerk):
    # given
    location = factories.StockLocationFactory(code="main", name="Main warehouse")
    product = factories.ProductFactory(sku="MUG-RED", name="Red mug")
    factories.stock(product, location, 10)
    factories.ChannelFactory(code="phone", name="Phone")
    factories.AddressFactory(customer__name="Ann Example", customer__email="ann@example.com")
    admin_login(desk_clerk)

    # when: the clerk types the order
    page.goto(f"{live_server.url}/admin/orders/order/add/")
    choose_autocomplete(page, "id_customer", "Ann", "Ann Example")
    page.select_option("#id_channel", label="Phone")
    page.fill("#id_shipping_fee", "4.95")
    choose_autocomplete(page, "id_lines-0-product", "MUG-RED", "MUG-RED · Red mug")
    page.fill("#id_lines-0-quantity", "2")
    page.locator("a.add-row").click()
    page.fill("#id_lines-1-name", "Gift wrapping")
    page.fill("#id_lines-1-quantity", "1")
    page.fill("#id_lines-1-unit_price", "3.00")
    page.select_option("#id_lines-1-tax_rate", "21.00")
    page.click("[name=_continue]")
    page.wait_for_selector("text=was added successfully")
    order = Order.objects.get()

    # and, seeing the addresses and terms that will be used, raises the mugs to 3 and places it without saving first
    summary = page.locator(".used-when-placed")
    assert "Ships to" in summary.inner_text() and "the customer's default" in summary.inner_text()
    page.fill("#id_lines-0-quantity", "3")
    page.screenshot(path="/tmp/faults_shots/draft_before_place.png", full_page=True)
    page.get_by_role("button", name="Place order").click()
    page.wait_for_selector("text=was saved, placed and its stock reserved")

    # then: it waits for payment
    page.goto(f"{live_server.url}/admin/orders/order/")
    page.click("a[data-tab=awaiting_payment]")
    page.wait_for_url(re.compile(r"tab=awaiting_payment"))
    page.get_by_role("link", name=order.number, exact=True).click()

    # and its history shows the placement
    page.locator(".order-tabs a", has_text="History").click()
    timeline = page.locator("table.order-events")
    assert timeline.locator("tr.event-placed").count() == 1
    assert "Cora Clerk" in timeline.locator("tr.event-placed").inner_text()
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert str(order.total_gross) == "37.95"  # 3 × 10.00 (the unsaved change was placed) + 3.00 + 4.95 shipping


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_clerk_moves_a_draft_to_another_customer_and_sees_the_new_address_and_terms(
    live_server, page, admin_login, desk_clerk
):
    # given a saved draft for Bakker
    product = factories.ProductFactory(sku="MUG-RED", name="Red mug")
    factories.ChannelFactory(code="phone", name="Phone")
    factories.AddressFactory(customer__name="Bakker", customer__email="bakker@example.com", street="Bakkerstraat 1")
    factories.AddressFactory(
        customer__name="Willems", customer__email="willems@example.com", customer__payment_terms="net_30",
        street="Havenweg 9", city="Rotterdam",
    )  # fmt: skip
    admin_login(desk_clerk)
    page.goto(f"{live_server.url}/admin/orders/order/add/")
    choose_autocomplete(page, "id_customer", "Bakker", "Bakker")
    page.select_option("#id_channel", label="Phone")
    choose_autocomplete(page, "id_lines-0-product", "MUG-RED", "MUG-RED · Red mug")
    page.fill("#id_lines-0-quantity", "1")
    page.click("[name=_continue]")
    page.wait_for_selector("text=was added successfully")
    assert page.input_value("#id_shipping_street") == "Bakkerstraat 1"

    # when the clerk picks Willems instead and saves
    choose_autocomplete(page, "id_customer", "Willems", "Willems")
    page.click("[name=_continue]")
    page.wait_for_selector("text=was changed successfully")

    # then the form and the summary show Willems' address and terms
    assert page.input_value("#id_shipping_street") == "Havenweg 9"
    assert page.input_value("#id_payment_terms") == "net_30"
    summary = page.locator(".used-when-placed").inner_text()
    assert "Havenweg 9" in summary and "the customer's default" in summary and "Net 30 days" in summary
    page.locator(".used-when-placed").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/faults_shots/draft_customer_changed.png", full_page=True)
    assert product.pk
