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


# --- fulfilment and invoicing pages, the pay page and the storefront's invoices (1440 px and 390 px)
DESKTOP = {"width": 1440, "height": 900}
# Elements past the screen's right edge that are not inside a table (a table scrolls in its own box).
OUTSIDE_TABLES = OVERFLOWING.replace(
    "if (box.width === 0", "if (el.closest('table')) continue;\n        if (box.width === 0"
)


@pytest.fixture
def fulfilment_and_invoices(place_order, customer, product, location, tax_rate, superuser):
    """Ann's orders in every fulfilment state (prepared + released + reported on + picked, shipped with tracking,
    on hold) and a deposit invoice paid by its deposit, made through the services."""
    from fulfillment.models import WarehouseConnection
    from fulfillment.services.handoff import shipment_release
    from fulfillment.services.holds import shipment_hold
    from fulfillment.services.picking import pick_lists_create_for_order
    from fulfillment.services.shipments import shipment_ship, shipments_create
    from fulfillment.services.warehouse_events import warehouse_event_receive
    from tests.paylink.conftest import issue_invoice

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
    picked = place_order([(product, 2), (teapot, 3)], customer=customer)
    (prepared,) = shipments_create(order_id=picked.pk)
    pick_lists_create_for_order(order_id=picked.pk, actor=superuser)
    shipment_release(shipment_id=prepared.pk, actor=superuser)
    wms = WarehouseConnection.objects.create(name="Main WMS")
    warehouse_event_receive(connection=wms, shipment=prepared,
                            event={"event_id": "e1", "type": "status", "status_text": "Picking started"})  # fmt: skip
    shipped = place_order([(teapot, 1)], customer=customer)
    (parcel,) = shipments_create(order_id=shipped.pk)
    shipment_ship(shipment_id=parcel.pk, carrier="PostNL", tracking_code="3SABCD1234567890",
                  tracking_url="https://postnl.example/track/3SABCD1234567890")  # fmt: skip
    held = place_order([(product, 1)], customer=customer)
    (waiting,) = shipments_create(order_id=held.pk)
    shipment_hold(shipment_id=waiting.pk, reason="address_check", actor=superuser)
    invoice = issue_invoice(picked, "deposit_30")
    deposit = invoice.instalments.order_by("position").first().amount
    order_payment_record(order_id=picked.pk, amount=deposit, method="bank_transfer")
    invoice.refresh_from_db()
    return {"order": picked, "shipment": prepared, "invoice": invoice, "shipped": shipped}


def _shoot(page, name, size):
    page.set_viewport_size(size)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=f"/tmp/gaps-{name}-{size['width']}.png", full_page=True)


ADMIN_PAGES = [
    # (name, path, a key element that must be on the screen at phone width)
    ("shipments", "/admin/fulfillment/shipment/", "#result_list"),
    ("held", "/admin/fulfillment/shipment/?tab=on_hold", "#result_list"),
    ("shipment", "/admin/fulfillment/shipment/{shipment}/change/", ".order-number"),
    ("queue", "/admin/fulfillment/picklist/queue/", "h1"),
    ("picklists", "/admin/fulfillment/picklist/", "#result_list"),
    ("picklist", "/admin/fulfillment/picklist/{picklist}/change/", "h1"),
    ("order-shipments", "/admin/orders/order/{order}/shipments/", ".shipment-card"),
    ("order-picklists", "/admin/orders/order/{order}/pick-lists/", "h1"),
    ("order-invoices", "/admin/orders/order/{order}/invoices/", "h1"),
    ("invoices", "/admin/invoicing/invoice/", "#result_list"),
    ("invoice", "/admin/invoicing/invoice/{invoice}/change/", "#invoice-pdf"),
    ("reports", "/admin/invoicing/invoicereport/", "h1"),
]


@pytest.mark.django_db(transaction=True)
def test_fulfilment_and_invoicing_pages_fit_a_phone(live_server, page, admin_login, superuser,
                                                     fulfilment_and_invoices):  # fmt: skip
    from fulfillment.models import PickList

    ids = {"order": fulfilment_and_invoices["order"].pk, "shipment": fulfilment_and_invoices["shipment"].pk,
           "invoice": fulfilment_and_invoices["invoice"].pk, "picklist": PickList.objects.get().pk}  # fmt: skip
    admin_login(superuser)
    problems = []
    for name, path, key in ADMIN_PAGES:
        page.set_viewport_size(DESKTOP)
        response = page.goto(f"{live_server.url}{path.format(**ids)}")
        assert response.status == 200, (name, response.status)
        _shoot(page, name, DESKTOP)
        _shoot(page, name, PHONE)
        wide = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if wide[0] > wide[1]:
            problems.append((name, wide, page.evaluate(OUTSIDE_TABLES)[:8]))
        _visible_within_screen(page.locator(key).first)
    assert problems == []


@pytest.mark.django_db(transaction=True)
def test_the_pay_page_and_the_storefront_invoices_fit_a_phone(live_server, page, fulfilment_and_invoices):
    from invoicing.paylink import paylink_token

    invoice = fulfilment_and_invoices["invoice"]
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/pay/{paylink_token(invoice)}/")
    _shoot(page, "pay", DESKTOP)
    _shoot(page, "pay", PHONE)
    _no_sideways_scroll(page)
    _visible_within_screen(page.locator("form button[type=submit]").first)

    page.goto(f"{live_server.url}/account/login/")
    page.fill("input[name=username]", "ann@example.com")
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/account/orders/")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/account/orders/{invoice.order.number}/")
    _shoot(page, "store-invoices", DESKTOP)
    _shoot(page, "store-invoices", PHONE)
    _fits(page)
    section = page.locator("#invoices")
    _visible_within_screen(section.get_by_role("link", name="Pay now"))
    _visible_within_screen(section.get_by_role("link", name="PDF").first)
