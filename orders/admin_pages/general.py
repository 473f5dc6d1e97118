"""The General tab is the order's admin change page; this module decides its object-tool buttons."""

from django.urls import reverse

from ..models import Order
from . import PAGES
from .actions import ACTION_SLUGS

S = Order.Status


def _url(order, slug: str) -> str:
    return reverse("admin:orders_order_page", args=(order.pk, slug))


def order_object_tools(request, order) -> list[dict]:
    """Buttons for what this user may do to this order now: {label, url, post[, submit_form]}."""
    user = request.user
    tools = []
    if order.status == S.DRAFT and user.has_perm("orders.place_order"):
        # Submits the draft's own form (saved, then placed), so unsaved changes are never left behind.
        tools.append({"label": "Place order", "url": _url(order, "place"), "post": True, "submit_form": "_place"})
    if order.status == S.PLACED and user.has_perm("orders.record_payment"):
        tools.append({"label": "Record payment", "url": _url(order, "payment"), "post": False})
    # A whole order can be cancelled until something ships; after that, its open lines are cancelled.
    cancellable = order.status == S.DRAFT or (
        order.status == S.PLACED and order.fulfillment_status == Order.FulfillmentStatus.UNFULFILLED
    )
    if cancellable and user.has_perm("orders.cancel_order"):
        tools.append({"label": "Cancel order", "url": _url(order, "cancel"), "post": False})
    if order.status == S.PLACED:
        # Action pages of other modules (edit, split, ...) get a button when the user may open them.
        for page in sorted(PAGES.values(), key=lambda p: (p.position, p.label)):
            if page.tab or page.slug in ACTION_SLUGS or not user.has_perm(page.permission):
                continue
            if page.available is None or page.available(order):
                tools.append({"label": page.label, "url": _url(order, page.slug), "post": False})
    return tools
