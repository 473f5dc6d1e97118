"""The General tab is the order's admin change page; this module decides its object-tool buttons."""

from django.urls import reverse

from ..models import Order
from . import PAGES
from .actions import ACTION_SLUGS

S = Order.Status
# Action pages reached from a card on the General tab (the address card's "Change"), not from the header.
CARD_ACTIONS = ("address",)


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
            if page.tab or page.slug in (*ACTION_SLUGS, *CARD_ACTIONS) or not user.has_perm(page.permission):
                continue
            if page.available is None or page.available(order):
                tools.append({"label": page.label, "url": _url(order, page.slug), "post": False})
    return tools


def general_view(request, order, model_admin):
    """The General tab of a placed or cancelled order: cards, lines, totals and the timeline on one page.

    A draft's General tab stays the admin's change form, where it is typed.
    """
    from django_countries import countries

    from ..forms import MemoForm
    from ..selectors.order_page import order_page_for_staff
    from .address import quick_refusal
    from .rendering import render_order_page
    from .timeline import timeline

    data = order_page_for_staff(order=order)
    may_change_address = request.user.has_perm("orders.change_order") and quick_refusal(order) is None
    context = {
        "data": data,
        "goods": order.lines_gross + order.discount_total,
        "billing_country": countries.name(order.billing_country) or order.billing_country,
        "shipping_country": countries.name(order.shipping_country) or order.shipping_country,
        "address_url": _url(order, "address") if may_change_address else "",
        "timeline": timeline(data.events, memos=data.memos, messages=data.messages),
        "memo_form": MemoForm(auto_id="general_memo_%s") if request.user.has_perm("orders.add_memo") else None,
        "family_total": sum((member.total_gross for member in data.family), order.total_gross * 0),
    }
    return render_order_page(
        request, order, model_admin, slug="general", title="General", template="admin/orders/order/general.html",
        context=context,
    )  # fmt: skip
