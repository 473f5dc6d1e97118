"""Allocations tab: each line's reserved units per stock location (bin, units, what they are doing), and a
"Move" form per allocation for staff allowed to move reserved stock (`orders.move_allocation`)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from oms.bounds import QUANTITY_MAX, StrictIntegerField

from .. import hooks
from ..exceptions import OrderError
from ..models import Allocation
from ..selectors.allocations import order_allocations_by_line
from ..services.allocation_move import allocation_move
from . import OrderPage, register
from .rendering import render_order_page

SLUG = "allocations"


class AllocationMoveForm(forms.Form):
    allocation = StrictIntegerField(min_value=1, widget=forms.HiddenInput)
    to_location = StrictIntegerField(min_value=1, label="To location")
    quantity = StrictIntegerField(min_value=1, max_value=QUANTITY_MAX, label="Quantity")


def _form_errors(form: forms.Form) -> str:
    return " ".join(f"{form.fields[name].label or name}: {' '.join(errors)}" for name, errors in form.errors.items())


def _move(request, order) -> str | None:
    """Run the posted move; the error sentence, or None when it went through (a success message is queued)."""
    form = AllocationMoveForm(request.POST)
    if not form.is_valid():
        return _form_errors(form)
    data = form.cleaned_data
    allocation = Allocation.objects.filter(pk=data["allocation"], line__order=order).select_related("line").first()
    if allocation is None:
        return "Allocation: those units are no longer reserved there (moved or released meanwhile)."
    try:
        moved = allocation_move(
            order_id=order.pk,
            line_id=allocation.line_id,
            from_location_id=allocation.location_id,
            to_location_id=data["to_location"],
            quantity=data["quantity"],
            actor=request.user,
        )
    except OrderError as exc:
        return exc.message
    messages.success(request, f"Moved {data['quantity']} × {allocation.line.name} to {moved.location.name}.")
    return None


def allocations_view(request, order, model_admin):
    if request.method == "POST":
        if not request.user.has_perm("orders.move_allocation"):
            raise PermissionDenied
        error = _move(request, order)
        if error is None:
            return redirect("admin:orders_order_page", order.pk, SLUG)
        messages.error(request, error)
    may_move, refusal = hooks.may(request.user, "allocation_move", order)
    context = {
        "lines": order_allocations_by_line(order=order),
        "may_move": may_move,
        # Why the forms are missing, for staff who hold the permission (others simply see no form).
        "move_refusal": refusal if request.user.has_perm("orders.move_allocation") else "",
    }
    return render_order_page(
        request, order, model_admin, slug=SLUG, title="Allocations",
        template="admin/orders/order/allocations.html", context=context,
    )  # fmt: skip


register(OrderPage(SLUG, "Allocations", allocations_view, permission="orders.view_allocation", position=20))
