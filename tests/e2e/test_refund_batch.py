"""Batched refunds in Chromium: the day's batch appears, finance approves it, the refund is paid and the
customer's account shows it."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from invoicing.models import LocalProviderRefund
from invoicing.services.credits import invoice_credit
from oms.models import ShopSettings
from orders.services.payments import order_payment_record
from returns.models import Refund, RefundBatch
from returns.services.refund_batches import refund_batch_due
from tests.conftest import staff_in
from tests.factories import UserFactory, stock
from tests.invoicing.helpers import issued

SHOTS = "/tmp/refunds-shots"
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1440, "height": 900}


def shot(page, name: str) -> None:
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=f"{SHOTS}/{name}-{label}.png", full_page=True)
    page.set_viewport_size(DESKTOP)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_finance_approves_the_days_batch_and_the_customer_sees_the_refund(
    live_server, page, admin_login, place_order, customer, product, location, shop, staff
):
    # given: batched refunds at 17:00; Ann's order paid online, invoiced, and 12.50 of it credited (a return)
    shop.refund_mode = ShopSettings.RefundMode.BATCHED
    shop.refund_batch_time = datetime.time(17, 0)
    shop.save()
    customer.user = UserFactory(email="ann@example.com")
    customer.save(update_fields=["user"])
    stock(product, location, 10)
    order = place_order([(product, 2)], shipping_fee=Decimal("5.00"))
    invoice = issued(order, staff)
    order_payment_record(order_id=order.pk, amount=order.total_gross, method="card", idempotency_key="local:e2e")
    invoice_credit(invoice_id=invoice.pk, amount=Decimal("12.50"), reason="One mug came back", actor=staff)
    refund = Refund.objects.get()
    assert (refund.status, refund.batch) == ("pending", None)
    # when the beat ticks after 17:00
    evening = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(17, 5)))
    assert refund_batch_due(now=evening) is not None

    # then finance finds the batch under Refund batches and reviews it
    finance = staff_in("Finance", "fay@example.com")
    page.set_viewport_size(DESKTOP)
    admin_login(finance)
    page.goto(f"{live_server.url}/admin/returns/refundbatch/")
    page.locator("#result_list tbody tr a").first.click()
    page.wait_for_selector("#batch-review")
    assert "Waiting for review" in page.inner_text("#batch-review")
    assert page.locator(f"tr[data-refund='{refund.pk}']").count() == 1
    shot(page, "batch-review")
    # when finance approves it
    page.locator("#approve-batch").click()
    page.wait_for_selector("text=refund being sent")
    shot(page, "batch-approved")

    # then the refund is paid once through the provider, and the order's Refunds tab says so
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PAID and refund.approved_by == finance
    assert RefundBatch.objects.get().status == "approved"
    assert LocalProviderRefund.objects.count() == 1
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/refunds/")
    page.wait_for_selector(f"tr[data-refund='{refund.pk}']")
    assert "Paid" in page.inner_text(f"tr[data-refund='{refund.pk}']")
    shot(page, "order-tab")
    page.goto(f"{live_server.url}/admin/returns/refund/")
    page.wait_for_selector("#result_list")
    shot(page, "refund-list")

    # and Ann's account shows the refund
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/account/login/")
    page.fill("input[name=username]", "ann@example.com")
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/account/orders/")
    page.goto(f"{live_server.url}/account/orders/{order.number}/")
    panel = page.locator("#refunds")
    assert "Refunded" in panel.inner_text() and "12.50" in panel.inner_text()
    shot(page, "storefront")
