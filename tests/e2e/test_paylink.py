"""In Chromium: Finance invoices an order on Net 30 and sends it; the customer pays a deposit through the pay
link, then the rest; the invoice is paid and the storefront says so. Screenshots in /tmp/paylink-*.png."""

import re
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from invoicing.models import Invoice
from orders.models import Order
from orders.services.placement import LineInput, OrderInput, order_create
from tests import factories


def shot(page, name: str) -> None:
    page.screenshot(path=f"/tmp/paylink-{name}.png", full_page=True)


def pay_on_the_pay_page(page, *, amount: str = "") -> None:
    """Choose the amount on the pay link's page, then confirm on the local provider's page."""
    if amount:
        page.check("input[name=choice][value=other]")
        page.fill("#id_amount", amount)
    else:
        page.check("input[name=choice][value=balance]")
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_selector("text=Confirm your payment")
    shot(page, "provider")
    page.locator("form button.button").click()
    page.wait_for_selector("text=your payment of")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_finance_sends_a_net_30_invoice_and_the_customer_pays_a_deposit_then_the_rest(
    live_server, page, admin_login, channel, customer, shop
):
    # given: a placed order of 4 × 12.50 + 6.95 shipping = 56.95, and a customer with a sign-in
    customer.user = factories.UserFactory(email="ann@example.com")
    customer.save(update_fields=["user"])
    location = factories.StockLocationFactory(code="main", name="Main warehouse")
    product = factories.ProductFactory(sku="MUG-1", name="Stoneware mug", unit_price=Decimal("12.50"))
    factories.stock(product, location, 10)
    data = OrderInput(channel=channel, customer=customer, lines=[LineInput(product=product, quantity=4)],
                      shipping_fee=Decimal("6.95"))  # fmt: skip
    order = order_create(data=data, actor=None, place=True)
    finance = factories.StaffFactory(email="books@example.com")
    finance.groups.add(Group.objects.get(name="Finance"))
    page.set_viewport_size({"width": 1280, "height": 900})

    # when: Finance creates an invoice on Net 30 from the order's Invoices tab, issues and sends it
    admin_login(finance)
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/invoices/")
    page.select_option("#id_terms", label="Net 30 days")
    page.get_by_role("button", name="Create invoice").click()
    page.locator("[data-action=issue]").click()
    page.wait_for_selector("text=was issued")
    page.locator("a[data-action=send]").click()
    page.get_by_role("button", name="Send").click()
    page.wait_for_selector(f"text=was sent to {customer.email}")
    invoice = Invoice.objects.get(order=order)
    assert invoice.status == Invoice.Status.SENT and invoice.total_gross == Decimal("56.95")

    # and the customer opens the pay link from the e-mail (the path on this test server)
    [message] = [m for m in mail.outbox if invoice.number in m.subject]
    link = re.search(r"https?://\S+/pay/[^/\s]+/", message.body).group(0)
    page.context.clear_cookies()
    page.goto(live_server.url + urlparse(link).path)
    page.wait_for_selector(f"text=Invoice {invoice.number}")
    assert "EUR 56.95" in page.locator("#balance").inner_text()
    shot(page, "pay-page")

    # and pays a deposit of 20.00
    pay_on_the_pay_page(page, amount="20.00")
    # then
    assert "EUR 36.95" in page.locator("#balance").inner_text()
    assert "Partially paid" in page.inner_text(".order-header")
    shot(page, "after-deposit")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PARTIALLY_PAID, Decimal("20.00"))

    # when: more than the balance is refused on the page
    page.check("input[name=choice][value=other]")
    page.fill("#id_amount", "40.00")
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_selector("text=at most the balance of EUR 36.95")
    shot(page, "refused")

    # when: the rest
    pay_on_the_pay_page(page)
    # then
    page.wait_for_selector("text=This invoice is paid in full")
    shot(page, "paid")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == (Invoice.Status.PAID, Decimal("0.00"))
    assert Order.objects.get(pk=order.pk).payment_status == Order.PaymentStatus.PAID

    # and the storefront lists the invoice as paid, with its PDF
    page.goto(f"{live_server.url}/account/login/")
    page.fill("input[name=username]", "ann@example.com")
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/account/orders/")
    page.goto(f"{live_server.url}/account/orders/{order.number}/")
    row = page.locator("#invoices tbody tr")
    assert invoice.number in row.inner_text() and "Paid" in row.inner_text()
    assert row.locator("text=Pay now").count() == 0
    shot(page, "storefront")

    # and Finance sees the payments on the reports page (paid this month)
    admin_login(finance)
    page.goto(f"{live_server.url}/admin/invoicing/invoicereport/?report=paid")
    page.wait_for_selector("text=Paid per month")
    assert "56.95" in page.locator("table.report tfoot").inner_text()
    shot(page, "reports")
