"""Admin for picking: pick lists (list with tabs, page with per-line Picked / Short), the warehouse work queue
with its bulk actions, the order's Pick lists tab, and the PDF downloads (pick lists, packing slips).

Views parse input, check the permission, call one service or selector and report; the services lock and
refuse. Imported from `FulfillmentConfig.ready()`.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.admin import ModelAdmin

from catalog.models import StockLocation
from oms import navigation
from oms.admin_lists import KeysetListMixin, ReadOnlyAdminMixin, capped_counts
from orders import hooks
from orders.admin_pages import OrderPage, register
from orders.admin_pages.rendering import render_order_page
from orders.exceptions import OrderError

from . import documents, pdf, work_queue
from .admin_sections import ShipmentSection, register_section
from .models import PickList, PickListLine, Shipment
from .services.picking import (
    pick_line_pick,
    pick_line_short,
    pick_list_create,
    pick_list_pick_all,
    pick_lists_create_for_order,
)
from .services.shipments import shipment_ship

PICK = "fulfillment.pick_picklist"
SHIP = "fulfillment.ship_shipment"
STATUS_BADGES = {"open": "badge-info", "done": "badge-success", "canceled": "badge-neutral", "picked": "badge-success"}
STATUS_BADGES["short"] = "badge-warning"
MAX_SELECTED = work_queue.PAGE_SIZE


def status_badge(obj) -> str:
    return format_html('<span class="badge {}">{}</span>', STATUS_BADGES.get(obj.status, ""), obj.get_status_display())


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _selected_ids(request, name: str) -> list[int]:
    values = request.POST.getlist(name)[:MAX_SELECTED]
    return [int(value) for value in values if value.isdigit() and len(value) < 12]


@admin.register(PickList)
class PickListAdmin(ReadOnlyAdminMixin, KeysetListMixin, ModelAdmin):
    """Pick lists, newest first, with Open / Done tabs; each opens on its lines with Picked / Short."""

    list_display = ("number", "location", "badge", "created_at", "created_by")
    list_filter = ("status", "location")
    list_select_related = ("location", "created_by")
    search_fields = ("number",)
    search_help_text = "Pick list number (PL-00012)."
    list_before_template = "admin/fulfillment/picklist/list_tabs.html"
    actions = ("print_selected",)

    @admin.display(description="status")
    def badge(self, obj):
        return status_badge(obj)

    def changelist_view(self, request, extra_context=None):
        base = PickList.objects.all()
        counts = capped_counts({s: base.filter(status=s) for s in ("open", "done")} | {"": base})
        current = request.GET.get("status__exact", "")
        tabs = [
            {
                "label": label,
                "count": counts[slug],
                "active": current == slug,
                "url": f"?status__exact={slug}" if slug else "?",
            }
            for slug, label in (("open", "Open"), ("done", "Done"), ("", "All"))
        ]
        return super().changelist_view(request, {**(extra_context or {}), "pick_list_tabs": tabs})

    @admin.action(description="Print selected pick lists (one PDF)")
    def print_selected(self, request, queryset):
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:MAX_SELECTED])
        return pdf_response(pdf.pick_lists_pdf(documents.pick_lists_for_print(ids)), "pick-lists.pdf")

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/pdf/", view(self.pdf_view), name="fulfillment_picklist_pdf"),
            path("<int:pk>/lines/<int:line_pk>/", view(self.line_view), name="fulfillment_picklist_line"),
            path("<int:pk>/all-picked/", view(self.all_picked_view), name="fulfillment_picklist_all_picked"),
            path("queue/", view(self.queue_view), name="fulfillment_work_queue"),
            path("queue/<int:location_id>/", view(self.queue_view), name="fulfillment_work_queue_location"),
            path("packing-slip/<int:shipment_pk>/", view(self.packing_slip_view), name="fulfillment_packing_slip"),
            *super().get_urls(),
        ]

    # --- the pick list page
    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        # an id of digits within a bigint's 18 (longer ones overflow the database's integer, an odd URL is a 404)
        ids = [int(object_id)] if object_id.isdigit() and len(object_id) <= 18 else []
        pick_list = next(iter(documents.pick_lists_for_print(ids)), None)
        if pick_list is None:
            raise Http404("No such pick list.")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(pick_list),
            "pick_list": pick_list,
            "badge": status_badge(pick_list),
            "may_pick": request.user.has_perm(PICK) and pick_list.status == PickList.Status.OPEN,
            "shipment_ids": sorted({line.shipment_id for line in pick_list.lines.all()}),
        }
        return TemplateResponse(request, "admin/fulfillment/picklist/page.html", context)

    def line_view(self, request, pk, line_pk):
        """POST: tick one line picked, or short with the quantity found."""
        if request.method != "POST":
            return redirect("admin:fulfillment_picklist_change", pk)
        if not request.user.has_perm(PICK):
            raise PermissionDenied
        if not PickListLine.objects.filter(pk=line_pk, pick_list_id=pk).exists():
            raise Http404("No such pick line.")
        try:
            if request.POST.get("action") == "short":
                line = pick_line_short(line_id=line_pk, found=request.POST.get("found", ""), actor=request.user)
                messages.warning(request, f"{line.product.sku}: {line.quantity_picked} of {line.quantity} found.")
            else:
                line = pick_line_pick(line_id=line_pk, actor=request.user)
                messages.success(request, f"{line.product.sku}: {line.quantity} picked.")
        except OrderError as refusal:
            messages.error(request, str(refusal))
        return redirect("admin:fulfillment_picklist_change", pk)

    def all_picked_view(self, request, pk):
        """POST: every open line was found in full."""
        if request.method != "POST":
            return redirect("admin:fulfillment_picklist_change", pk)
        if not request.user.has_perm(PICK):
            raise PermissionDenied
        try:
            pick_list = pick_list_pick_all(pick_list_id=pk, actor=request.user)
        except OrderError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, f"Pick list {pick_list.number} is done: every line was picked.")
        return redirect("admin:fulfillment_picklist_change", pk)

    def pdf_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        lists = documents.pick_lists_for_print([pk])
        if not lists:
            raise Http404("No such pick list.")
        return pdf_response(pdf.pick_lists_pdf(lists), f"{lists[0].number}.pdf")

    def packing_slip_view(self, request, shipment_pk):
        """One packing slip; with ?ids=1,2,3 (the pick list page) the slips of several shipments in one PDF."""
        if not request.user.has_perm("fulfillment.view_shipment"):
            raise PermissionDenied
        extra = [int(v) for v in request.GET.get("ids", "").split(",")[:MAX_SELECTED] if v.isdigit() and len(v) < 12]
        shipments = documents.shipments_for_packing_slips([shipment_pk, *extra])
        if not shipments:
            raise Http404("No such shipment.")
        name = shipments[0].number if len(shipments) == 1 else "packing-slips"
        return pdf_response(pdf.packing_slips_pdf(shipments), f"{name}.pdf")

    # --- the warehouse work queue
    def queue_view(self, request, location_id=None):
        if not request.user.has_perm(PICK):
            raise PermissionDenied
        locations = list(StockLocation.objects.order_by("priority", "pk"))
        location = next((loc for loc in locations if loc.pk == location_id), None)
        if location is None:
            if location_id is not None or not locations:
                raise Http404("No such stock location.")
            return redirect("admin:fulfillment_work_queue_location", locations[0].pk)
        if request.method == "POST":
            return self._queue_action(request, location)
        tab = request.GET.get("tab") if request.GET.get("tab") in dict(work_queue.TABS) else "pick"
        page = work_queue.work_queue_page(location.pk, tab)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Work queue · {location.name}",
            "location": location,
            "locations": locations,
            "tab": tab,
            "tabs": [{"slug": s, "label": label, "count": page.counts[s]} for s, label in work_queue.TABS],
            "page": page,
            "may_ship": request.user.has_perm(SHIP),
        }
        return TemplateResponse(request, "admin/fulfillment/work_queue.html", context)

    def _queue_action(self, request, location):
        ids = _selected_ids(request, "shipment")
        back = reverse("admin:fulfillment_work_queue_location", args=[location.pk])
        if not ids:
            messages.error(request, "Select at least one shipment.")
            return redirect(back + f"?tab={'ship' if request.POST.get('action') == 'ship' else 'pick'}")
        if request.POST.get("action") == "ship":
            return self._ship_selected(request, ids, back)
        return self._print_pick_lists(request, location, ids, back)

    def _print_pick_lists(self, request, location, ids, back):
        """Generate the wave for the selected shipments' orders, then download it with any open list they are on."""
        order_ids = Shipment.objects.filter(pk__in=ids, location=location).values_list("order_id", flat=True)
        try:
            wave = pick_list_create(location_id=location.pk, order_ids=list(order_ids), actor=request.user)
        except OrderError as refusal:
            messages.error(request, str(refusal))
            return redirect(back)
        for number, reason in wave.refused.items():
            messages.warning(request, f"Order {number} left out: {reason}")
        list_ids = work_queue.open_pick_lists_of(ids)
        if not list_ids:
            messages.info(request, "Nothing to pick: the selected shipments are picked already.")
            return redirect(back)
        if wave.pick_list:
            messages.success(request, f"Pick list {wave.pick_list.number} was made.")
        name = wave.pick_list.number if wave.pick_list else "pick-lists"
        return pdf_response(pdf.pick_lists_pdf(documents.pick_lists_for_print(list_ids)), f"{name}.pdf")

    def _ship_selected(self, request, ids, back):
        """Ship each selected shipment on its own (its own lock and transaction); report every refusal."""
        if not request.user.has_perm(SHIP):
            raise PermissionDenied
        carrier = request.POST.get("carrier", "")
        shipped, refused = [], []
        numbers = dict(Shipment.objects.filter(pk__in=ids).values_list("pk", "number"))
        for shipment_id in ids:
            if shipment_id not in numbers:
                continue
            try:
                shipment_ship(
                    shipment_id=shipment_id,
                    carrier=carrier,
                    tracking_code=request.POST.get(f"tracking_code_{shipment_id}", ""),
                    tracking_url=request.POST.get(f"tracking_url_{shipment_id}", ""),
                    actor=request.user,
                )
            except OrderError as refusal:
                refused.append(f"{numbers[shipment_id]}: {refusal}")
            else:
                shipped.append(numbers[shipment_id])
        if shipped:
            messages.success(request, f"Shipped {', '.join(shipped)}.")
        for sentence in refused:
            messages.error(request, f"Not shipped: {sentence}")
        return redirect(back + "?tab=ship")


