"""A warehouse user prepares and ships an order with a tracking code; the customer's account shows the link."""

import pytest

from fulfillment.models import Shipment
from tests.conftest import staff_in
from tests.factories import UserFactory, stock

WIDTH = {"width": 1440, "height": 900}


@pytest.mark.django_db(transaction=True)
def test_warehouse_prepares_and_ships_and_the_customer_follows_the_tracking_link(
    live_server, page, browser, admin_login, place_order, customer, product, location, shop
):
    # given: Ann's order of two mugs, reserved at the main warehouse
    stock(product, location, 10)
    customer.user = UserFactory(email="ann@example.com")
    customer.save(update_fields=["user"])
    order = place_order([(product, 2)])
    page.set_viewport_size(WIDTH)
    admin_login(staff_in("Warehouse", "picker@example.com"))

    # when: the warehouse prepares the shipment from the order's Shipments tab
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/shipments/")
    page.click("#prepare-shipments")
    shipment = Shipment.objects.get(order=order)
    assert f"Prepared {shipment.number}" in page.inner_text(".messagelist, body")
    page.screenshot(path="/tmp/ship-order-tab.png", full_page=True)
    # and opens it and ships it with the carrier's tracking code and link
    page.click(f"#shipment-{shipment.number} a.shipment-number")
    page.wait_for_url(f"**/admin/fulfillment/shipment/{shipment.pk}/change/")
    page.screenshot(path="/tmp/ship-shipment-pending.png", full_page=True)
    page.click("[data-action=ship]")
    page.fill("#id_carrier", "PostNL")
    page.fill("#id_tracking_code", "3SABC123")
    page.fill("#id_tracking_url", "https://track.example/3SABC123")
    page.fill("#id_packages", "2")
    page.screenshot(path="/tmp/ship-ship-form.png", full_page=True)
    page.click("button[name=_ship]")
    page.wait_for_url(f"**/admin/fulfillment/shipment/{shipment.pk}/change/")

    # then: the shipment page shows it shipped with its tracking link
    assert page.locator("[data-badge=status]").inner_text() == "Shipped"
    assert page.locator("#tracking-link").get_attribute("href") == "https://track.example/3SABC123"
    page.screenshot(path="/tmp/ship-shipment-shipped.png", full_page=True)
    page.goto(f"{live_server.url}/admin/fulfillment/shipment/?tab=shipped")
    assert shipment.number in page.inner_text("#result_list")
    page.screenshot(path="/tmp/ship-list.png", full_page=True)

    # when: Ann signs in to her account (her own browser) and opens the order
    ann = browser.new_page(viewport=WIDTH)
    ann.goto(f"{live_server.url}/account/login/")
    ann.fill("input[name=username]", "ann@example.com")
    ann.fill("input[name=password]", "pass-word-123")
    ann.click("button[type=submit]")
    ann.wait_for_url(f"{live_server.url}/account/orders/")
    ann.goto(f"{live_server.url}/account/orders/{order.number}/")

    # then: the shipment, its carrier and the tracking link that opens in a new tab
    link = ann.locator(f"#shipment-{shipment.number} a.tracking-link")
    assert link.get_attribute("href") == "https://track.example/3SABC123"
    assert link.get_attribute("target") == "_blank"
    assert "PostNL" in ann.inner_text(f"#shipment-{shipment.number}")
    ann.screenshot(path="/tmp/ship-storefront.png", full_page=True)
    ann.close()
