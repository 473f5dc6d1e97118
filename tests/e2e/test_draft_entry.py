"""Draft entry in Chromium: the product autocomplete shows price and stock, the line's price, tax and total and the
running totals appear as soon as the product is picked; the edit adds a product through the same autocomplete;
the split previews both orders. Screenshots in /tmp/look_shots/."""

from decimal import Decimal
from pathlib import Path

import pytest

from orders.models import Order
from tests import factories

SHOTS = Path("/tmp/look_shots")


@pytest.fixture
def clerk(db):
    from django.contrib.auth.models import Group

    user = factories.StaffFactory(email="clerk@example.com", first_name="Cora", last_name="Clerk")
    user.groups.add(Group.objects.get(name="Order desk"))
    return user


def pick(page, select_id: str, term: str, option_text: str) -> None:
    page.locator(f"#{select_id} + .select2").click()
    page.locator(".select2-container--open .select2-search__field").fill(term)
    page.locator(".select2-results__option", has_text=option_text).click()


@pytest.mark.django_db(transaction=True)
def test_picking_a_product_shows_its_price_stock_and_the_running_totals(live_server, admin_login, clerk):
    # given
    location = factories.StockLocationFactory(code="main", name="Main warehouse")
    mug = factories.ProductFactory(sku="MUG-RED", name="Red mug", unit_price=Decimal("10.00"))
    factories.stock(mug, location, 10)
    factories.ChannelFactory(code="phone", name="Phone")
    factories.AddressFactory(customer__name="Ann Example", customer__email="ann@example.com")
    page = admin_login(clerk)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/admin/orders/order/add/")
    pick(page, "id_customer", "Ann", "Ann Example")
    page.select_option("#id_channel", label="Phone")
    # when: the clerk types "MUG" and sees price and stock in the choice
    page.locator("#id_lines-0-product + .select2").click()
    page.locator(".select2-container--open .select2-search__field").fill("MUG")
    option = page.locator(".select2-results__option", has_text="MUG-RED")
    assert option.inner_text() == "MUG-RED · Red mug — 10.00 · 10 in stock"
    option.click()
    page.fill("#id_lines-0-quantity", "3")
    page.fill("#id_shipping_fee", "4.95")
    # then: the line shows its price, tax and total, and the totals follow
    assert page.get_attribute("#id_lines-0-unit_price", "placeholder") == "10.00"
    line = page.locator("#line-preview-0").inner_text()
    assert line == "Line total 30.00 (tax 5.21) · 10 in stock"
    assert page.locator("#running-total").inner_text() == "34.95"
    page.fill("#id_lines-0-quantity", "12")
    assert "not enough" in page.locator("#line-preview-0").inner_text()
    page.fill("#id_lines-0-quantity", "3")
    page.screenshot(path=str(SHOTS / "draft_entry.png"), full_page=True)
    # and saving prices it the same
    page.click("[name=_continue]")
    page.wait_for_selector("text=was added successfully")
    assert Order.objects.get().total_gross == Decimal("34.95")


@pytest.mark.django_db(transaction=True)
def test_the_edit_adds_a_product_with_the_autocomplete_and_the_split_previews(
    live_server, admin_login, clerk, place_order, product, location, tax_rate
):
    # given
    factories.stock(product, location, 20)
    cup = factories.ProductFactory(sku="CUP-1", name="Cup", unit_price=Decimal("4.00"), tax_rate=tax_rate)
    factories.stock(cup, location, 8)
    order = place_order([(product, 4)])
    page = admin_login(clerk)
    page.set_viewport_size({"width": 1440, "height": 900})
    # when: the edit picks the cup through the autocomplete
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/edit/")
    pick(page, "new_product", "CUP", "CUP-1 · Cup — 4.00 · 8 in stock")
    page.fill("#new_qty", "2")
    page.get_by_role("button", name="Add product").click()
    page.wait_for_selector("tr.added")
    # then
    assert page.locator("#new-total").inner_text() == "58.00"  # 4 × 12.50 + 2 × 4.00
    page.screenshot(path=str(SHOTS / "edit_workspace.png"), full_page=True)
    page.get_by_role("button", name="Discard").click()

    # when: the split previews moving one mug
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/split/")
    line = order.lines.get()
    page.fill(f"input[name=move_{line.pk}]", "1")
    page.click("#split-preview-button")
    # then: both totals, and the typed quantity is still there
    assert page.locator("#preview-kept-total").inner_text() == "37.50"
    assert page.locator("#preview-moved-total").inner_text() == "12.50"
    assert page.input_value(f"input[name=move_{line.pk}]") == "1"
    page.screenshot(path=str(SHOTS / "split_preview.png"), full_page=True)
