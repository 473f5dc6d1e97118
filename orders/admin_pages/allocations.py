"""Allocations tab: the units of each line reserved at each stock location."""

from ..selectors.staff import order_allocations_for_staff
from . import OrderPage, register
from .rendering import render_order_page


def allocations_view(request, order, model_admin):
    return render_order_page(
        request,
        order,
        model_admin,
        slug="allocations",
        title="Allocations",
        template="admin/orders/order/allocations.html",
        context={"allocations": order_allocations_for_staff(order=order)},
    )


register(OrderPage("allocations", "Allocations", allocations_view, permission="orders.view_allocation", position=20))
