"""The General tab is the order's admin change page; this module decides its object-tool buttons."""

from django.urls import reverse

from .. import hooks
from ..models import Order
from . import PAGES
from .actions import ACTION_SLUGS

# Action pages reached from a card on the General tab (the address card's "Change"), not from the header.
CARD_ACTIONS = ("address",)


def _url(order, slug: str) -> str:
    return reverse("admin:orders_order_page", args=(order.pk, slug))


def _shown(user, page, order) -> bool:
    """A button shows only when the user may do its operation to this order now (`hooks.may`)."""
    if page.operation:
        return hooks.may(user, page.operation, order)[0]
    return order.status == Order.Status.PLACED and user.has_perm(page.permission)


def order_object_tools(request, order) -> list[dict]:
    """Buttons for what this user may do to this order now: {label, url, post[, submit_form]}."""
    actions = [PAGES[slug] for slug in ("place", "payment", "cancel")]
    others = sorted(
        (p for p in PAGES.values() if not p.tab and p.slug not in (*ACTION_SLUGS, *CARD_ACTIONS)),
        key=lambda p: p.position,
    )
    tools = []
    for page in [*actions, *others]:
        if not _shown(request.user, page, order):
            continue
        tool = {"label": page.label, "url": _url(order, page.slug), "post": False}
        if page.slug == "place":
            # Submits the draft's own form (saved, then placed), so unsaved changes are never left behind.
            tool.update(post=True, submit_form="_place")
        tools.append(tool)
    return tools


def general_view(request, order, model_admin):
    """The General tab of a placed or cancelled order: cards, lines, totals and the timeline on one page.

    A draft's General tab stays the admin's change form, where it is typed.
    """
    from django_countries import countries

    from ..forms import MemoForm
    from ..selectors.order_page import order_page_for_staff
    from .rendering import render_order_page
    from .timeline import timeline

    data = order_page_for_staff(order=order)
    may_change_address, _ = hooks.may(request.user, "address_change", order)
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
