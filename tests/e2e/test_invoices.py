"""Finance in Chromium: create an invoice with Net 30 on an order, issue it and send it; the PDF says so."""

import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from invoicing.models import Invoice
from orders.services.placement import LineInput, OrderInput, order_create
from tests import factories


@pytest.fixture
def bookkeeper(db):
    user = factories.StaffFactory(email="books@example.com", first_name="Fay", last_name="Finance")
    user.groups.add(Group.objects.get(name="Finance"))
    return user


def shot(page, name: str) -> None:
    page.screenshot(path=f"/tmp/invoice-{name}.png", full_page=True)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_finance_invoices_an_order_on_net_30_and_sends_it(
    live_server, page, admin_login, bookkeeper, channel, customer
):
    # given: a placed order with a product, a custom item and shipping
    location = factories.StockLocationFactory(code="main", name="Main warehouse")
    product = factories.ProductFactory(sku="MUG-1", name="Stoneware mug", unit_price=Decimal("12.50"))
    factories.stock(product, location, 10)
    lines = [
        LineInput(product=product, quantity=4),
        LineInput(quantity=1, name="Gift wrapping <b>deluxe</b>", unit_price=Decimal("3.95"), tax_rate=Decimal("21")),
    ]
    order = order_create(data=OrderInput(channel=channel, customer=customer, lines=lines, shipping_fee=Decimal("6.95")),
                         actor=None, place=True)  # fmt: skip
    page.set_viewport_size({"width": 1440, "height": 900})
    admin_login(bookkeeper)

    # when: Finance opens the order's Invoices tab and creates an invoice on Net 30
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/invoices/")
    page.wait_for_selector("text=No invoices yet.")
    page.select_option("#id_terms", label="Net 30 days")
    page.fill("#id_note", "Purchase order PO-2291")
    shot(page, "order-tab")
    page.get_by_role("button", name="Create invoice").click()
    page.wait_for_selector("text=check it and issue it")
    shot(page, "draft")
    page.locator("[data-action=issue]").click()
    page.wait_for_selector("text=was issued")
    invoice = Invoice.objects.get(order=order)
    assert invoice.status == Invoice.Status.ISSUED
    assert invoice.due_date == timezone.localdate() + timedelta(days=30)

    # and sends it
    page.locator("a[data-action=send]").click()
    page.fill("#id_note", "Thank you for your order.")
    page.get_by_role("button", name="Send").click()
    page.wait_for_selector(f"text=was sent to {customer.email}")
    shot(page, "sent")

    # then: it is sent, the e-mail carries the stored PDF, and the PDF reads as the invoice
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SENT
    [message] = [m for m in mail.outbox if invoice.number in m.subject]
    assert message.attachments[0][1] == bytes(invoice.pdf)
    with open("/tmp/invoice-e2e.pdf", "wb") as out:
        out.write(bytes(invoice.pdf))
    subprocess.run(["pdftoppm", "-png", "-r", "60", "/tmp/invoice-e2e.pdf", "/tmp/invoice-pdf"], check=True)
    text = subprocess.run(["pdftotext", "-layout", "/tmp/invoice-e2e.pdf", "-"], capture_output=True, check=True)
    text = text.stdout.decode()
    assert invoice.number in text and "Net 30" in text and "Gift wrapping <b>deluxe</b>" in text
    assert str(invoice.due_date) in text and str(invoice.total_gross) in text

    # and the order's tab lists it as sent with its balance
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/invoices/")
    row = page.locator(f"tr[data-invoice='{invoice.pk}']")
    assert "Sent" in row.inner_text() and str(invoice.total_gross) in row.inner_text()
    shot(page, "order-tab-sent")
