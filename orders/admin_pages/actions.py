"""Action pages behind the order's buttons: place, cancel (record payment: payments.py). Each calls one service.

The registry wrapper in OrderAdmin has checked the page's permission (403) before these views run.
"""

from django.contrib import messages
from django.shortcuts import redirect

from .. import hooks
from ..exceptions import OrderError
from ..forms import OrderCancelForm
from ..models import OrderEvent
from ..services.cancel import order_cancel
from ..services.placement import order_place
from . import OrderPage, register
from .rendering import render_order_page

ADMIN = OrderEvent.Source.ADMIN


def _to_general(order):
    return redirect("admin:orders_order_change", order.pk)


def _run(request, order, service, success: str, **kwargs):
    """Call the service; a domain error becomes an error message and (its transaction rolled back) changes nothing."""
    try:
        service(order_id=order.pk, actor=request.user, source=ADMIN, **kwargs)
    except OrderError as exc:
        messages.error(request, str(exc))
        return False
    messages.success(request, success)
    return True


def _refused(request, order, operation: str):
    """The action is not possible now: say why (the sentence the service would give) and go back."""
    allowed, reason = hooks.may(request.user, operation, order)
    if allowed:
        return None
    messages.error(request, reason)
    return _to_general(order)


def place_view(request, order, model_admin):
    if request.method == "GET" and (refused := _refused(request, order, "place")):
        return refused
    if request.method == "POST":
        _run(request, order, order_place, f"{order} was placed and its stock reserved.")
        return _to_general(order)
    return render_order_page(
        request,
        order,
        model_admin,
        slug="place",
        title="Place order",
        template="admin/orders/order/action_form.html",
        context={"intro": "Placing freezes the prices and reserves stock for every line.", "submit": "Place order"},
    )


def _cancel_intro(order) -> str:
    intro = "Cancelling cancels every unit and releases every reservation; no shipping is owed."
    if order.amount_paid > 0:
        intro += (
            f" The customer has paid {order.currency} {order.amount_paid}: it will show as a refund due, "
            "and the cancellation e-mail says it will be refunded."
        )
    return intro


def cancel_view(request, order, model_admin):
    if request.method == "GET" and (refused := _refused(request, order, "cancel")):
        return refused
    form = OrderCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _run(request, order, order_cancel, f"{order} was cancelled.", reason=form.cleaned_data["reason"])
        return _to_general(order)
    return render_order_page(
        request,
        order,
        model_admin,
        slug="cancel",
        title="Cancel order",
        template="admin/orders/order/action_form.html",
        context={
            "form": form,
            "submit": "Cancel order",
            "intro": _cancel_intro(order),
        },
    )


for _slug, _label, _view, _operation, _position in (
    ("place", "Place order", place_view, "place", 10),
    ("cancel", "Cancel order", cancel_view, "cancel", 20),
):
    register(
        OrderPage(
            _slug,
            _label,
            _view,
            permission=hooks.OPERATIONS[_operation][0],
            tab=False,
            position=_position,
            operation=_operation,
        )
    )
ACTION_SLUGS = ("place", "cancel", "payment")
