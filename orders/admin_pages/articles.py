"""Articles tab: the lines with their quantities and money, the order totals, and cancelling units of a line.

Apps above orders say why a line cannot change through `register_line_locks(name, provider)` (from their
`AppConfig.ready()`): `provider(order) -> {line id: [sentence, ...]}`, one query for the whole order. The tab
shows each sentence as a lock badge on its line instead of the line's cancel form (fulfilment: "Line Mug is in
shipment 10150-S1, released to the warehouse: request a recall first", the sentence its guards refuse with).
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from .. import hooks
from ..exceptions import OrderError
from ..forms import LineCancelForm
from ..models import OrderEvent
from ..selectors.staff import order_lines_for_staff
from ..services.cancel import order_line_cancel
from . import OrderPage, register
from .rendering import render_order_page

SLUG = "articles"
LINE_LOCKS: dict[str, Callable] = {}


def register_line_locks(name: str, provider: Callable) -> Callable:
    """Add a provider of line locks under a unique name; a name registered twice raises ValueError."""
    if name in LINE_LOCKS:
        raise ValueError(f"Line locks named {name!r} are already registered.")
    LINE_LOCKS[name] = provider
    return provider


def _line_locks(order) -> dict[int, list[str]]:
    locks: dict[int, list[str]] = {}
    for provider in LINE_LOCKS.values():
        for line_id, sentences in provider(order).items():
            locks.setdefault(line_id, []).extend(sentences)
    return locks


def articles_view(request, order, model_admin):
    if request.method == "POST":
        return _cancel_units(request, order)
    can_cancel, _ = hooks.may(request.user, "line_cancel", order)
    locks = _line_locks(order)
    rows = [
        {
            "line": line,
            "locks": locks.get(line.pk, []),
            "cancel_form": LineCancelForm(initial={"line": line.pk, "quantity": line.quantity_open}, auto_id=False)
            if can_cancel and line.quantity_open and line.pk not in locks
            else None,
        }
        for line in order_lines_for_staff(order=order)
    ]
    return render_order_page(
        request,
        order,
        model_admin,
        slug=SLUG,
        title="Articles",
        template="admin/orders/order/articles.html",
        context={"rows": rows},
    )


def _cancel_units(request, order):
    if not request.user.has_perm(hooks.OPERATIONS["line_cancel"][0]):
        raise PermissionDenied
    form = LineCancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the number of units to cancel.")
        return redirect("admin:orders_order_page", order.pk, SLUG)
    data = form.cleaned_data
    try:
        order_line_cancel(
            order_id=order.pk,
            line_id=data["line"],
            quantity=data["quantity"],
            reason=data["reason"],
            actor=request.user,
            source=OrderEvent.Source.ADMIN,
        )
    except OrderError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{data['quantity']} unit(s) cancelled; the stock was released.")
    return redirect("admin:orders_order_page", order.pk, SLUG)


register(OrderPage(SLUG, "Articles", articles_view, position=10))
