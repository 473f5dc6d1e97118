"""A manager in Chromium: opens the orders report, sets a date range and the period, sees the trend chart,
downloads a table as CSV whose figures are the page's; every report page at desktop and phone width."""

import csv
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from oms.permissions import ROLE_MANAGER
from orders.models import Order
from reports.queries import REPORTS
from tests import factories
from tests.conftest import staff_in


def _placed_days_ago(place_order, product, days: int, units: int) -> Order:
    order = place_order([(product, units)])
    when = timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=days), time(11)))
    Order.objects.filter(pk=order.pk).update(placed_at=when, created_at=when)  # given-step stand-in for the past
    return order


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_manager_filters_the_orders_report_sees_the_chart_and_downloads_csv(
    live_server, page, admin_login, place_order, location
):
    # given: orders of 12.50 a mug on three days of the last weeks, and one long ago
    manager = staff_in(ROLE_MANAGER, "boss@example.com")
    mug = factories.ProductFactory(sku="MUG-1", name="Mug", unit_price=Decimal("12.50"))
    factories.stock(mug, location, 100)
    for days, units in ((3, 2), (10, 1), (17, 4), (200, 1)):
        _placed_days_ago(place_order, mug, days, units)
    today = timezone.localdate()
    page.set_viewport_size({"width": 1440, "height": 900})
    admin_login(manager)

    # when: the manager opens Reports › Orders and revenue from the sidebar, sets 30 days per week
    page.goto(f"{live_server.url}/admin/reports/")
    page.get_by_role("link", name="Orders and revenue").first.click()
    page.fill("#id_date_from", (today - timedelta(days=29)).isoformat())
    page.fill("#id_date_to", today.isoformat())
    page.select_option("#id_period", "week")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(lambda url: "period=week" in url)

    # then: the chart is there (server-drawn SVG), with one bar per week
    chart = page.locator("svg.report-chart")
    assert chart.is_visible()
    assert page.locator("svg.report-chart rect.bar").count() in (5, 6)
    page.screenshot(path="/tmp/reports-e2e-orders-1440.png", full_page=True)

    # and the per-week table downloads as CSV with the same figures: 7 mugs in the range = 87.50
    with page.expect_download() as download_info:
        page.locator("a.csv-link[data-table=orders-per-week]").click()
    download = download_info.value
    assert download.suggested_filename.startswith("orders-orders-per-week-")
    with open(download.path(), newline="") as handle:
        parsed = list(csv.reader(handle))
    assert parsed[0] == ["Period", "Currency", "Orders", "Cancelled", "Revenue net", "Revenue gross"]
    assert sum(int(row[2]) for row in parsed[1:]) == 3
    assert sum(Decimal(row[5]) for row in parsed[1:]) == Decimal("87.50")
    shown = page.locator("#table-orders-per-week tbody tr").count()
    assert shown == len(parsed) - 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_bad_range_is_a_message_in_the_browser(live_server, page, admin_login):
    admin_login(staff_in(ROLE_MANAGER, "boss@example.com"))
    page.goto(f"{live_server.url}/admin/reports/orders/?from=2026-05-10&to=2026-05-01")
    assert page.locator(".reports-errors").inner_text().startswith("To: The end date is before the start date.")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("width", [1440, 390])
def test_every_report_page_renders_at_desktop_and_phone_width(
    live_server, page, admin_login, place_order, location, width
):
    # given: a few orders so that tables and charts have something
    mug = factories.ProductFactory(sku="MUG-1", name="Mug", unit_price=Decimal("12.50"))
    factories.stock(mug, location, 100)
    for days in (2, 9, 16):
        _placed_days_ago(place_order, mug, days, 1)
    page.set_viewport_size({"width": width, "height": 900})
    admin_login(staff_in(ROLE_MANAGER, "boss@example.com"))
    for key in REPORTS:
        # when
        page.goto(f"{live_server.url}/admin/reports/{key}/")
        # then: no horizontal scroll of the page itself (wide tables scroll in their own box)
        page.wait_for_selector(".reports-table")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, (key, overflow)
        page.screenshot(path=f"/tmp/reports-{key}-{width}.png", full_page=True)
