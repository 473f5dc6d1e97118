"""The order's Shipments tab: its shipments with status, lines and tracking, and "Prepare shipments"."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from orders import hooks
from orders.admin_pages import OrderPage, register
from orders.admin_pages.rendering import render_order_page
from orders.exceptions import OrderError
from orders.models import OrderEvent

from . import selectors
from .services.shipments import shipments_create

SLUG = "shipments"


def shipments_tab(request, order, model_admin):
    """GET lists the shipments; POST prepares shipments for the allocated units not yet in one."""
    may_prepare, _ = hooks.may(request.user, "fulfil", order)
    if request.method == "POST":
        if not may_prepare:
            raise PermissionDenied
        try:
            created = shipments_create(order_id=order.pk, actor=request.user, source=OrderEvent.Source.ADMIN)
        except OrderError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Prepared " + ", ".join(s.number for s in created) + ".")
        return redirect("admin:orders_order_page", order.pk, SLUG)
    shipments = selectors.order_shipments_for_staff(order)
    for shipment in shipments:
        # The hand-off state has its own "Warehouse" fact on this tab (badge, last event), not a second badge.
        shipment.badges = [b for b in selectors.shipment_badges(shipment) if b["key"] != "handoff"]
    context = {"shipments": shipments, "may_prepare": may_prepare and selectors.has_units_to_prepare(order)}
    return render_order_page(request, order, model_admin, slug=SLUG, title="Shipments",
                             template="admin/fulfillment/order_shipments.html", context=context)  # fmt: skip


def register_tab() -> None:
    register(OrderPage(SLUG, "Shipments", shipments_tab, permission="fulfillment.view_shipment", position=40,
                       replaces_placeholder=True))  # fmt: skip
