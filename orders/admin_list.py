"""The order list's columns and its CSV export, mixed into OrderAdmin.

Only presentation lives here: which columns, how a status or an amount reads, and the CSV of the rows the
list shows. Which rows (tabs, search, filters, paging) stays with OrderAdmin's queryset and changelist, so the
export of "the current filter" is exactly the changelist's queryset.
"""

import csv
from functools import lru_cache

from django.contrib import admin
from django.http import StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language

from .admin_pages.header import TONES
from .models import Order

CSV_COLUMNS = (
    ("Number", "number"),
    ("Placed", "placed_at"),
    ("Created", "created_at"),
    ("Channel", "channel__name"),
    ("External reference", "external_reference"),
    ("Customer", "customer__name"),
    ("Company", "customer__company"),
    ("E-mail", "customer__email"),
    ("Status", "status"),
    ("Payment status", "payment_status"),
    ("Fulfilment status", "fulfillment_status"),
    ("Currency", "currency"),
    ("Total", "total_gross"),
    ("Tax", "total_tax"),
    ("Paid", "amount_paid"),
)


class _Echo:
    def write(self, value):
        return value


def csv_response(queryset, filename: str) -> StreamingHttpResponse:
    """Stream the rows as CSV (one query, read in chunks: a large export never sits in memory)."""
    writer = csv.writer(_Echo())
    fields = [field for _, field in CSV_COLUMNS]
    rows = queryset.order_by().values_list(*fields).iterator(chunk_size=2000)

    def lines():
        yield writer.writerow([label for label, _ in CSV_COLUMNS])
        for row in rows:
            yield writer.writerow(["" if value is None else value for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export_name() -> str:
    return f"orders-{timezone.localtime():%Y%m%d-%H%M}.csv"


def _badge(label: str, value: str) -> tuple[str, str]:
    return (TONES.get(value, "neutral"), label)


@lru_cache(maxsize=512)
def status_badges(status: str, payment_status: str, fulfillment_status: str, language: str | None) -> str:
    """The list's badge HTML for one combination of statuses, built once: a page of 50 orders shows a
    handful of combinations, and building the badges per row was a tenth of the list's CPU time."""
    order = Order(status=status, payment_status=payment_status, fulfillment_status=fulfillment_status)
    badges = [_badge(order.get_status_display(), status)]
    if status != Order.Status.DRAFT:
        badges.append(_badge(order.get_payment_status_display(), payment_status))
        badges.append(_badge(order.get_fulfillment_status_display(), fulfillment_status))
    return format_html(
        '<span class="badges">{}</span>', format_html_join("", '<span class="badge badge-{}">{}</span>', badges)
    )


class OrderListMixin:
    """Columns of the order list (fit 1440 px: statuses as one column of badges), CSV export action and link."""

    list_display = ("number", "customer_display", "channel", "statuses", "total_display", "placed_display")
    list_display_links = ("number",)
    actions = ("export_csv",)

    @admin.display(description="Customer", ordering="customer__name")
    def customer_display(self, obj):
        if obj.customer.company:
            # One element: at phone width the cell is a flex row, which would set name and company side by side.
            return format_html(
                '<span class="customer-cell">{}<br><span class="quiet">{}</span></span>',
                obj.customer.name,
                obj.customer.company,
            )
        return obj.customer.name

    @admin.display(description="Status")
    def statuses(self, obj):
        return status_badges(obj.status, obj.payment_status, obj.fulfillment_status, get_language())

    @admin.display(description="Total", ordering="total_gross")
    def total_display(self, obj):
        return format_html('<span class="money">{}&nbsp;{}</span>', obj.currency, obj.total_gross)

    @admin.display(description="Placed", ordering="placed_at")
    def placed_display(self, obj):
        if obj.placed_at is None:
            return format_html(
                '<span class="quiet">draft · {}</span>', timezone.localtime(obj.created_at).strftime("%-d %b %Y")
            )
        return timezone.localtime(obj.placed_at).strftime("%-d %b %Y, %H:%M")

    @admin.action(description="Export selected orders as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        return csv_response(queryset.select_related(None), _export_name())

    def export_view(self, request):
        """The CSV of what the list shows now: its tab, search and filters (every page, not only this one)."""
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        return csv_response(changelist.get_queryset(request), _export_name())

    def get_export_urls(self):
        return [path("export/", self.admin_site.admin_view(self.export_view), name="orders_order_export")]
