"""A warehouse user's day in Chromium: the work queue, a printed pick list, lines ticked, a shipment shipped."""

import subprocess

import pytest

from fulfillment.models import PickList, Shipment
from fulfillment.services.shipments import shipments_create
from tests.conftest import staff_in
from tests.factories import stock


@pytest.mark.django_db(transaction=True)
def test_warehouse_prints_the_pick_list_ticks_it_and_ships_with_tracking(
    live_server, page, place_order, product, location, shop
):
    # given: a placed order of 3 mugs with its shipment prepared, and a warehouse user
    stock(product, location, 10)
    order = place_order([(product, 3)])
    [shipment] = shipments_create(order_id=order.pk)
    picker = staff_in("Warehouse", "picker@example.com")
    page.set_viewport_size({"width": 1440, "height": 900})

    # when: the warehouse user signs in, they land on the work queue of their location
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", picker.email)
    page.fill("#id_password", "pass-word-123")
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/fulfillment/picklist/queue/{location.pk}/")
    row = page.locator(f"tr[data-shipment='{shipment.number}']")
    assert "Not on a pick list" in row.inner_text()
    page.screenshot(path="/tmp/pick-queue.png", full_page=True)

    # when: they select the shipment and print pick lists, one PDF downloads with the new list
    row.locator("input[name=shipment]").check()
    with page.expect_download() as download:
        page.click("#print-pick-lists")
    data = open(download.value.path(), "rb").read()  # noqa: SIM115 - Playwright's temp file
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    pick_list = PickList.objects.get()
    assert pick_list.number in text and order.number in text and product.sku in text

    # when: they open the list from the queue and tick the line picked
    page.goto(f"{live_server.url}/admin/fulfillment/picklist/queue/{location.pk}/")
    page.get_by_role("link", name=pick_list.number).click()
    page.wait_for_url(f"**/admin/fulfillment/picklist/{pick_list.pk}/change/")
    page.screenshot(path="/tmp/pick-list-page.png", full_page=True)
    page.get_by_role("button", name="Picked", exact=True).click()
    page.wait_for_selector(".badge-success")
    assert "Done" in page.locator(".order-title").inner_text()
    page.screenshot(path="/tmp/pick-list-done.png", full_page=True)

    # when: on the To ship tab they enter the carrier and tracking, and ship the selected shipment
    page.goto(f"{live_server.url}/admin/fulfillment/picklist/queue/{location.pk}/?tab=ship")
    row = page.locator(f"tr[data-shipment='{shipment.number}']")
    row.locator("input[name=shipment]").check()
    page.fill("#carrier", "PostNL")
    row.locator(f"input[name=tracking_code_{shipment.pk}]").fill("3SPICK0001")
    row.locator(f"input[name=tracking_url_{shipment.pk}]").fill("https://track.example/3SPICK0001")
    page.screenshot(path="/tmp/pick-queue-ship.png", full_page=True)
    page.click("#ship-selected")
    page.wait_for_selector(f"text=Shipped {shipment.number}")

    # then: the shipment left with its tracking, and the queue is empty
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.SHIPPED
    assert (shipment.carrier, shipment.tracking_code) == ("PostNL", "3SPICK0001")
    assert "Nothing to ship yet" in page.locator("table").inner_text()
