"""The reports pages under /admin/reports/<report>/: the admin's chrome and sidebar (each_context), the filters
form, the report's tables and chart; `?csv=<table>` downloads one table as CSV with the same filters.

Staff only (admin_view: otherwise the admin login), and only with `reports.view_reports` (Manager and Finance;
anyone else gets 403). The view parses the query string, calls the report and renders; nothing else.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode

from .charts import legend, render_svg
from .csv import csv_response
from .forms import ReportFilterForm
from .queries import REPORTS
from .tables import table_slug

PERMISSION = "reports.view_reports"


def may_view_reports(request) -> bool:
    return request.user.is_active and request.user.has_perm(PERMISSION)


def report_view(request, key: str):
    if not may_view_reports(request):
        raise PermissionDenied
    kind = REPORTS.get(key)
    if kind is None:
        raise Http404("No such report.")
    form = ReportFilterForm(request.GET if request.GET else None)
    filters = form.filters()
    page = kind.build(filters)
    wanted = request.GET.get("csv")
    if wanted is not None:
        table = page.table(wanted)
        if table is None or form.errors:
            raise Http404("No such table in this report, or the filters are not valid.")
        return csv_response(key, table, filters)
    query_string = urlencode(filters.query())
    context = {
        **admin.site.each_context(request),
        "title": kind.title,
        "nav": [(k.key, k.title, f"{reverse('reports:' + k.key)}?{query_string}") for k in REPORTS.values()],
        "errors": _errors(form),
        "query_string": query_string,
        "active": key,
        "form": form,
        "filters": filters,
        "page": page,
        "tables": [(table, table_slug(table)) for table in page.tables],
        "chart_svg": render_svg(page.chart) if page.chart else "",
        "legend": legend(page.chart) if page.chart else [],
    }
    return TemplateResponse(request, "reports/report.html", context)


def _errors(form: ReportFilterForm) -> list[tuple[str, str]]:
    """(field label, message) of each filter error, for the message above the report."""
    return [
        (str(form.fields[name].label) if name in form.fields else "", str(error))
        for name, errors in form.errors.items()
        for error in errors
    ]


def reports_index(request):
    """/admin/reports/ opens the first report."""
    from django.shortcuts import redirect

    if not may_view_reports(request):
        raise PermissionDenied
    return redirect("reports:orders")
