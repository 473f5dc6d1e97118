"""In Chromium: staff accept a customer's return request from the order's Return requests tab; the customer then
prints the return label from the account page (a PDF with the request's number and a barcode)."""

import subprocess
from decimal import Decimal

import pytest

from returns.models import ReturnLabelDownload, ReturnReason, ReturnRequest
from returns.services.requests import return_request_create
from tests import factories
from tests.conftest import staff_in


def shot(page, name: str) -> None:
    page.screenshot(path=f"/tmp/return-label-{name}.png", full_page=True)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_staff_accept_a_request_and_the_customer_prints_the_label(
    live_server, page, admin_login, place_order, customer, location, tax_rate, shop
):
    # given: Ann's shipped order and her return request for one mug
    shop.name, shop.address = "Harbour Goods", "Returns desk\nKade 1\n1011 AB Amsterdam"
    shop.save()
    mug = factories.ProductFactory(sku="MUG-1", name="Stoneware mug", unit_price=Decimal("12.50"), tax_rate=tax_rate)
    factories.stock(mug, location, 10)
    customer.user = factories.UserFactory(email="ann@example.com")
    customer.save(update_fields=["user"])
    order = place_order([(mug, 2)])
    factories.ship(order.pk, {order.lines.get().pk: 2})
    reason = ReturnReason.objects.filter(active=True).first()
    request = return_request_create(order_id=order.pk, customer=customer, quantities={order.lines.get().pk: 1},
                                    reason_id=reason.pk, comment="Too small")  # fmt: skip
    desk = staff_in("Order desk", "clerk@example.com")

    # when: the order desk opens the Return requests tab and accepts the request with a note
    page.set_viewport_size({"width": 1440, "height": 900})
    admin_login(desk)
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/return-requests/")
    page.click(f"#decide-{request.number}")
    page.wait_for_selector("#accept-request")
    shot(page, "decide-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "decide-phone")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.fill("#accept-note", "Please pack it well.")
    page.click("#accept-request")
    page.wait_for_selector("text=was accepted")
    shot(page, "accepted-tab")

    # then: the request is accepted and its label not printed yet
    request.refresh_from_db()
    assert request.status == ReturnRequest.Status.ACCEPTED
    assert page.locator(f"#label-{request.number}").is_visible()
    assert "not printed yet" in page.content()

    # when: Ann signs in and opens her order
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/account/login/")
    page.fill("input[name=username]", "ann@example.com")
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/account/orders/")
    page.goto(f"{live_server.url}/account/orders/{order.number}/")
    link = page.locator(f"#return-label-{request.number}")
    link.scroll_into_view_if_needed()
    shot(page, "storefront-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "storefront-phone")

    # then: the link gives her the label as a PDF (with her session), and the download is recorded
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.body(), capture_output=True
    ).stdout.decode()
    assert request.number in text and order.number in text and "Harbour Goods" in text
    assert ReturnLabelDownload.objects.get().source == "storefront"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_staff_exchange_a_returned_mug_for_a_larger_one_and_see_the_difference(
    live_server, page, admin_login, place_order, customer, location, tax_rate, shop
):
    # given: a shipped, invoiced and paid order of two mugs, and a larger mug in stock
    from tests.invoicing.helpers import issued, pay

    mug = factories.ProductFactory(sku="MUG-1", name="Stoneware mug", unit_price=Decimal("12.50"), tax_rate=tax_rate)
    xl = factories.ProductFactory(sku="MUG-XL", name="Stoneware mug XL", unit_price=Decimal("16.00"), tax_rate=tax_rate)
    factories.stock(mug, location, 10)
    factories.stock(xl, location, 3)
    order = place_order([(mug, 2)])
    line = order.lines.get()
    factories.ship(order.pk, {line.pk: 2})
    desk = staff_in("Order desk", "clerk@example.com")
    issued(order, desk)
    pay(order, order.total_gross)

    # when: the desk types one mug back, exchanged for one XL
    page.set_viewport_size({"width": 1440, "height": 900})
    admin_login(desk)
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/create-return/")
    page.fill(f"input[name=qty_{line.pk}]", "1")
    page.fill(f"input[name=exchange_sku_{line.pk}]", "MUG-XL")
    page.keyboard.press("Tab")
    # then: the suggestion shows the difference the customer pays, and no refund for the mug
    page.wait_for_selector("#exchange-quotes .exchange-owed")
    assert page.locator("#exchange-quotes .exchange-owed").inner_text() == "EUR 3.50"
    assert page.locator("#suggested-amount").inner_text() == "EUR 0.00"
    shot(page, "exchange-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "exchange-phone")
    page.set_viewport_size({"width": 1440, "height": 900})

    # when: the return is created
    page.click("#create-return-submit")
    page.wait_for_selector("text=was processed")
    # then: the XL is on the order, reserved, and only 3.50 is invoiced on top
    from returns.models import ReturnExchange

    exchange = ReturnExchange.objects.get()
    assert exchange.replacement_line.product == xl and exchange.debit_invoice.total_gross == Decimal("3.50")
