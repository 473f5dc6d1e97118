"""Every report's figures against the hand-computed March 2026 history of conftest.py (its table says what
happened to each order). Net amounts: prices include tax, rounded once per line, half-up:
A: 2 mugs 25.00 / 1.21 = 20.66, shipping 5.00 / 1.21 = 4.13 -> 24.79; B: book 20.00 / 1.09 = 18.35; C: mug 10.33.
"""

from datetime import date
from decimal import Decimal

import pytest

from reports.forms import Filters
from reports.queries_finance import report_finance
from reports.queries_orders import report_orders, report_top
from reports.queries_payments import report_payments
from reports.queries_shipping import report_shipping
from reports.queries_stock import report_inventory

D = Decimal
pytestmark = pytest.mark.django_db


def rows(page, index: int) -> list[tuple]:
    return page.tables[index].rows


def test_orders_per_week_channel_and_status(history, march):
    # when
    page = report_orders(march)
    # then: F (February) and the draft E are out; D counts as an order, cancelled, with no revenue
    assert rows(page, 0) == [
        ("2026-03-02 (wk 10)", "EUR", 2, 0, D("43.14"), D("50.00")),
        ("2026-03-09 (wk 11)", "EUR", 2, 1, D("10.33"), D("12.50")),
    ]
    assert rows(page, 1) == [
        ("Web shop", "EUR", 2, 0, D("43.14"), D("50.00")),
        ("Phone", "EUR", 2, 1, D("10.33"), D("12.50")),
    ]
    assert rows(page, 2) == [
        ("Cancelled", "Unpaid", "Unfulfilled", "EUR", 1, D("0.00")),
        ("Placed", "Paid", "Shipped", "EUR", 1, D("20.00")),
        ("Placed", "Paid", "Partially shipped", "EUR", 1, D("30.00")),
        ("Placed", "Unpaid", "Unfulfilled", "EUR", 1, D("12.50")),
    ]
    # the trend: every week of the range, the empty ones as zero
    assert page.chart.labels[0].startswith("2026-02-23") and page.chart.labels[-1].startswith("2026-03-30")
    assert page.chart.series == [("EUR", [0, D("50.00"), D("12.50"), 0, 0, 0])]


def test_orders_per_month_and_per_day_and_one_channel(history):
    # given: the whole of February and March, per month; then per day; then the phone channel only
    months = Filters(since=date(2026, 2, 1), until=date(2026, 3, 31), period="month")
    days = Filters(since=date(2026, 3, 1), until=date(2026, 3, 10), period="day")
    phone = Filters(since=date(2026, 3, 1), until=date(2026, 3, 31), period="month", channel_id=history.phone.pk)
    # then
    assert rows(report_orders(months), 0) == [
        ("2026-02", "EUR", 1, 0, D("10.33"), D("12.50")),
        ("2026-03", "EUR", 4, 1, D("53.47"), D("62.50")),
    ]
    assert [r[0] for r in rows(report_orders(days), 0)] == ["2026-03-02", "2026-03-04", "2026-03-10"]
    assert rows(report_orders(phone), 0) == [("2026-03", "EUR", 2, 1, D("10.33"), D("12.50"))]


def test_top_products_and_customers(history, march):
    page = report_top(march)
    # mugs: 2 on A + 1 on C; books: B only (D is cancelled)
    assert rows(page, 0) == [("MUG-1", "Mug", "EUR", 3, 2, D("37.50")), ("BOOK-1", "Book", "EUR", 1, 1, D("20.00"))]
    assert [(r[0], r[3], r[4]) for r in rows(page, 1)] == [("Ann", 2, D("50.00")), ("Bob", 1, D("12.50"))]


def test_inventory_levels_value_low_stock_and_slow_movers(history, march):
    page = report_inventory(march)
    # on hand: 1000 - 1 mug shipped (A), 1000 - 1 book shipped (B), 5 vases; reserved: A's 2nd mug, C, F
    # value at list price: 999 × 12.50 + 999 × 20.00 + 5 × 40.00 = 12 487.50 + 19 980.00 + 200.00
    assert rows(page, 0) == [("main", "Main warehouse", 3, 2003, 3, 0, 2000, D("32667.50"))]
    assert page.tables[0].totals == [("Total", "", "", 2003, 3, 0, 2000, D("32667.50"))]
    assert rows(page, 1) == [
        ("MUG-1", "Mug", 999, 3, 0, 996, D("12487.50")),
        ("BOOK-1", "Book", 999, 0, 0, 999, D("19980.00")),
        ("VASE-1", "Vase", 5, 0, 0, 5, D("200.00")),
    ]
    assert rows(page, 2) == [("BOOK-1", "Book", "main", 999, 1000, 1)]
    assert rows(page, 3) == [
        ("VASE-1", "Vase", 5, 0, D("200.00")),
        ("BOOK-1", "Book", 999, 1, D("19980.00")),
        ("MUG-1", "Mug", 999, 3, D("12487.50")),
    ]


def test_shipping_per_carrier_time_to_ship_and_partial(history, march):
    page = report_shipping(march)
    assert rows(page, 0) == [("2026-03-02 (wk 10)", 1, 1), ("2026-03-09 (wk 11)", 1, 1)]
    assert rows(page, 1) == [("DHL", 1, 1, 1, 0), ("PostNL", 1, 1, 1, 1)]
    # PostNL left 36 h after A was placed; DHL 10 days after B
    assert rows(page, 2) == [
        ("Same day or within 24 h", 0), ("1-2 days", 1), ("2-4 days", 0), ("4-7 days", 0), ("More than 7 days", 1)
    ]  # fmt: skip
    assert rows(page, 3) == [(history.a.number, "Ann", date(2026, 3, 2), 2, 1, 1)]


def test_financials_invoiced_paid_outstanding(history, march):
    page = report_finance(march)
    assert rows(page, 0) == [
        ("2026-03-02 (wk 10)", "EUR", 1, D("30.00"), 0, D("0.00"), D("30.00"), 0, D("0.00")),
        ("2026-03-09 (wk 11)", "EUR", 1, D("12.50"), 0, D("0.00"), D("0.00"), 0, D("0.00")),
    ]
    # C's invoice (due at once on 12 March) is more than 90 days overdue by now
    assert rows(page, 1) == [("EUR", 1, D("12.50"), D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("12.50"))]
    assert page.chart.series[0][1][1:3] == [D("30.00"), D("12.50")]
    assert page.chart.series[1][1][1:3] == [D("30.00"), D("0.00")]


def test_payment_reconciliation(history, march):
    page = report_payments(march)
    # A's 30.00 went to its invoice; B's 20.00 has no invoice to go to
    assert rows(page, 0) == [("EUR", 2, D("50.00"), 1, D("30.00"), 1, D("20.00"))]
    assert rows(page, 1) == [(date(2026, 3, 6), history.b.number, "Ann", "EUR", D("20.00"), "bank_transfer", "")]
    # A is paid in full and has one mug still to ship
    assert [(r[1], r[-1]) for r in rows(page, 2)] == [(history.a.number, "Partially shipped")]


def test_a_range_with_nothing_gives_empty_tables_and_a_flat_chart(history):
    empty = Filters(since=date(2025, 1, 1), until=date(2025, 1, 31), period="week")
    page = report_orders(empty)
    assert all(not t.rows for t in page.tables)
    assert all(value == 0 for value in page.chart.series[0][1])
