"""A shipment released to the warehouse locks its lines; the desk sees why, asks a recall, the warehouse accepts
it, and the edit then works. Also a hold put on and released from the shipment page. In Chromium."""

import pytest

from fulfillment.models import Shipment
from fulfillment.services.handoff import shipment_release
from fulfillment.services.shipments import shipments_create
from orders.models import Order
from tests.conftest import staff_in
from tests.factories import stock

SHOTS = "/tmp/holds-{}.png"


def _login(browser, live_server, user):
    """A page in its own browser context (its own session), logged in as `user`; closed with the browser."""
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", "pass-word-123")
    page.click("#login-form [type=submit]")
    # the admin home, or the work queue where the Warehouse role lands
    page.wait_for_url(lambda url: url.startswith(f"{live_server.url}/admin/") and "/login/" not in url)
    return page


def _prepared(place_order, product, location, quantity: int):
    """A clerk, a warehouse user, an order of `quantity` mugs and its prepared shipment."""
    desk = staff_in("Order desk", "clerk@example.com")
    warehouse = staff_in("Warehouse", "picker@example.com")
    stock(product, location, 10)
    order = place_order([(product, quantity)])
    (shipment,) = shipments_create(order_id=order.pk, actor=warehouse)
    return desk, warehouse, order, shipment


@pytest.mark.django_db(transaction=True)
def test_the_desk_sees_why_a_released_line_is_locked_and_edits_it_after_the_warehouse_accepts_a_recall(
    live_server, browser, place_order, product, location, shop
):
    # given: 3 mugs, their shipment released to the warehouse
    desk, warehouse, order, shipment = _prepared(place_order, product, location, 3)
    shipment_release(shipment_id=shipment.pk, actor=warehouse)
    line = order.lines.get()
    sentence = f"Line Mug is in shipment {shipment.number}, released to the warehouse: request a recall first."
    desk_page = _login(browser, live_server, desk)

    # when: the desk looks at the order's articles and tries to edit
    desk_page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/articles/")
    # then: the line carries a lock badge with the reason, and no cancel form
    assert sentence in desk_page.locator(".line-lock").inner_text()
    desk_page.screenshot(path=SHOTS.format("articles-locked"), full_page=True)
    assert desk_page.get_by_role("link", name="Edit order").count() == 0
    desk_page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/edit/")
    assert sentence in desk_page.locator(".errornote").first.inner_text()

    # when: the desk asks the warehouse for the shipment back
    desk_page.goto(f"{live_server.url}/admin/fulfillment/shipment/{shipment.pk}/change/")
    desk_page.fill("#handoff-form input[name=note]", "Customer wants 2, not 3")
    desk_page.get_by_role("button", name="Request recall").click()
    assert "asked to recall" in desk_page.locator(".messagelist").inner_text()
    desk_page.screenshot(path=SHOTS.format("shipment-recall-requested"), full_page=True)

    # and the warehouse accepts it
    warehouse_page = _login(browser, live_server, warehouse)
    warehouse_page.goto(f"{live_server.url}/admin/fulfillment/shipment/{shipment.pk}/change/")
    warehouse_page.get_by_role("button", name="Accept recall").click()
    assert "Recall accepted." in warehouse_page.locator(".messagelist").inner_text()
    warehouse_page.screenshot(path=SHOTS.format("shipment-recall-accepted"), full_page=True)
    assert Shipment.objects.get(pk=shipment.pk).handoff_status == Shipment.Handoff.NOT_RELEASED

    # then: the edit works
    desk_page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/articles/")
    assert desk_page.locator(".line-lock").count() == 0
    desk_page.get_by_role("link", name="Edit order").click()
    desk_page.fill(f"input[name=qty_{line.pk}]", "2")
    desk_page.locator(f"input[name=qty_{line.pk}]").dispatch_event("change")
    desk_page.get_by_role("button", name="Commit as version 2").click()
    desk_page.wait_for_url(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    assert "was saved as version 2" in desk_page.locator(".messagelist").inner_text()
    assert Order.objects.get(pk=order.pk).lines.get().quantity == 2
    for page in (desk_page, warehouse_page):
        page.context.close()


@pytest.mark.django_db(transaction=True)
def test_a_clerk_puts_a_shipment_on_hold_and_shipping_is_refused_until_it_is_released(
    live_server, browser, place_order, product, location, shop
):
    desk, warehouse, order, shipment = _prepared(place_order, product, location, 1)
    page = _login(browser, live_server, desk)
    page.goto(f"{live_server.url}/admin/fulfillment/shipment/{shipment.pk}/change/")
    page.select_option("#hold-form select[name=reason]", "address_check")
    page.fill("#hold-form input[name=note]", "House number missing")
    page.get_by_role("button", name="Put on hold").click()
    assert f"Shipment {shipment.number} is on hold." in page.locator(".messagelist").inner_text()
    assert "Address check: House number missing" in page.locator("#holds-active").inner_text()
    page.screenshot(path=SHOTS.format("shipment-on-hold"), full_page=True)
    # the warehouse cannot release it to the warehouse while the hold stands
    warehouse_page = _login(browser, live_server, warehouse)
    warehouse_page.goto(f"{live_server.url}/admin/fulfillment/shipment/{shipment.pk}/change/")
    warehouse_page.get_by_role("button", name="Release to warehouse").click()
    assert "cannot go to the warehouse. On hold: address check" in warehouse_page.locator(".messagelist").inner_text()
    # the desk releases the hold
    page.reload()
    page.get_by_role("button", name="Release").first.click()
    assert "The hold was released." in page.locator(".messagelist").inner_text()
    assert not shipment.holds.filter(released_at__isnull=True).exists()
    for opened in (page, warehouse_page):
        opened.context.close()
