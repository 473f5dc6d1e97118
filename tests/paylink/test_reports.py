"""Invoice reports: outstanding, overdue by age, paid per month; hand-computed fixtures; CSV round-trips.

Every order here costs 2 × 12.50 + 5.00 shipping = 30.00 or 1 × 12.50 = 12.50; invoices on Net 30.
"""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from invoicing.reports import report_ageing, report_outstanding, report_paid_per_period
from invoicing.services.drafts import invoice_create
from invoicing.services.lifecycle import invoice_cancel
from oms.permissions import ROLE_FINANCE, ROLE_MANAGER, ROLE_ORDER_DESK, ROLE_WAREHOUSE
from orders.models import Order
from orders.services.payments import order_payment_record
from tests.conftest import staff_in

from .conftest import issue_invoice

D = Decimal
TODAY = date(2026, 6, 15)


def make(place_order, stocked, *, units: int, issued_days_ago: int | None = 0, paid: str = "", today=None):
    """An order of `units` mugs (+5.00 shipping for 2), its Net 30 invoice issued that many days ago, paid `paid`."""
    today = today or timezone.localdate()
    order = place_order([(stocked, units)], shipping_fee=D("5.00") if units == 2 else D("0.00"))
    # given-step stand-in for an order placed back then (the services refuse payments dated before the order)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=400))
    if issued_days_ago is None:
        return invoice_create(order_id=order.pk)
    invoice = issue_invoice(order, issue_date=today - timedelta(days=issued_days_ago))
    if paid:
        order_payment_record(order_id=order.pk, amount=D(paid), method="bank_transfer", paid_on=today)
    invoice.refresh_from_db()
    return invoice


@pytest.mark.django_db
def test_outstanding_lists_open_balances_and_sums_them(place_order, stocked):
    # given
    a = make(place_order, stocked, units=2)  # 30.00 open
    b = make(place_order, stocked, units=1, paid="5.00")  # 12.50 − 5.00 = 7.50 open
    make(place_order, stocked, units=1, paid="12.50")  # paid: not outstanding
    invoice_cancel(invoice_id=make(place_order, stocked, units=2).pk, reason="Wrong address")  # cancelled
    make(place_order, stocked, units=2, issued_days_ago=None)  # a draft
    # when
    report = report_outstanding()
    # then
    assert [(r[0], r[-1]) for r in report.rows] == [(a.number, D("30.00")), (b.number, D("7.50"))]
    assert report.totals == [("Total", "", "", "", "", "EUR", D("42.50"), D("5.00"), D("0.00"), D("37.50"))]


@pytest.mark.django_db
def test_ageing_puts_each_overdue_invoice_in_its_bucket_at_the_edges(place_order, stocked):
    # given: Net 30, so an invoice issued 30 + n days before TODAY is n days overdue
    overdue = {}
    for days, paid in ((1, ""), (30, "2.50"), (31, ""), (60, ""), (61, ""), (90, ""), (91, ""), (400, "")):
        overdue[days] = make(place_order, stocked, units=1, issued_days_ago=30 + days, paid=paid, today=TODAY)
    make(place_order, stocked, units=1, issued_days_ago=30, today=TODAY)  # due today: not overdue yet
    make(place_order, stocked, units=1, issued_days_ago=100, paid="12.50", today=TODAY)  # paid: not overdue
    # when
    report = report_ageing(today=TODAY)
    # then
    buckets = {row[0]: (row[4], row[5], row[7]) for row in report.rows}
    assert buckets == {
        overdue[1].number: (1, "0-30", D("12.50")),
        overdue[30].number: (30, "0-30", D("10.00")),
        overdue[31].number: (31, "31-60", D("12.50")),
        overdue[60].number: (60, "31-60", D("12.50")),
        overdue[61].number: (61, "61-90", D("12.50")),
        overdue[90].number: (90, "61-90", D("12.50")),
        overdue[91].number: (91, "90+", D("12.50")),
        overdue[400].number: (400, "90+", D("12.50")),
    }
    assert report.summary_columns == ["Currency", "0-30", "31-60", "61-90", "90+", "Total"]
    assert report.summary == [("EUR", D("22.50"), D("25.00"), D("25.00"), D("25.00"), D("97.50"))]


