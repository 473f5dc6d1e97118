"""What a report page is made of: tables (invoicing's `Report`: columns, rows, totals, CSV), an optional trend
chart and notes. Every figure comes from a grouped query; Python only turns rows into cells and fills the
empty periods of a trend with zeros (a loop over periods, never over orders).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import DateField, DecimalField
from django.db.models.functions import Trunc
from django.utils.text import slugify

from invoicing.reports import Report as Table
from oms.money import quantize

from .forms import Filters

MONEY = DecimalField(max_digits=14, decimal_places=2)
__all__ = ["Chart", "Page", "Table", "cents", "period_of", "period_label", "periods"]


@dataclass
class Chart:
    title: str
    labels: list[str]
    series: list[tuple[str, list[Decimal]]]  # (name, one value per label)
    unit: str = ""  # shown after the figures, e.g. "EUR"


@dataclass
class Page:
    key: str
    title: str
    tables: list[Table] = field(default_factory=list)
    chart: Chart | None = None
    notes: list[str] = field(default_factory=list)

    def table(self, slug: str) -> Table | None:
        return next((t for t in self.tables if table_slug(t) == slug), None)


def table_slug(table: Table) -> str:
    return slugify(table.title)


def cents(value) -> Decimal:
    """A sum as cents: PostgreSQL's numeric sums are exact; SQLite hands back float-like decimals."""
    return quantize(Decimal(value or 0))


def period_of(field_name: str, filters: Filters) -> Trunc:
    """The field cut to the filters' period (day, week from Monday, month) in the shop's time zone, as a date."""
    return Trunc(field_name, filters.period, output_field=DateField())


def period_label(day: date, period: str) -> str:
    if period == "month":
        return day.strftime("%Y-%m")
    if period == "week":
        return f"{day.isoformat()} (wk {day.isocalendar()[1]})"
    return day.isoformat()


def periods(filters: Filters) -> list[date]:
    """Every period start in the range, so that a trend shows the periods with nothing as zero."""
    first = filters.since
    if filters.period == "week":
        first -= timedelta(days=first.weekday())
    elif filters.period == "month":
        first = first.replace(day=1)
    out, day = [], first
    while day <= filters.until:
        out.append(day)
        day = _next(day, filters.period)
    return out


def _next(day: date, period: str) -> date:
    if period == "day":
        return day + timedelta(days=1)
    if period == "week":
        return day + timedelta(days=7)
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def trend(
    title: str, filters: Filters, rows: list[dict], value: Callable[[dict], Decimal], *, key: str = "currency"
) -> Chart:
    """A chart of `value(row)` per period, one series per `key` (currency), zeros where a period has no row."""
    starts = periods(filters)
    index = {day: i for i, day in enumerate(starts)}
    series: dict[str, list[Decimal]] = {}
    for row in rows:
        values = series.setdefault(str(row[key]), [Decimal(0)] * len(starts))
        if row["period"] in index:
            values[index[row["period"]]] += Decimal(value(row))
    labels = [period_label(day, filters.period) for day in starts]
    chart = Chart(title, labels, sorted(series.items()) or [("", [Decimal(0)] * len(starts))])
    if key == "currency" and len(series) == 1:
        chart.unit = next(iter(series))  # one currency: the axis says it, no legend needed
    return chart
