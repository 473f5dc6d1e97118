"""Finance reports on invoices: outstanding, overdue by age, paid per month. Aggregated in the database.

Each report returns a `Report`: column titles, rows (tuples of plain values, ready for a table or a CSV
file) and totals per currency. The amounts are Decimal; nothing is summed in Python. A debit invoice's
open balance is `total_gross − amount_paid − amount_credited` (the same rule as `Invoice.balance`),
computed in SQL so that filtering and summing happen there. Overdue age is counted in whole days from
the next due date (`Invoice.next_due_date`: with a schedule, the first unpaid instalment's) to `today` (the
shop's local date), in buckets 0-30, 31-60, 61-90 and 90+ days.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from oms.money import quantize

from .models import Invoice, InvoicePayment

MONEY = DecimalField(max_digits=12, decimal_places=2)
BUCKETS = (("0-30", 0, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("90+", 91, None))


@dataclass
class Report:
    title: str
    columns: list[str]
    rows: list[tuple] = field(default_factory=list)
    totals: list[tuple] = field(default_factory=list)  # one row per currency, same columns (blank where n/a)
    summary_columns: list[str] = field(default_factory=list)  # the ageing report's buckets per currency
    summary: list[tuple] = field(default_factory=list)

    def _cells(self, rows: list[tuple]) -> list[list[tuple]]:
        return [[(value, isinstance(value, (Decimal, int))) for value in row] for row in rows]

    @property
    def table_head(self) -> list[tuple]:
        """(title, is_number) per column, from the first row's values."""
        sample = self.rows[0] if self.rows else ()
        return [
            (title, i < len(sample) and isinstance(sample[i], (Decimal, int))) for i, title in enumerate(self.columns)
        ]

    @property
    def table_rows(self) -> list[list[tuple]]:
        """(value, is_number) per cell, so the page aligns amounts right without logic in the template."""
        return self._cells(self.rows)

    @property
    def table_totals(self) -> list[list[tuple]]:
        return self._cells(self.totals)

    def csv_text(self) -> str:
        """The rows as CSV (header first; totals not included, so the file reads back as data)."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.columns)
        writer.writerows(["" if value is None else value for value in row] for row in self.rows)
        return out.getvalue()


def _cents(value) -> Decimal:
    """A sum as cents: PostgreSQL's numeric sums are exact; SQLite hands back a float-like decimal (56.9500000000)."""
    return quantize(Decimal(value or 0))


def open_invoices() -> QuerySet[Invoice]:
    balance = ExpressionWrapper(F("total_gross") - F("amount_paid") - F("amount_credited"), output_field=MONEY)
    return (
        Invoice.objects.filter(kind=Invoice.Kind.DEBIT, status__in=Invoice.OPEN)
        .annotate(open_balance=balance)
        .filter(open_balance__gt=0)
    )


def report_outstanding() -> Report:
    """Every issued invoice with money still owed on it, oldest due date first."""
    invoices = open_invoices().select_related("order").order_by(F("next_due_date").asc(nulls_last=True), "number")
    report = Report(
        "Invoices outstanding",
        ["Invoice", "Order", "Customer", "Issued", "Due", "Currency", "Total", "Paid", "Credited", "Balance"],
    )
    for inv in invoices:
        report.rows.append(
            (inv.number, inv.order.number, inv.customer_name, inv.issue_date, inv.next_due_date, inv.currency,
             inv.total_gross, inv.amount_paid, inv.amount_credited, _cents(inv.open_balance))
        )  # fmt: skip
    sums = (
        open_invoices()
        .values("currency")
        .order_by("currency")
        .annotate(
            total=Sum("total_gross"),
            paid=Sum("amount_paid"),
            credited=Sum("amount_credited"),
            balance=Sum("open_balance"),
        )
    )
    for row in sums:
        report.totals.append(
            (
                "Total",
                "",
                "",
                "",
                "",
                row["currency"],
                *(_cents(row[k]) for k in ("total", "paid", "credited", "balance")),
            )
        )
    return report