@pytest.mark.django_db
def test_paid_per_month_sums_the_money_applied_by_payment_date(place_order, stocked):
    # given: payments 120 days ago (10.00 + 20.00, one invoice) and 60 days ago (12.50): two months apart
    today = timezone.localdate()
    early, late = today - timedelta(days=120), today - timedelta(days=60)
    first = make(place_order, stocked, units=2)
    second = make(place_order, stocked, units=1)
    order_payment_record(order_id=first.order_id, amount=D("10.00"), method="card", paid_on=early)
    order_payment_record(order_id=first.order_id, amount=D("20.00"), method="card", paid_on=early)
    order_payment_record(order_id=second.order_id, amount=D("12.50"), method="card", paid_on=late)
    # when
    report = report_paid_per_period(since=today - timedelta(days=365), until=today)
    # then
    assert report.rows == [(f"{early:%Y-%m}", "EUR", 1, D("30.00")), (f"{late:%Y-%m}", "EUR", 1, D("12.50"))]
    assert report.totals == [("Total", "EUR", "", D("42.50"))]
    assert report_paid_per_period(since=late.replace(day=1), until=today).rows == [report.rows[1]]


@pytest.mark.django_db
def test_each_report_csv_reads_back_as_its_rows(place_order, stocked):
    # given
    make(place_order, stocked, units=2, issued_days_ago=45, paid="1.00")
    make(place_order, stocked, units=1, issued_days_ago=10)
    for report in (report_outstanding(), report_ageing(), report_paid_per_period()):
        # when
        rows = list(csv.reader(io.StringIO(report.csv_text())))
        # then
        assert rows[0] == report.columns
        assert rows[1:] == [["" if v is None else str(v) for v in row] for row in report.rows]
        assert report.rows  # each report has something to say here


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,status", [(ROLE_FINANCE, 200), (ROLE_MANAGER, 200), (ROLE_ORDER_DESK, 403), (ROLE_WAREHOUSE, 403)]
)
def test_only_finance_and_managers_open_the_reports(client, role, status):
    client.force_login(staff_in(role, f"{role.replace(' ', '')}@example.com"))
    assert client.get(reverse("admin:invoicing_invoicereport_changelist")).status_code == status
    assert client.get(reverse("admin:invoicing_invoicereport_changelist") + "?format=csv").status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["outstanding", "ageing", "paid"])
def test_the_report_page_and_its_csv(client, place_order, stocked, key):
    # given
    invoice = make(place_order, stocked, units=2, issued_days_ago=45, paid="1.00")
    client.force_login(staff_in(ROLE_FINANCE, "fin@example.com"))
    url = reverse("admin:invoicing_invoicereport_changelist")
    # when
    page = client.get(url, {"report": key})
    csv_file = client.get(url, {"report": key, "format": "csv"})
    # then
    assert page.status_code == 200
    assert (invoice.number in page.content.decode()) == (key != "paid")
    assert csv_file["Content-Type"] == "text/csv; charset=utf-8"
    assert f"invoices-{key}-" in csv_file["Content-Disposition"]
    assert list(csv.reader(io.StringIO(csv_file.content.decode())))[0][0] in ("Invoice", "Month")


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 8])
def test_report_page_queries_do_not_grow_with_invoices(client, place_order, stocked, count, django_assert_num_queries):
    for _ in range(count):
        make(place_order, stocked, units=1, issued_days_ago=45, paid="1.00")
    client.force_login(staff_in(ROLE_FINANCE, "fin@example.com"))
    url = reverse("admin:invoicing_invoicereport_changelist")
    # session, user, its user and group permissions, then two per report: the rows and the sums (in SQL)
    for key, queries in (("outstanding", 6), ("ageing", 6), ("paid", 6)):
        with django_assert_num_queries(queries):
            assert client.get(url, {"report": key}).status_code == 200


@pytest.mark.django_db
def test_a_bad_month_is_said_and_the_default_period_shown(client):
    client.force_login(staff_in(ROLE_FINANCE, "fin@example.com"))
    page = client.get(reverse("admin:invoicing_invoicereport_changelist"), {"report": "paid", "from": "13-2026x"})
    assert page.status_code == 200
    assert "is not a month such as 2026-01" in page.content.decode()
