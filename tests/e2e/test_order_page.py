"""The order page and the order list in Chromium at 1440 px: header badges, cards, timeline, split family, address
change; every list column visible. Screenshots go to /tmp/look_shots/ for a person to look at."""

from decimal import Decimal
from pathlib import Path

import pytest

from orders.models import SplitReason
from orders.services.edit import EditChanges, order_edit_commit
from orders.services.split import order_split
from tests import factories

SHOTS = Path("/tmp/look_shots")
WIDTH = 1440


@pytest.fixture
def anna(db):
    from django.contrib.auth.models import Group

    user = factories.StaffFactory(email="anna@example.com", first_name="Anna", last_name="de Vries")
    user.groups.add(Group.objects.get(name="Order desk"))
    return user


@pytest.fixture
def family(place_order, product, location, customer, anna):
    customer.company, customer.phone = "Smit Servies BV", "+31 30 123 4567"
    customer.save()
    factories.stock(product, location, 50)
    order = place_order([(product, 12)], shipping_fee=Decimal("4.95"), memo="Deliver to the back door")
    line = order.lines.get()
    order_edit_commit(order_id=order.pk, changes=EditChanges(quantities={line.pk: 15}), base_version=1, actor=anna)
    child = order_split(order_id=order.pk, quantities={line.pk: 2}, reason=SplitReason.BACKORDER, actor=anna)
    return order, child


def no_other_hosts(page, live_server) -> list[str]:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(live_server.url) else None)
    return requests


def box(locator) -> dict:
    value = locator.bounding_box()
    assert value is not None, "the element is not visible"
    return value


@pytest.mark.django_db(transaction=True)
def test_the_order_page_reads_at_a_glance(live_server, admin_login, anna, family):
    # given
    order, child = family
    page = admin_login(anna)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    others = no_other_hosts(page, live_server)
    # when
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    # then: the header with its badges and buttons
    header = page.get_by_role("banner", name="Order summary")
    assert header.locator("[data-badge=status]").inner_text() == "Placed"
    assert header.locator("[data-badge=payment]").inner_text() == "Unpaid"
    assert "Reservation expires in" in header.locator("[data-badge=reservation]").inner_text()
    assert header.get_by_role("link", name="Edit order").is_visible()
    # the cards: customer, and the two addresses side by side
    customer = page.locator("#card-customer")
    assert "Smit Servies BV" in customer.inner_text() and "+31 30 123 4567" in customer.inner_text()
    billing, shipping = box(page.locator("#card-billing")), box(page.locator("#card-shipping"))
    assert billing["y"] == shipping["y"] and billing["x"] + billing["width"] <= shipping["x"]
    assert "Netherlands" in page.locator("#card-shipping").inner_text()
    assert "Deliver to the back door" in page.locator("#card-note").inner_text()
    # the split family, and the timeline newest first in sentences
    assert child.number in page.locator("#card-family").inner_text()
    sentences = page.locator("#timeline .sentence").all_inner_texts()
    split = sentences.index(f"Anna de Vries split 2 × Mug into {child.number}: backorder")
    edit = sentences.index("Anna de Vries changed the quantity of Mug 12 → 15 (version 1 → 2)")
    assert split < edit  # newest first
    assert f"E-mail ‘Order split’ sent to {order.customer.email}" in sentences
    # everything fits the width, and nothing came from another host (fonts and icons are local)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert others == []
    page.screenshot(path=str(SHOTS / "order_page.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_staff_change_the_shipping_address_from_the_general_tab(live_server, admin_login, anna, family):
    # given
    order, _ = family
    page = admin_login(anna)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    # when
    page.locator("#card-shipping").get_by_role("link", name="Change").click()
    page.fill("#id_street", "Havenweg 9")
    page.select_option("#id_country", label="Belgium")
    page.screenshot(path=str(SHOTS / "address_change.png"), full_page=True)
    page.click("#address-submit")
    # then
    page.wait_for_selector("text=The shipping address of order")
    assert "Havenweg 9" in page.locator("#card-shipping").inner_text()
    assert "Belgium" in page.locator("#card-shipping").inner_text()
    assert "Anna de Vries changed the shipping address" in page.locator("#timeline .sentence").all_inner_texts()[:2]


@pytest.mark.django_db(transaction=True)
def test_the_order_list_fits_1440_pixels_with_every_column_visible(
    live_server, admin_login, anna, place_order, product, location
):
    # given: orders with long names and a company
    factories.stock(product, location, 100)
    for n in range(3):
        customer = factories.AddressFactory(
            customer__name=f"Alexandra Wilhelmina van Oldenbarnevelt-{n}",
            customer__company="Koninklijke Porselein Fabriek BV",
        ).customer
        place_order([(product, 2 + n)], customer=customer)
    page = admin_login(anna)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    # when
    page.goto(f"{live_server.url}/admin/orders/order/")
    # then: every column header and the first row's cells lie inside the window
    headers = page.locator("#result_list thead th")
    labels = [text.strip() for text in headers.all_inner_texts()]
    for label in ("Number", "Customer", "Channel", "Status", "Total", "Placed"):
        assert label in labels
    for i in range(headers.count()):
        right = box(headers.nth(i))["x"] + box(headers.nth(i))["width"]
        assert right <= WIDTH, f"column {labels[i]!r} ends at {right}px"
    total = page.locator("#result_list tbody tr").first.locator("td.field-total_display")
    assert box(total)["x"] + box(total)["width"] <= WIDTH
    assert total.evaluate("e => getComputedStyle(e).textAlign") == "right"
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    page.screenshot(path=str(SHOTS / "order_list.png"), full_page=True)
