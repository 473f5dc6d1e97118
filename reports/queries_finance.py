"""Financial reports: invoiced, credited, paid and refunded per period; outstanding and overdue by age;
refunds in progress.

Invoiced and credited: invoices issued in the range (by `issue_date`) that still count (issued, sent, part
paid, paid; cancelled ones are left out), debit and credit invoices apart. Paid: money applied to debit
invoices on the day it came in (the order payment's date), reversals negative: invoicing's own rule
(`invoicing.reports.payment_day`). Outstanding and ageing are invoicing's reports (`open_invoices`,
`ageing_summary`): balances as of today, whatever the range and channel.

Refunded: the returns app's refunds that were paid back (status paid), on the day they were paid (`paid_at`
in the shop's time zone), never credit invoices (a credit may refund nothing: an unpaid part is just owed
less) nor the order's payment rows. Refunds in progress are those promised and not yet paid back (pending
approval, approved and sending, sent as a payout to confirm), with the failed ones beside, as of now.
"""

from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from invoicing.models import Invoice, InvoicePayment
from invoicing.reports import BUCKETS, ageing_summary, open_invoices, payment_day
from returns.models import Refund

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


def refunds(filters: Filters) -> QuerySet[Refund]:
    return Refund.objects.filter(order__channel_id=filters.channel_id) if filters.channel_id else Refund.objects.all()


def _refunded_rows(filters: Filters) -> list[dict]:
    """Refunds paid back in the range, per period of the day they were paid and currency."""
    paid = refunds(filters).filter(status=Refund.Status.PAID, paid_at__gte=filters.start, paid_at__lt=filters.end)
    return list(
        paid.annotate(period=period_of("paid_at", filters))
        .values("period", "currency")
        .annotate(refunds=Count("pk"), refunded=Sum("amount"))
        .order_by("period", "currency")
    )


BLANK = {"invoices": 0, "invoiced": 0, "credits": 0, "credited": 0, "paid": 0, "refunds": 0, "refunded": 0}


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

    def row_of(period, currency) -> dict:
        return merged.setdefault((period, currency), {"period": period, "currency": currency, **BLANK})

    for row in invoiced:
        row_of(row["period"], row["currency"]).update(row)
    for row in _paid_rows(filters):
        row_of(row["period"], row["invoice__currency"])["paid"] = row["paid"]
    for row in _refunded_rows(filters):
        row_of(row["period"], row["currency"]).update(refunds=row["refunds"], refunded=row["refunded"])
    rows = [merged[key] for key in sorted(merged)]
    table = Table(
        f"Invoiced, credited, paid and refunded per {filters.period}",
        ["Period", "Currency", "Invoices", "Invoiced gross", "Credit invoices", "Credited gross", "Paid",
         "Refunds paid", "Refunded"],
    )  # fmt: skip
    table.rows = [
        (period_label(r["period"], filters.period), r["currency"], r["invoices"], cents(r["invoiced"]), r["credits"],
         cents(r["credited"]), cents(r["paid"]), r["refunds"], cents(r["refunded"]))
        for r in rows
    ]  # fmt: skip
    return table, rows


IN_PROGRESS = (Refund.Status.PENDING, Refund.Status.APPROVED, Refund.Status.SENT)


def refunds_in_progress(filters: Filters) -> Table:
    """Refunds promised and not yet paid back, per currency and status, as of now (the range does not apply):
    pending approval, approved (sending), sent (a payout to confirm); failed ones (to retry) beside them."""
    rows = (
        refunds(filters)
        .filter(status__in=[*IN_PROGRESS, Refund.Status.FAILED])
        .values("currency", "status")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by("currency", "status")
    )
    per_currency: dict[str, dict] = {}
    for row in rows:  # one row per currency and status
        per_currency.setdefault(row["currency"], {})[row["status"]] = (row["n"], cents(row["amount"]))
    statuses = [*IN_PROGRESS, Refund.Status.FAILED]
    labels = dict(Refund.Status.choices)
    # One row per status (four columns, readable at any width), then what is in progress in all.
    table = Table(
        f"Refunds in progress on {timezone.localdate().isoformat()}", ["Currency", "Status", "Refunds", "Amount"]
    )
    for currency, by_status in sorted(per_currency.items()):
        cells = {s: by_status.get(s, (0, cents(0))) for s in statuses}
        table.rows.extend((currency, labels[s], *cells[s]) for s in statuses)
        open_ = [cells[s] for s in IN_PROGRESS]
        table.rows.append(
            (currency, "In progress in all", sum(n for n, _ in open_), sum((amount for _, amount in open_), cents(0)))
        )
    return table


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


def report_finance(filters: Filters) -> Page:
    per, rows = per_period(filters)
    page = Page("finance", "Financials", [per, outstanding(timezone.localdate()), refunds_in_progress(filters)])
    page.chart = _chart(filters, rows)
    page.notes.append("Outstanding and overdue are as of today, for every channel; the range does not apply.")
    page.notes.append(
        "Refunded: refunds paid back to customers, on the day they were paid (credit invoices are credited, not "
        "refunded). Refunds in progress are as of now, in the chosen channel; the range does not apply."
    )
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
