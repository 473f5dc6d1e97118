"""The shipment admin: a list with status tabs and a shipment page. Thin: forms parse, services act.

The page shows the header (number, badges, the buttons this user may use now), the lines, location and
tracking, then the sections other fulfilment features register (`fulfillment.admin_sections`). Its actions
are pages at /admin/fulfillment/shipment/<pk>/action/<slug>/ (`fulfillment.admin_actions`).
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from unfold.admin import ModelAdmin

from oms import navigation
from oms.admin_lists import KeysetListMixin

from . import admin_actions, admin_sections, selectors
from .admin_sections import ShipmentListTab, register_list_tab
from .models import Shipment

S = Shipment.Status

for _tab in (
    ShipmentListTab("not_shipped", "Not shipped", 10, Q(status=S.PENDING)),
    ShipmentListTab("on_hold", "On hold", 20, Q(selectors.active_holds(), status=S.PENDING)),
    ShipmentListTab("shipped", "Shipped", 30, Q(status=S.SHIPPED)),
    ShipmentListTab("delivered", "Delivered", 40, Q(status=S.DELIVERED)),
    ShipmentListTab("canceled", "Cancelled", 50, Q(status=S.CANCELED)),
    ShipmentListTab("all", "All", 90, Q()),
):
    if _tab.slug not in admin_sections.LIST_TABS:
        register_list_tab(_tab)
DEFAULT_TAB = "not_shipped"


class ShipmentTabFilter(admin.SimpleListFilter):
    """The status tabs above the list (hidden from the filter sidebar: an empty template)."""

    title = "status"
    parameter_name = "tab"
    template = "admin/orders/order/tab_filter.html"

    def lookups(self, request, model_admin):
        return [(tab.slug, tab.label) for tab in admin_sections.list_tabs()]

    def queryset(self, request, queryset):
        rows = selectors.shipment_list_for_tab(queryset, self.value() or DEFAULT_TAB)
        if rows is None:
            raise Http404(f"The shipment list has no tab '{self.value()}'.")
        return rows

    def choices(self, changelist):
        return []  # the tabs render the choices

    def has_output(self):
        return True  # keeps the filter active on the default tab (no ?tab=)


@admin.register(Shipment)
class ShipmentAdmin(KeysetListMixin, ModelAdmin):
    list_display = ("number", "order_link", "customer", "location", "statuses", "tracking", "created_display")
    list_display_links = ("number",)
    list_filter = (ShipmentTabFilter,)
    search_fields = ("number",)  # shows the box; the search itself is selectors.shipment_search
    search_help_text = "Shipment number (10150-S1) or order number (#10150 also finds 10150-1)."
    list_per_page = 50
    change_list_template = "admin/fulfillment/shipment/change_list.html"
    list_before_template = "admin/fulfillment/shipment/list_tabs.html"
    actions = None

    def get_queryset(self, request):
        return selectors.shipment_list_for_staff()

    def get_search_results(self, request, queryset, search_term):
        return selectors.shipment_search(queryset, search_term), False

    def has_add_permission(self, request):
        return False  # shipments are prepared from the order ("Prepare shipments")

    def has_delete_permission(self, request, obj=None):
        return False

    # --- list columns
    @admin.display(description="Order")
    def order_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:orders_order_change", args=(obj.order_id,)), obj.order)

    @admin.display(description="Customer")
    def customer(self, obj):
        return obj.order.customer.name

    @admin.display(description="Status")
    def statuses(self, obj):
        badges = [(b["tone"], b["label"]) for b in selectors.shipment_badges(obj)]
        return format_html(
            '<span class="badges">{}</span>', format_html_join("", '<span class="badge badge-{}">{}</span>', badges)
        )

    @admin.display(description="Tracking")
    def tracking(self, obj):
        if not obj.tracking_code:
            return format_html('<span class="quiet">{}</span>', obj.carrier or "—")
        if obj.tracking_url:
            return format_html(
                '{} <a href="{}" target="_blank" rel="noopener" class="mono">{}</a>',
                obj.carrier,
                obj.tracking_url,
                obj.tracking_code,
            )
        return format_html('{} <span class="mono">{}</span>', obj.carrier, obj.tracking_code)

    @admin.display(description="Created", ordering="created_at")
    def created_display(self, obj):
        return timezone.localtime(obj.created_at).strftime("%-d %b %Y, %H:%M")

    def changelist_view(self, request, extra_context=None):
        context = {"shipment_list_tabs": self._list_tabs(request), **(extra_context or {})}
        return super().changelist_view(request, context)

    def _list_tabs(self, request) -> list[dict]:
        counts = selectors.shipment_tab_counts()
        active = request.GET.get("tab", DEFAULT_TAB)
        tabs = []
        for tab in admin_sections.list_tabs():
            params = request.GET.copy()
            for name in ("p", "cursor", "tab"):
                params.pop(name, None)
            params["tab"] = tab.slug
            url = f"?{params.urlencode()}"
            tabs.append({"slug": tab.slug, "label": tab.label, "count": counts[tab.slug], "url": url,
                         "active": tab.slug == active})  # fmt: skip
        return tabs

    # --- the shipment page, its sections and its action pages
    def get_urls(self):
        view = self.admin_site.admin_view
        own = [
            path("<int:object_id>/section/<slug:slug>/", view(self.section_view), name="fulfillment_shipment_section"),
            path("<int:object_id>/action/<slug:slug>/", view(self.action_view), name="fulfillment_shipment_action"),
        ]
        urls = super().get_urls()
        return [*urls[:-1], *own, urls[-1]]

    def _shipment(self, request, object_id) -> Shipment:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        shipment = selectors.shipment_for_page(object_id)
        if shipment is None:
            raise Http404("No such shipment.")
        return shipment

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            raise Http404("No such shipment.")
        shipment = self._shipment(request, object_id)
        context = {"sections": admin_sections.render_sections(request, shipment), **(extra_context or {})}
        return self.render_page(request, shipment, title=str(shipment), template="page.html", context=context)

    def render_page(self, request, shipment, *, title: str, template: str, context=None):
        page_context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": shipment,
            "title": title,
            "shipment": shipment,
            "order": shipment.order,
            "badges": selectors.shipment_badges(shipment),
            "tools": admin_actions.tools(request, shipment),
            **(context or {}),
        }
        return TemplateResponse(request, f"admin/fulfillment/shipment/{template}", page_context)

    def section_view(self, request, object_id, slug):
        section = admin_sections.SECTIONS.get(slug)
        if section is None:
            raise Http404(f"No shipment section '{slug}'.")
        shipment = self._shipment(request, object_id)
        if not admin_sections.may_see(request.user, section) or section.post is None or request.method != "POST":
            raise PermissionDenied
        response = section.post(request, shipment)
        return response or HttpResponseRedirect(reverse("admin:fulfillment_shipment_change", args=(shipment.pk,)))

    def action_view(self, request, object_id, slug):
        action = admin_actions.ACTIONS.get(slug)
        if action is None:
            raise Http404(f"No shipment action '{slug}'.")
        return action.view(request, self._shipment(request, object_id), self)


navigation.entry("Fulfilment", "Shipments", icon="local_shipping", model="fulfillment.Shipment", position=20)
