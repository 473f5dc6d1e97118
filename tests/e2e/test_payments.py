"""Finance in Chromium: record a payment with its method and reference, then reverse it with a reason."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from orders.models import Order, OrderPayment
from tests import factories

SCREENS = Path(__file__).resolve().parents[2] / "var" / "screens"


@pytest.fixture
def bookkeeper(db):
    user = factories.StaffFactory(email="books@example.com", first_name="Fay", last_name="Finance")
    user.groups.add(Group.objects.get(name="Finance"))
    return user


def shot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_finance_records_a_payment_and_reverses_it(live_server, page, admin_login, bookkeeper, place_order):
    # given: a placed order of EUR 25.00
    location = factories.StockLocationFactory(code="main", name="Main warehouse")
    product = factories.ProductFactory(sku="MUG-1", name="Mug", unit_price=Decimal("12.50"))
    factories.stock(product, location, 10)
    order = place_order([(product, 2)])
    page.set_viewport_size({"width": 1440, "height": 900})
    admin_login(bookkeeper)

    # when: Finance records the bank transfer from the order page
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    page.get_by_role("link", name="Record payment").first.click()
    assert page.input_value("#id_amount") == "25.00"
    assert page.input_value("#id_paid_on") == timezone.localdate().isoformat()
    page.select_option("#id_method", label="Bank transfer")
    page.fill("#id_reference", "NL-STMT-0042")
    shot(page, "payment-record")
    page.get_by_role("button", name="Record payment").click()
    page.wait_for_selector("text=A payment of EUR 25.00 was recorded.")

    # then: the Payments tab lists it and the order is paid
    row = page.locator("tr.payment-row.kind-payment")
    assert "Bank transfer" in row.inner_text() and "NL-STMT-0042" in row.inner_text()
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID

    # when: it turns out to be another order's money, Finance reverses it
    row.get_by_role("link", name="Reverse").click()
    page.fill("#id_reason", "Booked on the wrong order")
    shot(page, "payment-reverse")
    page.get_by_role("button", name="Reverse payment").click()
    page.wait_for_selector("text=Payment of EUR 25.00 was reversed.")
    shot(page, "payments-tab")

    # then: the payment stays, struck through, beside its reversal; nothing is left to reverse
    assert page.locator("tr.payment-row.reversed").count() == 1
    assert "Reason: Booked on the wrong order" in page.locator("tr.kind-reversal").inner_text()
    assert page.get_by_role("link", name="Reverse").count() == 0
    order.refresh_from_db()
    assert (order.amount_paid, order.payment_status) == (Decimal("0.00"), Order.PaymentStatus.UNPAID)
    assert OrderPayment.objects.count() == 2
