"""The "refunded" figures of the Financials report come from the returns app's refunds (paid = refunded;
pending, approved and sent = in progress), never from credit invoices or payment rows.

The refunds of conftest.py's `refunds_today` (G paid back 12.50, H 20.00 pending, K 25.00 sent). Hand-computed:
refunded today 12.50 (one refund); in progress 20.00 pending + 25.00 sent = 2 refunds, 45.00; in the phone
channel only H's 20.00, pending.
"""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.forms import Filters
from reports.queries_finance import report_finance

D = Decimal
pytestmark = pytest.mark.django_db


def _today(**kwargs) -> Filters:
    today = timezone.localdate()
    return Filters(since=today - timedelta(days=6), until=today, period="day", **kwargs)


def test_refunded_is_what_refunds_paid_back_on_the_day_they_were_paid(refunds_today):
    # when
    page = report_finance(_today())
    # then: one row, today's, with the paid refund only (no invoice was made, nothing was credited)
    (row,) = page.tables[0].rows
    assert row[0] == timezone.localdate().isoformat()
    assert row[1:] == ("EUR", 0, D("0.00"), 0, D("0.00"), D("0.00"), 1, D("12.50"))


def test_refunds_in_progress_are_pending_approved_and_sent_per_currency(refunds_today):
    # when
    table = report_finance(_today()).tables[2]
    # then: a row per status (count, amount), then what is in progress in all
    assert table.columns == ["Currency", "Status", "Refunds", "Amount"]
    assert table.rows == [
        ("EUR", "Pending approval", 1, D("20.00")),
        ("EUR", "Approved (sending)", 0, D("0.00")),
        ("EUR", "Sent (payout to confirm)", 1, D("25.00")),
        ("EUR", "Failed", 0, D("0.00")),
        ("EUR", "In progress in all", 2, D("45.00")),
    ]


def test_the_channel_filter_applies_to_refunds(refunds_today):
    # when
    page = report_finance(_today(channel_id=refunds_today["phone"].pk))
    # then: the phone order's refund is pending; nothing of the channel was refunded
    assert page.tables[0].rows == []
    assert [(status, n, amount) for _, status, n, amount in page.tables[2].rows] == [
        ("Pending approval", 1, D("20.00")), ("Approved (sending)", 0, D("0.00")),
        ("Sent (payout to confirm)", 0, D("0.00")), ("Failed", 0, D("0.00")),
        ("In progress in all", 1, D("20.00")),
    ]  # fmt: skip


def test_a_range_before_the_refunds_shows_none_refunded(refunds_today):
    # when
    page = report_finance(Filters(since=timezone.localdate() - timedelta(days=60),
                                  until=timezone.localdate() - timedelta(days=30), period="week"))  # fmt: skip
    # then
    assert page.tables[0].rows == []


def test_the_refund_tables_download_as_csv_with_the_same_figures(refunds_today, client, finance):
    # given
    client.force_login(finance)
    today = timezone.localdate().isoformat()
    query = {"from": today, "to": today, "period": "day"}
    # when
    per_day = client.get(reverse("reports:finance"), {**query, "csv": "invoiced-credited-paid-and-refunded-per-day"})
    progress = client.get(reverse("reports:finance"), {**query, "csv": f"refunds-in-progress-on-{today}"})
    # then
    assert per_day.status_code == progress.status_code == 200
    (head, row) = list(csv.reader(io.StringIO(per_day.content.decode())))
    assert dict(zip(head, row, strict=True))["Refunded"] == "12.50"
    assert dict(zip(head, row, strict=True))["Refunds paid"] == "1"
    (head, *rows) = list(csv.reader(io.StringIO(progress.content.decode())))
    by_status = {row[1]: dict(zip(head, row, strict=True)) for row in rows}
    assert by_status["In progress in all"]["Amount"] == "45.00"
    assert by_status["Pending approval"]["Amount"] == "20.00"
