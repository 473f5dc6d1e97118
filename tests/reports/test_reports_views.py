"""The reports pages: who may open them, bad filters as messages, CSV downloads that read back as the page's
figures, and a query count that does not grow with the data."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from oms.permissions import ROLE_FINANCE, ROLE_MANAGER, ROLE_ORDER_DESK, ROLE_WAREHOUSE
from reports import rollups
from reports.queries import REPORTS
from reports.tables import table_slug
from tests.conftest import staff_in

pytestmark = pytest.mark.django_db
MARCH = {"from": "2026-03-01", "to": "2026-03-31", "period": "week"}


@pytest.fixture
def manager(db):
    return staff_in(ROLE_MANAGER, "boss@example.com")


@pytest.mark.parametrize("role", [ROLE_MANAGER, ROLE_FINANCE])
def test_managers_and_finance_open_every_report(client, role):
    client.force_login(staff_in(role, "reader@example.com"))
    for key in REPORTS:
        response = client.get(reverse(f"reports:{key}"))
        assert response.status_code == 200, key
        assert b"Download CSV" in response.content


@pytest.mark.parametrize("role", [ROLE_ORDER_DESK, ROLE_WAREHOUSE])
def test_other_roles_get_403_and_no_sidebar_entry(client, role):
    client.force_login(staff_in(role, "other@example.com"))
    for key in REPORTS:
        assert client.get(reverse(f"reports:{key}")).status_code == 403
        assert client.get(reverse(f"reports:{key}"), {"csv": "orders-per-week"}).status_code == 403
    groups = client.get(reverse("admin:index") + "?home=1").context["sidebar_navigation"]
    assert "Reports" not in [group["title"] for group in groups]


def test_a_customer_or_anonymous_visitor_is_sent_to_the_admin_login(client, customer):
    response = client.get(reverse("reports:orders"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_sidebar_lists_the_reports_for_a_manager(client, manager):
    client.force_login(manager)
    groups = client.get(reverse("admin:index") + "?home=1").context["sidebar_navigation"]
    reports = next(group for group in groups if group["title"] == "Reports")
    assert [item["title"] for item in reports["items"]] == [kind.title for kind in REPORTS.values()]


@pytest.mark.parametrize(
    "query, field, message",
    [
        ({"from": "2026-13-45"}, "From", "Enter a valid date"),
        ({"from": "1850-01-01", "to": "2026-01-01"}, "From", "between 2000-01-01 and 2099-12-31"),
        ({"from": "2026-03-10", "to": "2026-03-01"}, "To", "before the start date"),
        ({"from": "2000-01-01", "to": "2099-12-31"}, "To", "at most 1098 days"),
        ({"from": "2026-01-01", "to": "2026-12-31", "period": "day"}, "Per", "at most 186 days"),
        ({"period": "fortnight"}, "Per", "Select a valid choice"),
        ({"channel": "999999"}, "Channel", "Select a valid choice"),
        ({"channel": "99999999999999999999999"}, "Channel", "Select a valid choice"),
        ({"channel": "x y"}, "Channel", "Select a valid choice"),
        ({"from": "NaN"}, "From", "Enter a valid date"),
        ({"from": "9" * 5000}, "From", "Enter a valid date"),
    ],
)
def test_bad_filters_are_a_message_naming_the_field_and_the_default_range_shows(client, manager, query, field, message):
    client.force_login(manager)
    # when
    response = client.get(reverse("reports:orders"), query)
    # then
    assert response.status_code == 200
    errors = response.context["errors"]
    assert any(label == field and message in text for label, text in errors), errors
    assert b"Showing the last 90 days instead." in response.content
    # and a CSV with bad filters is refused rather than silently a different range
    assert client.get(reverse("reports:orders"), {**query, "csv": "orders-per-week"}).status_code == 404


def test_a_nul_character_in_the_query_is_refused_without_a_500(client, manager):
    client.force_login(manager)
    assert client.get(reverse("reports:orders"), {"channel": "x\x00y"}).status_code == 400


def test_the_form_s_own_field_names_work_as_well_as_the_short_link_names(client, manager):
    client.force_login(manager)
    for query in ({"from": "2026-03-01", "to": "2026-03-31"}, {"date_from": "2026-03-01", "date_to": "2026-03-31"}):
        filters = client.get(reverse("reports:orders"), query).context["filters"]
        assert (filters.since, filters.until) == (date(2026, 3, 1), date(2026, 3, 31))


def test_an_unknown_table_is_a_404(client, manager):
    client.force_login(manager)
    assert client.get(reverse("reports:orders"), {"csv": "nope"}).status_code == 404


def _csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode())))


def _as_text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


@pytest.mark.parametrize("key", list(REPORTS))
def test_every_table_downloads_as_csv_with_the_rows_of_the_page(client, manager, history, key):
    client.force_login(manager)
    # given: the page as rendered
    page = client.get(reverse(f"reports:{key}"), MARCH).context["page"]
    assert page.tables
    for table in page.tables:
        # when
        parsed = _csv_rows(client.get(reverse(f"reports:{key}"), {**MARCH, "csv": table_slug(table)}))
        # then: the header, then each row; amounts read back as the same Decimals
        assert parsed[0] == table.columns
        assert parsed[1:] == [[_as_text(v) for v in row] for row in table.rows], table.title
        for row, original in zip(parsed[1:], table.rows, strict=True):
            for text, value in zip(row, original, strict=True):
                if isinstance(value, Decimal):
                    assert Decimal(text) == value


def test_orders_csv_reads_back_as_the_hand_computed_figures(client, manager, history):
    client.force_login(manager)
    parsed = _csv_rows(client.get(reverse("reports:orders"), {**MARCH, "csv": "orders-per-week"}))
    assert parsed == [
        ["Period", "Currency", "Orders", "Cancelled", "Revenue net", "Revenue gross"],
        ["2026-03-02 (wk 10)", "EUR", "2", "0", "43.14", "50.00"],
        ["2026-03-09 (wk 11)", "EUR", "2", "1", "10.33", "12.50"],
    ]


def test_the_page_shows_the_chart_as_inline_svg_with_no_script(client, manager, history):
    client.force_login(manager)
    response = client.get(reverse("reports:orders"), MARCH)
    body = response.content.decode()
    assert '<svg class="report-chart"' in body
    chart = body.split('<figure class="reports-chart">')[1].split("</figure>")[0]
    assert "<title>2026-03-02 (wk 10): 50 EUR</title>" in chart  # each bar says its figure on hover
    assert "<script" not in chart and "href" not in chart  # nothing to load: no script, no CDN


# Queries per page, whatever the data: the session and user (2), the user's permissions for the report check
# and the sidebar (2), the channel choices of the filter form (1), then the report's own grouped queries.
# Payments: on PostgreSQL the summary is one query of the payment roll-up (reports/rollups.py), on SQLite four.
REPORT_QUERIES = {"orders": 3, "top": 2, "inventory": 6, "shipping": 4, "finance": 6,
                  "payments": 3 if rollups.in_use() else 6}  # fmt: skip
PAGE_OVERHEAD = 5


@pytest.mark.parametrize("key", list(REPORTS))
def test_each_report_runs_a_fixed_number_of_queries(key, history, march, django_assert_num_queries):
    with django_assert_num_queries(REPORT_QUERIES[key]):
        REPORTS[key].build(march)


@pytest.mark.parametrize("key", list(REPORTS))
def test_each_report_runs_the_same_queries_with_more_rows_of_every_kind(
    key, history, place_order, finance, django_capture_on_commit_callbacks, django_assert_num_queries
):
    from reports.forms import Filters
    from tests import factories
    from tests.reports.conftest import _refund_of, _send

    # given: a range from March to today, so that today's new rows fall in it
    wide = Filters(since=date(2026, 3, 1), until=date(2026, 3, 1) + timedelta(days=400), period="month")
    with django_assert_num_queries(REPORT_QUERIES[key]):
        REPORTS[key].build(wide)
    # when: more orders, products, channels, shipments, payments and refunds in every status
    location = history.a.lines.first().allocations.first().location
    for i in range(3):
        product = factories.ProductFactory(sku=f"Y-{i}", unit_price=Decimal("3.00"))
        factories.stock(product, location, 10)
        order = place_order([(product, 2)], channel=factories.ChannelFactory(code=f"d{i}", name=f"Channel {i}"))
        factories.ship(order.pk, {order.lines.get().pk: 1})
        refund = _refund_of(place_order, finance, [(product, 1)])
        if i:
            _send(refund, finance, django_capture_on_commit_callbacks)
    # then: the same number of queries
    with django_assert_num_queries(REPORT_QUERIES[key]):
        REPORTS[key].build(wide)


def test_the_page_query_count_is_the_same_with_more_data(
    client, manager, history, place_order, django_assert_num_queries
):
    client.force_login(manager)
    url = reverse("reports:orders")
    client.get(url, MARCH)  # warm: content types and the like are cached after the first request
    with django_assert_num_queries(PAGE_OVERHEAD + REPORT_QUERIES["orders"]):
        client.get(url, MARCH)
    # given: more orders, products and channels
    from tests import factories

    for i in range(3):
        product = factories.ProductFactory(sku=f"X-{i}", unit_price=Decimal("3.00"))
        factories.stock(product, history.a.lines.first().allocations.first().location, 10)
        place_order([(product, 2)], channel=factories.ChannelFactory(code=f"c{i}", name=f"Channel {i}"))
    with django_assert_num_queries(PAGE_OVERHEAD + REPORT_QUERIES["orders"]):
        client.get(url, {**MARCH, "to": "2026-12-31", "period": "month"})