# --- the order's Pick lists tab
def order_pick_lists_view(request, order, model_admin):
    if request.method == "POST":
        allowed, reason = hooks.may(request.user, "pick", order)
        if not allowed:
            messages.error(request, reason)
        else:
            try:
                made = pick_lists_create_for_order(order_id=order.pk, actor=request.user)
            except OrderError as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(request, f"Pick list {', '.join(p.number for p in made)} was made.")
        return redirect("admin:orders_order_page", order.pk, "pick-lists")
    lines = (
        PickListLine.objects.filter(shipment__order=order)
        .select_related("pick_list__location", "product", "shipment", "shipment_line__order_line")
        .order_by("-pick_list__created_at", "-pick_list_id", "bin_location", "pk")
    )
    pick_lists: dict[int, dict] = {}
    for line in lines:
        entry = pick_lists.setdefault(line.pick_list_id, {"pick_list": line.pick_list, "lines": []})
        entry["badge"] = status_badge(line.pick_list)
        line.badge = status_badge(line)
        entry["lines"].append(line)
    may_pick, _ = hooks.may(request.user, "pick", order)
    return render_order_page(
        request,
        order,
        model_admin,
        slug="pick-lists",
        title="Pick lists",
        template="admin/fulfillment/order_pick_lists.html",
        context={"pick_lists": list(pick_lists.values()), "may_pick": may_pick},
    )


# --- the shipment page's section (fulfillment.admin_sections)
def shipment_picking_context(request, shipment) -> dict:
    lines = shipment.pick_lines.select_related("pick_list", "product").order_by("-pick_list_id", "bin_location", "pk")
    for line in lines:
        line.badge = status_badge(line)
    return {"pick_lines": lines}


def register_admin() -> None:
    """The order tab and the sidebar entries (the admin classes register on import)."""
    register(
        OrderPage(
            "pick-lists",
            "Pick lists",
            order_pick_lists_view,
            permission="fulfillment.view_picklist",
            position=30,
            replaces_placeholder=True,
        )
    )
    navigation.entry(
        "Fulfilment",
        "Work queue",
        icon="conveyor_belt",
        url_name="admin:fulfillment_work_queue",
        permission=PICK,
        position=10,
    )
    navigation.entry("Fulfilment", "Pick lists", icon="checklist", model="fulfillment.PickList", position=30)
    register_section(
        ShipmentSection(
            "picking",
            "Picking and packing slip",
            position=40,
            template="admin/fulfillment/shipment/section_picking.html",
            context=shipment_picking_context,
        )
    )
    navigation.landing("Warehouse", "admin:fulfillment_work_queue")
