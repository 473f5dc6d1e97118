"""At phone width (390 x 844, an iPhone 12-15): the customer's pages fit the screen, the order desk reads.

Storefront: the sign-in page, the account's order list and an order page are no wider than the screen
(no element's box reaches past its right edge, the page does not scroll sideways) and show what the
customer came for. Admin: the order list and the order page show the numbers, statuses and totals.
Screenshots go to /tmp/lists-phone-*.png.
"""

from decimal import Decimal

import pytest

from orders.models import SplitReason
from orders.services.payments import order_payment_record
from orders.services.split import order_split
from tests.factories import AddressFactory, ProductFactory, UserFactory, stock

PHONE = {"width": 390, "height": 844}

# Elements whose right edge passes the viewport (1 px of rounding allowed), as "tag.class: right edge".
OVERFLOWING = """() => {
    const width = document.documentElement.clientWidth;
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        if (box.right > width + 1 || box.left < -1) {
            out.push(`${el.tagName.toLowerCase()}.${el.className}: ${Math.round(box.left)}-${Math.round(box.right)}`);
        }
    }
    return out;
}"""


def _no_sideways_scroll(page):
    scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll <= client, f"the page scrolls sideways: {scroll} px wide on a {client} px screen"


def _fits(page):
    _no_sideways_scroll(page)
    assert page.evaluate(OVERFLOWING) == []


def _visible_within_screen(locator):
    box = locator.bounding_box()
    assert box is not None, locator
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, (locator, box)


@pytest.fixture
def ann_with_orders(place_order, customer, product, location, tax_rate):
    """Ann's orders: one with a long product name, split into a second order, and a paid one."""
    teapot = ProductFactory(
        sku="TEAPOT-STONEWARE-1200ML-SAND",
        name="Stoneware teapot with bamboo handle and stainless infuser, 1.2 litre, sand glaze",
        unit_price=Decimal("1249.95"),
        tax_rate=tax_rate,
    )
    stock(product, location, 50)
    stock(teapot, location, 50)
    customer.user = UserFactory(email="ann@example.com")
    customer.company = "Hendriks Keramiek en Glaswerk B.V."
    customer.save(update_fields=["user", "company"])
    AddressFactory(customer=customer)
    parent = place_order([(product, 2), (teapot, 12)], customer=customer)
    teapot_line = parent.lines.get(product=teapot)
    child = order_split(order_id=parent.pk, quantities={teapot_line.pk: 4}, reason=SplitReason.OTHER_WAREHOUSE)
    paid = place_order([(product, 3)], customer=customer)
    order_payment_record(order_id=paid.pk, amount=paid.total_gross, method="card")
    parent.refresh_from_db()
    return {"parent": parent, "child": child, "paid": paid}


@pytest.mark.django_db(transaction=True)
def test_the_storefront_fits_a_phone(live_server, page, ann_with_orders, shop):
    parent = ann_with_orders["parent"]
    page.set_viewport_size(PHONE)

    # the sign-in page
    page.goto(f"{live_server.url}/account/login/")
    page.screenshot(path="/tmp/lists-phone-login.png", full_page=True)
    _fits(page)
    _visible_within_screen(page.locator("button[type=submit]"))

    # the order list
    page.fill("input[name=username]", "ann@example.com")
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/account/orders/")
    page.screenshot(path="/tmp/lists-phone-orders.png", full_page=True)
    _fits(page)
    group = page.locator(f"article[aria-label='Order {parent.number}']")
    _visible_within_screen(group.get_by_role("link", name=f"Order {parent.number}", exact=True))
    assert "1" in group.inner_text()  # its total is shown

    # the order page: lines, totals and the family
    group.get_by_role("link", name=f"Order {parent.number}", exact=True).click()
    page.wait_for_url(f"{live_server.url}/account/orders/{parent.number}/")
    page.screenshot(path="/tmp/lists-phone-order.png", full_page=True)
    _fits(page)
    assert page.locator("table.lines tbody tr").count() == 2
    for cell in page.locator("table.lines tbody tr").first.locator("td").all():
        _visible_within_screen(cell)


@pytest.mark.django_db(transaction=True)
def test_the_order_desk_reads_on_a_phone(live_server, page, admin_login, desk, ann_with_orders):
    parent = ann_with_orders["parent"]
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/admin/login/")
    page.screenshot(path="/tmp/lists-phone-admin-login.png", full_page=True)
    _fits(page)
    admin_login(desk)

    # the order list: each order a card with its number, status badges and total on the screen
    page.goto(f"{live_server.url}/admin/orders/order/")
    page.screenshot(path="/tmp/lists-phone-admin-orders.png", full_page=True)
    _no_sideways_scroll(page)
    row = page.locator("#result_list tbody").filter(has=page.get_by_role("link", name=parent.number, exact=True))
    for field in ("number", "customer_display", "statuses", "total_display"):
        _visible_within_screen(row.locator(f".field-{field}"))
    # the customer's name and company read as one block, the company under the name
    cell = row.locator(".field-customer_display .customer-cell").bounding_box()
    company = row.locator(".field-customer_display .quiet").bounding_box()
    assert company["y"] > cell["y"] and company["x"] < cell["x"] + cell["width"]

    # the order page: header with number and badges, the lines
    row.get_by_role("link", name=parent.number, exact=True).click()
    page.wait_for_url(f"**/admin/orders/order/{parent.pk}/change/")
    page.screenshot(path="/tmp/lists-phone-admin-order.png", full_page=True)
    assert parent.number in page.locator("h1").first.inner_text()
    # the page itself does not scroll sideways: the wide lines table scrolls inside its own box
    _no_sideways_scroll(page)
    lines = page.locator("table.order-lines")
    _visible_within_screen(lines)
    assert lines.evaluate("table => table.scrollWidth > table.clientWidth")
    _visible_within_screen(page.locator("#timeline"))