def _bucket_of(today: date):
    """A CASE giving each overdue invoice its age bucket from its due date (days overdue = today − due)."""
    whens = []
    for label, low, high in BUCKETS:
        condition = Q(next_due_date__lte=today - timedelta(days=low))
        if high is not None:
            condition &= Q(next_due_date__gte=today - timedelta(days=high))
        whens.append(When(condition, then=Value(label)))
    return Case(*whens, output_field=CharField())


def ageing_summary(today: date) -> list[tuple]:
    """(currency, balance per age bucket…, total overdue) per currency, in one grouped query (the reports
    section's financials use it too)."""
    overdue = open_invoices().filter(next_due_date__lt=today).annotate(bucket=_bucket_of(today))
    labels = [label for label, _, _ in BUCKETS]
    sums = (
        overdue.values("currency")
        .order_by("currency")
        .annotate(
            **{f"b{i}": Sum("open_balance", filter=Q(bucket=label)) for i, label in enumerate(labels)},
            balance=Sum("open_balance"),
        )
    )
    return [
        (row["currency"], *[_cents(row[f"b{i}"]) for i in range(len(labels))], _cents(row["balance"])) for row in sums
    ]


def report_ageing(today: date | None = None) -> Report:
    """Overdue invoices (due date before today, balance open) with their age, and the sum per age bucket."""
    today = today or timezone.localdate()
    overdue = open_invoices().filter(next_due_date__lt=today).annotate(bucket=_bucket_of(today))
    labels = [label for label, _, _ in BUCKETS]
    report = Report(
        "Overdue invoices by age",
        ["Invoice", "Order", "Customer", "Due", "Days overdue", "Bucket", "Currency", "Balance"],
    )
    for inv in overdue.select_related("order").order_by("next_due_date", "number"):
        report.rows.append(
            (inv.number, inv.order.number, inv.customer_name, inv.next_due_date, (today - inv.next_due_date).days,
             inv.bucket, inv.currency, _cents(inv.open_balance))
        )  # fmt: skip
    report.summary_columns = ["Currency", *labels, "Total"]
    report.summary = ageing_summary(today)
    for row in report.summary:
        report.totals.append(("Total", "", "", "", "", "", row[0], row[-1]))
    return report


def report_paid_per_period(*, since: date | None = None, until: date | None = None) -> Report:
    """Money applied to invoices per calendar month of the payment's date (reversals count negative)."""
    today = timezone.localdate()
    since = since or date(today.year - 1, today.month, 1)
    until = until or today
    base = (
        InvoicePayment.objects.filter(invoice__kind=Invoice.Kind.DEBIT)
        .annotate(day=payment_day())
        .filter(day__gte=since, day__lte=until)
    )
    months = (
        base.annotate(month=TruncMonth("day"))
        .values("month", "invoice__currency")
        .order_by("month", "invoice__currency")
        .annotate(paid=Sum("amount"), invoices=Count("invoice", distinct=True))
    )
    report = Report("Paid per month", ["Month", "Currency", "Invoices", "Amount paid"])
    for row in months:
        report.rows.append(
            (row["month"].strftime("%Y-%m"), row["invoice__currency"], row["invoices"], _cents(row["paid"]))
        )
    for row in base.values("invoice__currency").order_by("invoice__currency").annotate(total=Sum("amount")):
        report.totals.append(("Total", row["invoice__currency"], "", _cents(row["total"])))
    return report


def payment_day():
    """The day the money came in: the order payment's date (the application row's own date if it has none)."""
    return Coalesce(F("payment__paid_on"), TruncDate("created_at"), output_field=DateField())


REPORTS = {
    "outstanding": report_outstanding,
    "ageing": report_ageing,
    "paid": report_paid_per_period,
}
