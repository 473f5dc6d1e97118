"""Split order: staff pick lines and units to move into a new order of the family, with a reason."""

from django.contrib import messages
from django.shortcuts import redirect

from ..exceptions import OrderError, OrderValidationError
from ..models import SplitReason
from ..services.split import order_split, split_refusal
from . import OrderPage, register
from .rendering import render_order_page

SLUG = "split"


def _quantities(post, lines) -> dict[int, int]:
    quantities = {}
    for line in lines:
        raw = post.get(f"move_{line.pk}", "").strip() or "0"
        try:
            quantities[line.pk] = int(raw)
        except ValueError:
            raise OrderValidationError(f"Units of '{line.name}' to move: '{raw}' is not a whole number.")
    return quantities


def split_view(request, order, model_admin):
    lines = [line for line in order.lines.order_by("position", "pk") if line.quantity_active]
    if request.method == "POST":
        try:
            child = order_split(
                order_id=order.pk,
                quantities=_quantities(request.POST, lines),
                reason=request.POST.get("reason", ""),
                note=request.POST.get("note", ""),
                notify=request.POST.get("notify") == "on",
                actor=request.user,
            )
        except OrderError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Order {child.number} was split off {order.number}.")
            return redirect("admin:orders_order_change", child.pk)
    context = {
        "lines": lines,
        "reasons": SplitReason.choices,
        "refusal": split_refusal(order),
        "family": order.family.all() if not order.root_id else order.root.family.all(),
    }
    return render_order_page(
        request, order, model_admin, slug=SLUG, title="Split order", template="admin/orders/order/split.html",
        context=context,
    )  # fmt: skip


register(
    OrderPage(
        SLUG,
        "Split order",
        split_view,
        permission="orders.split_order",
        tab=False,
        position=20,
        operation="split",
    )
)
