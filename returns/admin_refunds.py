"""Refunds in the admin: the refunds list (filters: status, mode, batch, provider) with the finance actions,
the batch review page (hold items, approve the batch) and the order's Refunds tab. Views parse input, check
the permission and call one service; the services check the permission again and lock.

Registered from `returns/admin.py`'s import (Django autodiscovers admin modules)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.admin import ModelAdmin

from oms import navigation
from oms.admin_lists import KeysetListMixin, ReadOnlyAdminMixin
from orders import hooks
from orders.admin_pages import OrderPage, register
from orders.admin_pages.rendering import render_order_page
from orders.exceptions import OrderError

from .models import Refund, RefundBatch
from .services.refund_batches import refund_batch_approve, refund_batch_hold
from .services.refunds import (
    PERMISSION,
    refund_approve,
    refund_confirm_payout,
    refund_due_settle,
    refund_retry,
)

BADGES = {"pending": "warning", "approved": "info", "sent": "info", "paid": "success", "failed": "danger"}


def status_badge(refund: Refund) -> str:
    return format_html('<span class="badge badge-{}">{}</span>', BADGES[refund.status], refund.get_status_display())


def _run(request, service, refund_ids, done: str) -> int:
    """Call `service` for each refund id; a refusal becomes a message naming the refund. Returns the successes."""
    ok = 0
    for refund_id in refund_ids:
        try:
            service(refund_id=refund_id, actor=request.user)
        except OrderError as exc:
            messages.error(request, f"Refund {refund_id}: {exc.message}")
        else:
            ok += 1
    if ok:
        messages.success(request, f"{ok} refund{'s' if ok != 1 else ''} {done}.")
    return ok


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdminMixin, KeysetListMixin, ModelAdmin):
    list_display = ("id", "created_at", "order_link", "status_display", "amount_display", "mode", "provider_code",
                    "batch", "kind")  # fmt: skip
    list_filter = ("status", "mode", "provider_code", "kind", "batch")
    list_select_related = ("order", "batch")
    search_fields = ("order__number",)
    search_help_text = "Order number."
    list_per_page = 50
    actions = ("approve_selected", "retry_selected", "confirm_selected")
    readonly_fields = [f.name for f in Refund._meta.fields]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("returns.view_refund")

    @admin.display(description="Order")
    def order_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:orders_order_page", args=[obj.order_id, "refunds"]),
                           obj.order.number)  # fmt: skip

    @admin.display(description="Status")
    def status_display(self, obj):
        return status_badge(obj)

    @admin.display(description="Amount")
    def amount_display(self, obj):
        return f"{obj.currency} {obj.amount}"

    def _may(self, request) -> None:
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied("You do not have permission to approve or send refunds.")

    @admin.action(description="Approve and send the selected refunds", permissions=["approve"])
    def approve_selected(self, request, queryset):
        _run(request, refund_approve, queryset.filter(status="pending").values_list("pk", flat=True), "approved")

    @admin.action(description="Retry the selected failed refunds", permissions=["approve"])
    def retry_selected(self, request, queryset):
        _run(request, refund_retry, queryset.filter(status="failed").values_list("pk", flat=True), "sent again")

    @admin.action(description="Confirm the selected payouts were made", permissions=["approve"])
    def confirm_selected(self, request, queryset):
        ids = queryset.filter(status="sent", provider_code=Refund.MANUAL_PROVIDER).values_list("pk", flat=True)
        _run(request, refund_confirm_payout, ids, "confirmed as paid")

    def has_approve_permission(self, request):
        return request.user.has_perm(PERMISSION)


@admin.register(RefundBatch)
class RefundBatchAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("run_date", "status", "approved_by", "approved_at")
    list_filter = ("status",)
    list_per_page = 50

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("returns.view_refundbatch")

    def get_urls(self):
        review = self.admin_site.admin_view(self.review_view)
        return [path("<int:batch_id>/review/", review, name="returns_refundbatch_review"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit() or len(str(object_id)) > 18:  # an odd id is a 404, as on every change page
            raise Http404("No such refund batch.")
        return redirect("admin:returns_refundbatch_review", object_id)

    def review_view(self, request, batch_id: int):
        """The batch's refunds with a hold box each, and "Approve batch" (finance and managers only)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        batch = get_object_or_404(RefundBatch, pk=batch_id)
        may = request.user.has_perm(PERMISSION)
        if request.method == "POST":
            if not may:
                raise PermissionDenied("You do not have permission to approve or send refunds.")
            return self._review_post(request, batch)
        refunds = batch.refunds.select_related("order", "credit_invoice").order_by("pk")
        total = sum((r.amount for r in refunds), start=0)
        context = {**self.admin_site.each_context(request), "title": str(batch), "batch": batch,
                   "refunds": refunds, "total": total, "may_decide": may,
                   "opts": self.model._meta}  # fmt: skip
        return TemplateResponse(request, "admin/returns/refundbatch/review.html", context)

    def _review_post(self, request, batch):
        try:
            if request.POST.get("action") == "hold":
                ids = [int(i) for i in request.POST.getlist("refund") if i.isdigit() and len(i) < 12]
                held = refund_batch_hold(batch_id=batch.pk, refund_ids=ids, actor=request.user)
                messages.success(request, f"{held} refund{'s' if held != 1 else ''} held for the next batch.")
            elif request.POST.get("action") == "approve":
                sent = refund_batch_approve(batch_id=batch.pk, actor=request.user)
                messages.success(request, f"{batch} approved: {sent} refund{'s' if sent != 1 else ''} being sent.")
        except OrderError as exc:
            messages.error(request, exc.message)
        return redirect("admin:returns_refundbatch_review", batch.pk)


def refunds_tab(request, order, model_admin):
    """The order's refunds (status, amount, how), the refund due, and "Refund what is owed" for finance."""
    may, reason = hooks.may(request.user, "refund", order)
    if request.method == "POST":
        if not may:
            raise PermissionDenied(reason)
        action, refund_id = request.POST.get("action", ""), request.POST.get("refund", "")
        services = {"approve": refund_approve, "retry": refund_retry, "confirm": refund_confirm_payout}
        try:
            if action == "settle":
                refund = refund_due_settle(order_id=order.pk, actor=request.user)
                messages.success(request, f"Refund {refund.pk} of {refund.currency} {refund.amount} made.")
            elif action in services and refund_id.isdigit() and order.refunds.filter(pk=refund_id).exists():
                services[action](refund_id=int(refund_id), actor=request.user)
                messages.success(request, f"Refund {refund_id}: done.")
        except OrderError as exc:
            messages.error(request, exc.message)
        return redirect("admin:orders_order_page", order.pk, "refunds")
    refunds = list(order.refunds.select_related("credit_invoice", "batch", "approved_by").order_by("-pk"))
    open_amount = sum((r.amount for r in refunds if r.status in Refund.OPEN), start=0)
    context = {"refunds": refunds, "may_decide": may, "refusal": "" if may else reason,
               "settle_amount": max(order.refund_due - open_amount, 0)}  # fmt: skip
    return render_order_page(request, order, model_admin, slug="refunds", title="Refunds",
                             template="admin/returns/order/refunds.html", context=context)  # fmt: skip


def register_admin_pages() -> None:
    register(OrderPage("refunds", "Refunds", refunds_tab, permission="returns.view_refund", position=80,
                       replaces_placeholder=True))  # fmt: skip


navigation.entry("Returns and refunds", "Refunds", icon="currency_exchange", model="returns.Refund", position=50)
navigation.entry("Returns and refunds", "Refund batches", icon="inventory", model="returns.RefundBatch", position=60)
