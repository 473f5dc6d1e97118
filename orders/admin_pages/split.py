"""Split order: staff pick lines and units to move into a new order of the family, with a reason."""

from django.contrib import messages
from django.shortcuts import redirect

from ..exceptions import OrderError, OrderValidationError
from ..models import SplitReason
from ..selectors.split_preview import split_preview
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
    """Choose units per line; "Preview" shows both orders' totals, "Split" commits. What was typed stays after an
    error or a preview (the form is re-rendered with it)."""
    lines = [line for line in order.lines.order_by("position", "pk") if line.quantity_active]
    entered = {line.pk: request.POST.get(f"move_{line.pk}", "0") for line in lines} if request.method == "POST" else {}
    preview, error = None, None
    if request.method == "POST":
        try:
            quantities = _quantities(request.POST, lines)
            if request.POST.get("action") == "preview":
                preview = split_preview(order=order, lines=lines, quantities=quantities)
            else:
                child = order_split(
                    order_id=order.pk,
                    quantities=quantities,
                    reason=request.POST.get("reason", ""),
                    note=request.POST.get("note", ""),
                    notify=request.POST.get("notify") == "on",
                    actor=request.user,
                )
                messages.success(request, f"Order {child.number} was split off {order.number}.")
                return redirect("admin:orders_order_change", child.pk)
        except OrderError as exc:
            error = exc.message
            messages.error(request, exc.message)
    context = {
        "rows": [{"line": line, "entered": entered.get(line.pk, "0")} for line in lines],
        "reasons": SplitReason.choices,
        "chosen_reason": request.POST.get("reason", ""),
        "note": request.POST.get("note", ""),
        "notify": request.method != "POST" or request.POST.get("notify") == "on",
        "preview": preview,
        "error": error,
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
