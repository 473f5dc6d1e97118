"""Returns in the admin: expected returns (open requests), returns, and the reasons staff manage.

Lists are lean (keyset pages, capped counts, search by number or order number); rows are written only by
the services, from the order's Returns and Return requests tabs (returns.admin_order).
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from unfold.admin import ModelAdmin

from oms import navigation
from oms.admin_lists import KeysetListMixin, ReadOnlyAdminMixin

from .models import Return, ReturnReason, ReturnRequest
from .selectors import return_list_for_staff, return_request_list_for_staff, search

TONES = {"requested": "warning", "accepted": "info", "declined": "danger", "completed": "success",
         "draft": "neutral", "processed": "success", "cancelled": "danger"}  # fmt: skip


def _badge(obj) -> str:
    return format_html('<span class="badge badge-{}">{}</span>', TONES.get(obj.status, "neutral"),
                       obj.get_status_display())  # fmt: skip


def _order_link(obj, tab: str) -> str:
    url = reverse("admin:orders_order_page", args=[obj.order_id, tab])
    return format_html('<a href="{}">{}</a>', url, obj.order.number)


class RequestStateFilter(admin.SimpleListFilter):
    """Expected returns first: without a choice the list shows the open requests."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Expected (not yet processed)"), ("completed", "Completed"), ("declined", "Declined"),
                ("all", "All")]  # fmt: skip

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {"selected": (self.value() or "open") == value, "display": label,
                   "query_string": changelist.get_query_string({self.parameter_name: value})}  # fmt: skip

    def queryset(self, request, queryset):
        value = self.value() or "open"
        if value == "open":
            return queryset.filter(status__in=ReturnRequest.OPEN)
        if value in ("completed", "declined"):
            return queryset.filter(status=value)
        return queryset


@admin.register(ReturnRequest)
class ReturnRequestAdmin(ReadOnlyAdminMixin, KeysetListMixin, ModelAdmin):
    list_display = ("number", "order_link", "customer", "status_badge", "reason", "created_at", "process_link")
    list_filter = (RequestStateFilter,)
    search_fields = ("number",)
    search_help_text = "Request number (10042-RR1, or its start) or order number."
    list_per_page = 50

    def get_queryset(self, request):
        return return_request_list_for_staff()

    def changelist_view(self, request, extra_context=None):
        open_only = request.GET.get("state", "open") == "open"
        title = "Expected returns" if open_only else "Return requests"
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def get_urls(self):
        from .admin_exchange import decision_urls  # accept/decline and the label (returns.admin_exchange)

        return decision_urls(self) + super().get_urls()

    def get_search_results(self, request, queryset, search_term):
        return search(queryset, search_term), False

    @admin.display(description="order")
    def order_link(self, obj):
        return _order_link(obj, "return-requests")

    @admin.display(description="status")
    def status_badge(self, obj):
        return _badge(obj)

    @admin.display(description="")
    def process_link(self, obj):
        if obj.status not in ReturnRequest.OPEN:
            return ""
        url = reverse("admin:orders_order_page", args=[obj.order_id, "create-return"])
        return format_html('<a href="{}?request={}">Process into a return</a>', url, obj.pk)


@admin.register(Return)
class ReturnAdmin(ReadOnlyAdminMixin, KeysetListMixin, ModelAdmin):
    list_display = ("number", "order_link", "status_badge", "credit_link", "credited_amount", "created_at")
    list_filter = ("status",)
    search_fields = ("number",)
    search_help_text = "Return number (10042-R1, or its start) or order number."
    list_per_page = 50

    def get_queryset(self, request):
        return return_list_for_staff()

    def get_search_results(self, request, queryset, search_term):
        return search(queryset, search_term), False

    @admin.display(description="order")
    def order_link(self, obj):
        return _order_link(obj, "returns")

    @admin.display(description="status")
    def status_badge(self, obj):
        return _badge(obj)

    @admin.display(description="credit invoice")
    def credit_link(self, obj):
        if not obj.credit_invoice_id:
            return ""
        url = reverse("admin:invoicing_invoice_change", args=[obj.credit_invoice_id])
        return format_html('<a href="{}">{}</a>', url, obj.credit_invoice.number)


@admin.register(ReturnReason)
class ReturnReasonAdmin(ModelAdmin):
    list_display = ("name", "code", "position", "active")
    list_editable = ("position", "active")
    prepopulated_fields = {"code": ("name",)}

    def has_delete_permission(self, request, obj=None):
        return False  # returns keep their reasons: deactivate one instead


navigation.entry("Returns and refunds", "Expected returns", icon="move_to_inbox", model="returns.ReturnRequest",
                 position=10)  # fmt: skip
navigation.entry("Returns and refunds", "Returns", icon="assignment_return", model="returns.Return", position=20)
navigation.entry("Returns and refunds", "Return reasons", icon="list", model="returns.ReturnReason", position=90)
