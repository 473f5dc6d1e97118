"""Financial reports: invoiced, credited and paid per period; outstanding and overdue by age; refunded.

Invoiced and credited: invoices issued in the range (by `issue_date`) that still count (issued, sent, part
paid, paid; cancelled ones are left out), debit and credit invoices apart. Paid: money applied to debit
invoices on the day it came in (the order payment's date), reversals negative: invoicing's own rule
(`invoicing.reports.payment_day`). Outstanding and ageing are invoicing's reports (`open_invoices`,
`ageing_summary`): balances as of today, whatever the range and channel.
"""

from datetime import date
from decimal import Decimal

from django.apps import apps
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from invoicing.models import Invoice, InvoicePayment
from invoicing.reports import BUCKETS, ageing_summary, open_invoices, payment_day

from .forms import Filters
from .tables import Page, Table, cents, period_label, period_of, trend

DEBIT, CREDIT = Q(kind=Invoice.Kind.DEBIT), Q(kind=Invoice.Kind.CREDIT)


def issued(filters: Filters) -> QuerySet[Invoice]:
    invoices = Invoice.objects.filter(
        status__in=Invoice.LIVE, issue_date__gte=filters.since, issue_date__lte=filters.until
    )
    return invoices.filter(order__channel_id=filters.channel_id) if filters.channel_id else invoices


def _paid_rows(filters: Filters) -> list[dict]:
    payments = (
        InvoicePayment.objects.filter(invoice__kind=Invoice.Kind.DEBIT)
        .annotate(day=payment_day())
        .filter(day__gte=filters.since, day__lte=filters.until)
    )
    if filters.channel_id:
        payments = payments.filter(order__channel_id=filters.channel_id)
    return list(
        payments.annotate(period=period_of("day", filters))
        .values("period", "invoice__currency")
        .annotate(paid=Sum("amount"))
        .order_by("period", "invoice__currency")
    )


def per_period(filters: Filters) -> tuple[Table, list[dict]]:
    invoiced = (
        issued(filters)
        .annotate(period=period_of("issue_date", filters))
        .values("period", "currency")
        .annotate(
            invoices=Count("pk", filter=DEBIT),
            invoiced=Sum("total_gross", filter=DEBIT),
            credits=Count("pk", filter=CREDIT),
            credited=Sum("total_gross", filter=CREDIT),
        )
    )
    merged: dict[tuple, dict] = {}
    for row in invoiced:
        merged[(row["period"], row["currency"])] = {**row, "paid": 0}
    for row in _paid_rows(filters):
        key = (row["period"], row["invoice__currency"])
        blank = {"period": key[0], "currency": key[1], "invoices": 0, "invoiced": 0, "credits": 0, "credited": 0}
        merged.setdefault(key, blank)["paid"] = row["paid"]
    rows = [merged[key] for key in sorted(merged)]
    table = Table(
        f"Invoiced, credited and paid per {filters.period}",
        ["Period", "Currency", "Invoices", "Invoiced gross", "Credit invoices", "Credited gross", "Paid"],
    )
    table.rows = [
        (period_label(r["period"], filters.period), r["currency"], r["invoices"], cents(r["invoiced"]), r["credits"],
         cents(r["credited"]), cents(r["paid"]))
        for r in rows
    ]  # fmt: skip
    return table, rows


def outstanding(today: date) -> Table:
    """Open balances per currency now, with the overdue part by age (invoicing's ageing buckets)."""
    overdue = {row[0]: row[1:] for row in ageing_summary(today)}
    rows = open_invoices().values("currency").annotate(n=Count("pk"), balance=Sum("open_balance")).order_by("currency")
    buckets = [label for label, _, _ in BUCKETS]
    table = Table(
        f"Outstanding on {today.isoformat()}",
        ["Currency", "Open invoices", "Outstanding", "Not yet due", *[f"{b} days overdue" for b in buckets]],
    )
    for row in rows:
        late = overdue.get(row["currency"], [cents(0)] * (len(buckets) + 1))
        balance = cents(row["balance"])
        table.rows.append((row["currency"], row["n"], balance, balance - late[-1], *late[:-1]))
    return table


def refunds_note() -> str | None:
    """Refunds are the returns app's (on top of invoicing); until it records them, say what is shown instead."""
    try:
        apps.get_model("returns", "Refund")
    except LookupError:
        return (
            "Refunded: refunds are not recorded yet (the returns app has no refunds); credited shows credit invoices."
        )
    return None


def report_finance(filters: Filters) -> Page:
    per, rows = per_period(filters)
    page = Page("finance", "Financials", [per, outstanding(timezone.localdate())])
    page.chart = _chart(filters, rows)
    page.notes.append("Outstanding and overdue are as of today, for every channel; the range does not apply.")
    if note := refunds_note():
        page.notes.append(note)
    return page


def _chart(filters: Filters, rows: list[dict]):
    """Invoiced against paid, in the currency with the most invoiced (one currency per chart)."""
    invoiced: dict[str, Decimal] = {}
    for row in rows:  # one row per period and currency
        invoiced[row["currency"]] = invoiced.get(row["currency"], 0) + cents(row["invoiced"])
    currency = max(sorted(invoiced), key=invoiced.get, default="")
    main = [r for r in rows if r["currency"] == currency]
    chart = trend(f"Invoiced and paid per {filters.period}", filters, main, lambda r: cents(r["invoiced"]))
    paid = trend("", filters, main, lambda r: cents(r["paid"]))
    chart.series = [("Invoiced", chart.series[0][1]), ("Paid", paid.series[0][1])]
    chart.unit = currency
    return chart
