"""A paid order is cancelled in the admin: staff and the customer see the refund due, in Chromium."""

from decimal import Decimal

import pytest

from orders.models import Order
from orders.services.payments import order_payment_record
from tests.factories import UserFactory, stock

SHOTS = "/tmp/money"


@pytest.mark.django_db(transaction=True)
def test_staff_cancel_a_paid_order_and_find_it_under_refund_due_and_the_customer_sees_the_refund(
    live_server, page, admin_login, superuser, place_order, customer, product, location, shop
):
    # given: Ann paid 29.95 for 2 mugs at 12.50 plus 4.95 shipping
    stock(product, location, 10)
    customer.user = UserFactory(email="ann@example.com")
    customer.save(update_fields=["user"])
    order = place_order([(product, 2)], shipping_fee=Decimal("4.95"))
    order_payment_record(order_id=order.pk, amount=Decimal("29.95"), method="card")
    admin_login(superuser)

    # when: staff cancel it from the order page
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    page.get_by_role("link", name="Cancel order").click()
    assert "The customer has paid EUR 29.95: it will show as a refund due" in page.locator("#content-main").inner_text()
    page.screenshot(path=f"{SHOTS}/cancel_page.png", full_page=True)
    page.fill("input[name=reason]", "Customer asked")
    page.get_by_role("button", name="Cancel order").click()
    page.wait_for_url(f"{live_server.url}/admin/orders/order/{order.pk}/change/")

    # then: the order page shows the refund due and a total of 0.00
    general = page.locator("#content-main").inner_text()
    assert "Refund due" in general and "29.95" in general
    page.screenshot(path=f"{SHOTS}/general_refund_due.png", full_page=True)
    page.get_by_role("navigation", name="Order sections").get_by_role("link", name="Articles").click()
    footer = page.locator("tr.refund-due").inner_text()
    assert "Refund due (owed to the customer)" in footer and "29.95" in footer
    page.screenshot(path=f"{SHOTS}/articles_refund_due.png", full_page=True)

    # when: they open the order list's Refund due tab
    page.goto(f"{live_server.url}/admin/orders/order/")
    page.get_by_role("link", name="Refund due").first.click()
    # then: the order is listed there
    page.wait_for_url("**tab=refund_due**")
    assert order.number in page.locator("#result_list").inner_text()
    page.screenshot(path=f"{SHOTS}/list_refund_due.png", full_page=True)

    # when: Ann opens the order in her account
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/account/login/")
    page.fill("input[name=username]", "ann@example.com")
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/account/orders/")
    page.goto(f"{live_server.url}/account/orders/{order.number}/")
    # then: she sees the amount that will be refunded
    payment = page.locator("main").inner_text()
    assert "Refund due" in payment and "To be refunded to you" in payment and "EUR 29.95" in payment
    page.screenshot(path=f"{SHOTS}/storefront_refund_due.png", full_page=True)
    assert Order.objects.get(pk=order.pk).payment_status == Order.PaymentStatus.REFUND_DUE
