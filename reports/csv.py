"""CSV downloads: one table of a report page, the same rows as the page shows (totals left out, so the file
reads back as data), dates as YYYY-MM-DD and amounts with two decimals and a point."""

import csv
import io

from django.http import HttpResponse
from django.utils import timezone

from .forms import Filters
from .tables import Table, table_slug


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    writer.writerows(["" if value is None else value for value in row] for row in table.rows)
    return out.getvalue()


def csv_response(key: str, table: Table, filters: Filters) -> HttpResponse:
    response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
    name = f"{key}-{table_slug(table)[:60]}-{filters.since.isoformat()}-{filters.until.isoformat()}"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response["Last-Modified"] = timezone.now().strftime("%a, %d %b %Y %H:%M:%S GMT")
    return response
