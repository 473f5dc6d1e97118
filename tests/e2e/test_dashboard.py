"""The manager's morning in Chromium: the dashboard's figures, "Overdue invoices" followed to the filtered
list, a report exported as CSV; a customer's page and its account invitation; the settings page.
Screenshots at 1440 and 390 px."""

import csv
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.services import stock_level_set_reorder_point
from invoicing.models import PaymentTerms
from notifications.models import EmailKind, Message
from orders.services.placement import LineInput, OrderInput, order_create
from tests import factories
from tests.conftest import staff_in
from tests.invoicing.helpers import issued

WIDTHS = {"desktop": 1440, "phone": 390}


def shots(page, name: str) -> None:
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"/tmp/dash-{name}-{label}.png", full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})


@pytest.fixture
def shop_day(db, channel, customer):
    location = factories.StockLocationFactory(code="main", name="Main warehouse")
    mug = factories.ProductFactory(sku="MUG-1", name="Stoneware mug", unit_price=Decimal("12.50"))
    level = factories.stock(mug, location, 40)
    manager = staff_in("Manager", "manager@example.com")

    def place(quantity):
        data = OrderInput(channel=channel, customer=customer, lines=[LineInput(product=mug, quantity=quantity)])
        return order_create(data=data, actor=None, place=True)

    late, recent = place(3), place(2)
    issued(late, manager, terms=PaymentTerms.objects.get(code="net_14"), day=timezone.localdate() - timedelta(30))
    issued(recent, manager, terms=PaymentTerms.objects.get(code="net_30"))
    stock_level_set_reorder_point(level_id=level.pk, reorder_point=50)
    return {"manager": manager, "late": late, "recent": recent, "customer": customer}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_manager_opens_the_dashboard_and_follows_overdue_invoices(live_server, page, admin_login, shop_day):
    # given
    page.set_viewport_size({"width": 1440, "height": 900})
    admin_login(shop_day["manager"])
    # when: the manager opens the admin home
    page.goto(f"{live_server.url}/admin/")
    # then: today's figures and what needs attention, each a link
    assert page.locator("[data-figure=today_orders]").inner_text() == "2"
    assert page.locator("[data-figure=overdue_invoices]").inner_text() == "1"
    assert page.locator("[data-figure=low_stock]").inner_text() == "1"
    assert page.get_by_text("MUG-1").first.is_visible()
    shots(page, "home")
    # when: they follow "Overdue invoices"
    page.locator("a", has=page.locator("[data-figure=overdue_invoices]")).click()
    page.wait_for_url("**/admin/invoicing/invoice/?tab=overdue")
    # then: the list shows the overdue invoice only
    late_number = shop_day["late"].invoices.get().number
    recent_number = shop_day["recent"].invoices.get().number
    assert page.get_by_text(late_number).first.is_visible()
    assert page.get_by_text(recent_number).count() == 0
    shots(page, "overdue-list")
    # when: they open the financial report and export its first table as CSV
    page.goto(f"{live_server.url}/admin/reports/finance/")
    with page.expect_download() as download:
        page.locator("a.csv-link").first.click()
    # then: a CSV file with a header row
    with open(download.value.path(), encoding="utf-8-sig") as exported:
        rows = list(csv.reader(exported))
    assert download.value.suggested_filename.endswith(".csv")
    assert len(rows) >= 1 and rows[0]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_staff_open_a_customer_and_send_the_account_invitation(live_server, page, admin_login, shop_day):
    # given
    customer = shop_day["customer"]
    admin_login(shop_day["manager"])
    # when
    page.goto(f"{live_server.url}/admin/orders/customer/{customer.pk}/change/")
    page.wait_for_selector("text=Order history")
    shots(page, "customer")
    page.get_by_role("button", name="Send account invitation").click()
    # then
    page.wait_for_selector(f"text=Account invitation for {customer.name}")
    assert Message.objects.filter(kind=EmailKind.ACCOUNT_INVITATION, to=customer.email).count() == 1
    assert page.get_by_role("button", name="Send the account invitation again").is_visible()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_settings_page_and_the_alerts_list(live_server, page, admin_login, shop_day):
    # given
    admin_login(shop_day["manager"])
    # when: Settings in the sidebar
    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("link", name="Shop settings").first.click()
    page.wait_for_selector("text=Stock and fulfilment")
    # then
    assert page.get_by_text("Who is e-mailed when a product").is_visible()
    shots(page, "settings")
    page.goto(f"{live_server.url}/admin/catalog/stockalert/?status=open")
    page.wait_for_selector("text=MUG-1")
    shots(page, "alerts")
