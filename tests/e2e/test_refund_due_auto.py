"""In Chromium: the order desk cancels a paid order, and its refund is there already on the Refunds tab (made by
the cancellation); finance approves it and it is paid, with no "Refund what is owed" left to click."""

from decimal import Decimal

import pytest

from invoicing.models import LocalProviderRefund
from oms.models import ShopSettings
from orders.services.payments import order_payment_record
from returns.models import Refund
from tests.conftest import staff_in
from tests.factories import stock

SHOTS = "/tmp/refunds-shots"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_cancellation_makes_the_refund_and_finance_approves_it_on_the_refunds_tab(
    live_server, page, admin_login, place_order, product, location, shop
):
    # given: manual refunds; 2 mugs paid online (the local provider)
    shop.refund_mode = ShopSettings.RefundMode.MANUAL
    shop.save()
    stock(product, location, 10)
    order = place_order([(product, 2)])
    order_payment_record(order_id=order.pk, amount=order.total_gross, method="card", idempotency_key="local:e2e-due")
    desk = staff_in("Order desk", "dan@example.com")
    admin_login(desk)
    # when: the order desk cancels the order
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    page.get_by_role("link", name="Cancel order").click()
    page.fill("input[name=reason]", "Customer asked")
    page.get_by_role("button", name="Cancel order").click()
    page.wait_for_url(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    # then: the refund of the 25.00 waits for finance
    refund = Refund.objects.get(order=order)
    assert (refund.kind, refund.status, refund.amount) == ("refund_due", "pending", Decimal("25.00"))

    # when finance opens the order's Refunds tab
    page.context.clear_cookies()
    admin_login(staff_in("Finance", "fay@example.com"))
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/refunds/")
    row = page.locator(f"tr[data-refund='{refund.pk}']")
    # then: the refund says why it was made; nothing is left for "Refund what is owed"
    assert "order cancelled" in row.inner_text() and "Pending approval" in row.inner_text()
    assert page.locator("#settle-refund").count() == 0
    page.screenshot(path=f"{SHOTS}/refund-due-pending.png", full_page=True)
    # when finance approves it
    row.get_by_role("button", name="Approve and send").click()
    page.wait_for_selector(f"tr[data-refund='{refund.pk}'] >> text=Paid")
    # then: paid once through the provider, nothing owed back
    page.screenshot(path=f"{SHOTS}/refund-due-paid.png", full_page=True)
    assert "owed back EUR 0.00" in page.inner_text("#refund-summary")
    assert LocalProviderRefund.objects.count() == 1
