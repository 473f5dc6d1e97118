"""Returns in Chromium: the customer registers a return request; staff process it into a return with restock
and a credit invoice (the refunds part of the story is in the refunds tests)."""

from decimal import Decimal

import pytest

from catalog.models import StockLevel
from invoicing.models import Invoice
from returns.models import Return, ReturnRequest
from tests.factories import UserFactory, ship, stock
from tests.invoicing.helpers import issued, pay

SHOTS = "/tmp/returns_shots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


def shots(page, name):
    """The page at desktop width and at phone width (then back to desktop)."""
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=f"{SHOTS}/{name}_desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=f"{SHOTS}/{name}_phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)


@pytest.mark.django_db(transaction=True)
def test_customer_requests_a_return_and_staff_process_it_with_restock_and_a_credit(
    live_server, page, admin_login, desk, place_order, customer, product, location, shop
):
    # given: Ann's order of 3 mugs (12.50) + 4.95 shipping, shipped, invoiced and paid
    stock(product, location, 10)
    customer.user = UserFactory(email="ann@example.com")
    customer.save(update_fields=["user"])
    order = place_order([(product, 3)], shipping_fee=Decimal("4.95"))
    line = order.lines.get()
    ship(order.pk, {line.pk: 3})
    issued(order, desk)
    pay(order, Decimal("42.45"))
    page.set_viewport_size(DESKTOP)

    # when: Ann returns 2 mugs from her account
    page.goto(f"{live_server.url}/account/login/")
    page.fill("input[name=username]", "ann@example.com")
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/account/orders/")
    page.goto(f"{live_server.url}/account/orders/{order.number}/")
    page.get_by_role("link", name="Return items").click()
    page.fill(f"input[name=units_{line.pk}]", "2")
    page.select_option("select[name=reason]", label="Arrived damaged")
    page.fill("textarea[name=comment]", "Two mugs arrived cracked.")
    shots(page, "storefront_return_form")
    page.get_by_role("button", name="Register return").click()

    # then: her order page lists the request as expected
    page.wait_for_url(f"**/account/orders/{order.number}/#returns")
    request = ReturnRequest.objects.get()
    returns_panel = page.locator("#returns").inner_text()
    assert request.number in returns_panel and "we expect your parcel" in returns_panel and "2 × Mug" in returns_panel
    shots(page, "storefront_order_with_request")

    # when: the order desk opens the expected returns and processes the request; one mug came back
    page.context.clear_cookies()
    admin_login(desk)
    page.goto(f"{live_server.url}/admin/returns/returnrequest/")
    assert request.number in page.locator("#result_list").inner_text()
    shots(page, "admin_expected_returns")
    page.get_by_role("link", name=order.number, exact=True).click()
    assert "Two mugs arrived cracked." in page.locator("#content-main").inner_text()
    shots(page, "admin_requests_tab")
    page.get_by_role("link", name="Process into a return").click()
    assert page.input_value(f"input[name=qty_{line.pk}]") == "2"
    assert "EUR 25.00" in page.locator("#suggested-amount").inner_text()
    page.fill(f"input[name=qty_{line.pk}]", "1")
    page.locator(f"input[name=qty_{line.pk}]").dispatch_event("change")
    page.wait_for_function("document.querySelector('#suggested-amount').innerText.includes('12.50')")
    shots(page, "admin_create_return")
    page.get_by_role("button", name="Create return").click()

    # then: the return is processed, the mug is back in stock and a credit invoice of 12.50 is issued
    page.wait_for_url(f"**/admin/orders/order/{order.pk}/returns/")
    ret = Return.objects.get()
    tab = page.locator("#content-main").inner_text()
    assert ret.number in tab and ret.credit_invoice.number in tab and "EUR 12.50" in tab
    shots(page, "admin_returns_tab")
    assert ret.status == Return.Status.PROCESSED and ret.credit_invoice.total_gross == Decimal("12.50")
    assert Invoice.objects.get(pk=ret.credit_invoice_id).status == Invoice.Status.ISSUED
    assert StockLevel.objects.get(product=product, location=location).on_hand == 10 - 3 + 1
    request.refresh_from_db()
    assert request.status == ReturnRequest.Status.COMPLETED

    # and: Ann sees the request as received and processed
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/account/login/")
    page.fill("input[name=username]", "ann@example.com")
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/account/orders/")
    page.goto(f"{live_server.url}/account/orders/{order.number}/")
    panel = page.locator("#returns").inner_text()
    assert "Received and processed" in panel and f"Received ({ret.number}): 1 × Mug" in panel
    shots(page, "storefront_order_processed")
