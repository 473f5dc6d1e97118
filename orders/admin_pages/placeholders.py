"""Tabs whose features come with later issues. Each says plainly that there is nothing yet.

The app that brings a feature registers its own page under the same slug with
`replaces_placeholder=True`, which replaces the placeholder (the registry keeps one page per slug and
refuses any other duplicate; apps above `orders` register in their ready()).
Positions fix the tab order: Articles 10, Allocations 20, these 30-80, Memo 90, E-mails 100, History 110.
"""

from functools import partial

from . import OrderPage, register
from .rendering import render_order_page

PLACEHOLDERS = (
    ("pick-lists", "Pick lists", 30, "No pick lists yet."),
    ("shipments", "Shipments", 40, "No shipments yet."),
    ("invoices", "Invoices", 50, "No invoices yet."),
    ("return-requests", "Return requests", 60, "No return requests yet."),
    ("returns", "Returns", 70, "No returns yet."),
    ("refunds", "Refunds", 80, "No refunds yet."),
)


def placeholder_view(request, order, model_admin, *, slug: str, label: str, message: str):
    return render_order_page(
        request,
        order,
        model_admin,
        slug=slug,
        title=label,
        template="admin/orders/order/placeholder.html",
        context={"message": message},
    )


for _slug, _label, _position, _message in PLACEHOLDERS:
    register(
        OrderPage(
            _slug,
            _label,
            partial(placeholder_view, slug=_slug, label=_label, message=_message),
            position=_position,
            placeholder=True,
        )
    )
