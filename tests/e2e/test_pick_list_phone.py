"""A picker with a phone (390 x 844, touch): the pick list's Picked and Short buttons are on the screen, no
sideways scrolling; tapping them ticks one line picked and marks another short (issue 10).

At phone width each pick line is a card (table.phone-cards in static/oms/admin.css): bin, SKU, product,
quantity, order and status, one per row with its label, and the actions under them. Screenshots go to
/tmp/pick-phone-*.png.
"""

from decimal import Decimal

import pytest

from fulfillment.models import PickList, PickListLine, Shipment
from fulfillment.services.picking import pick_lists_create_for_order
from fulfillment.services.shipments import shipments_create
from tests.conftest import staff_in
from tests.e2e.test_phone_width import OVERFLOWING, PHONE
from tests.factories import ProductFactory, stock


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "has_touch": True, "is_mobile": True}


def _fits(page) -> None:
    scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll <= client, f"the page scrolls sideways: {scroll} px wide on a {client} px screen"
    assert page.evaluate(OVERFLOWING) == []


def _on_screen(locator) -> None:
    box = locator.bounding_box()
    assert box is not None, locator
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, (locator, box)


@pytest.mark.django_db(transaction=True)
def test_a_picker_on_a_phone_ticks_a_line_picked_and_marks_one_short(
    live_server, page, place_order, location, tax_rate, shop
):
    # given: an order of two products (one with a long name) on a pick list, and a warehouse user
    mug = ProductFactory(sku="MUG-STONEWARE-SAND-350ML", name="Mug", unit_price=Decimal("12.50"), tax_rate=tax_rate)
    teapot = ProductFactory(
        sku="TEAPOT-STONEWARE-1200ML-SAND",
        name="Stoneware teapot with bamboo handle and stainless infuser, 1.2 litre, sand glaze",
        unit_price=Decimal("49.95"),
        tax_rate=tax_rate,
    )
    stock(mug, location, 10)
    stock(teapot, location, 10)
    order = place_order([(mug, 2), (teapot, 3)])
    [shipment] = shipments_create(order_id=order.pk)
    [pick_list] = pick_lists_create_for_order(order_id=order.pk)
    mug_line = PickListLine.objects.get(pick_list=pick_list, product=mug)
    teapot_line = PickListLine.objects.get(pick_list=pick_list, product=teapot)
    picker = staff_in("Warehouse", "picker@example.com")

    # when: the picker signs in on the phone and opens the pick list
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", picker.email)
    page.fill("#id_password", "pass-word-123")
    page.locator("#login-form [type=submit]").tap()
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto(f"{live_server.url}/admin/fulfillment/picklist/{pick_list.pk}/change/")
    page.screenshot(path="/tmp/pick-phone-open.png", full_page=True)

    # then: the page fits the screen, and each open line's Picked, found and Short are on it
    _fits(page)
    for line in (mug_line, teapot_line):
        card = page.locator(f"tr[data-line='{line.pk}']")
        for control in (card.get_by_role("button", name="Picked", exact=True), card.locator("input[name=found]"),
                        card.get_by_role("button", name="Short", exact=True)):  # fmt: skip
            _on_screen(control)
        assert line.product.sku in card.inner_text()

    # when: they tap Picked on the mug's card
    page.locator(f"tr[data-line='{mug_line.pk}']").get_by_role("button", name="Picked", exact=True).tap()
    page.wait_for_selector(f"tr[data-line='{mug_line.pk}'] .badge-success")
    _fits(page)

    # when: they found one teapot of three, type it and tap Short
    teapot_card = page.locator(f"tr[data-line='{teapot_line.pk}']")
    teapot_card.locator("input[name=found]").tap()
    teapot_card.locator("input[name=found]").fill("1")
    teapot_card.get_by_role("button", name="Short", exact=True).tap()
    page.wait_for_selector(f"tr[data-line='{teapot_line.pk}'] .badge-warning")
    page.screenshot(path="/tmp/pick-phone-done.png", full_page=True)

    # then: the page still fits; one line picked, one short with 1 found, the list done, the shipment shrunk
    _fits(page)
    assert "Short: 1 found" in page.locator(f"tr[data-line='{teapot_line.pk}']").inner_text()
    mug_line.refresh_from_db()
    teapot_line.refresh_from_db()
    assert (mug_line.status, mug_line.quantity_picked) == (PickListLine.Status.PICKED, 2)
    assert (teapot_line.status, teapot_line.quantity_picked) == (PickListLine.Status.SHORT, 1)
    assert PickList.objects.get(pk=pick_list.pk).status == PickList.Status.DONE
    shipment = Shipment.objects.get(pk=shipment.pk)
    assert dict(shipment.lines.values_list("order_line__product_id", "quantity")) == {mug.pk: 2, teapot.pk: 1}
