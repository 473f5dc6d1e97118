"""The pay-link side of the Invoicing admin: the finance reports page and the document access log.

Reports (Invoicing › Reports), Finance and Manager only: one page with a tab per report;
`?report=ageing&format=csv` downloads what the tab shows. The view only parses the query string, checks
the permission and calls `invoicing.reports`. The access log list is read-only (rows are only appended
by the views that serve PDFs); the invoice page shows each invoice's own rows as one of its sections.
"""

from datetime import date

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from unfold.admin import ModelAdmin

from oms import navigation
from oms.admin_lists import KeysetListMixin, ReadOnlyAdminMixin

from . import admin_sections
from .access_log import access_log_section_html
from .models import DocumentAccess, InvoiceReport
from .reports import REPORTS, report_paid_per_period

TABS = (("outstanding", "Outstanding"), ("ageing", "Overdue by age"), ("paid", "Paid per month"))


def _month(value: str | None, default: date) -> tuple[date, str]:
    """A "YYYY-MM" from the query string as the month's first day; anything else keeps the default, said so."""
    if not value:
        return default, ""
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1), ""
    except (ValueError, TypeError):
        return default, f"“{value[:20]}” is not a month such as 2026-01; showing the default period."


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


@admin.register(InvoiceReport)
class InvoiceReportAdmin(ReadOnlyAdminMixin, ModelAdmin):
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("invoicing.view_invoicereport")

    def get_urls(self):
        # The reports page only: InvoiceReport has no table, so there is no row to open, change or delete.
        view = self.admin_site.admin_view(self.changelist_view)
        return [path("", view, name="invoicing_invoicereport_changelist")]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        key = request.GET.get("report") if request.GET.get("report") in REPORTS else "outstanding"
        report, period, warning = self._report(key, request.GET)
        if request.GET.get("format") == "csv":
            response = HttpResponse(report.csv_text(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="invoices-{key}-{timezone.localdate()}.csv"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Invoice reports",
            "tabs": TABS,
            "active": key,
            "report": report,
            "period": period,
            "warning": warning,
            "csv_query": {**request.GET.dict(), "report": key, "format": "csv"},
        }
        return TemplateResponse(request, "admin/invoicing/reports.html", context)

    def _report(self, key: str, query):
        if key != "paid":
            return REPORTS[key](), None, ""
        today = timezone.localdate()
        since, warn_since = _month(query.get("from"), date(today.year - 1, today.month, 1))
        until, warn_until = _month(query.get("to"), date(today.year, today.month, 1))
        if until < since:
            since, until = until, since
        report = report_paid_per_period(since=since, until=_next_month(until).replace(day=1) - date.resolution)
        period = {"from": since.strftime("%Y-%m"), "to": until.strftime("%Y-%m")}
        return report, period, warn_since or warn_until


@admin.register(DocumentAccess)
class DocumentAccessAdmin(ReadOnlyAdminMixin, KeysetListMixin, ModelAdmin):
    list_display = ("created_at", "invoice", "channel", "user", "ip_address", "user_agent")
    list_filter = ("channel",)
    list_select_related = ("invoice", "user")
    search_fields = ("invoice__number",)
    search_help_text = "An invoice or credit invoice number, e.g. INV-2026-000123."
    change_list_template = "admin/invoicing/documentaccess/change_list.html"

    def get_search_results(self, request, queryset, search_term):
        # Exact number only: a LIKE over millions of rows would be a full scan.
        term = search_term.strip()
        return (queryset.filter(invoice__number=term) if term else queryset), False


navigation.entry("Invoicing", "Reports", icon="monitoring", model="invoicing.InvoiceReport", position=80)
navigation.entry("Invoicing", "Document access log", icon="visibility", model="invoicing.DocumentAccess", position=90)
admin_sections.register_section("access-log", "Document access", access_log_section_html)
