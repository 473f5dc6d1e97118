"""History tab: the OrderEvent timeline (what happened and who did it) and the row history (which fields changed)."""

from ..selectors.staff import order_row_history_for_staff
from . import OrderPage, register
from .rendering import render_order_page


def readable(value) -> str:
    """Event parameters as a sentence-like text: stock rows as "3 × SKU at location", lists joined."""
    if isinstance(value, dict):
        if {"sku", "quantity"} <= value.keys():
            where = f" at {value['location']}" if value.get("location") else ""
            return f"{value['quantity']} × {value['sku']}{where}"
        return ", ".join(f"{key.replace('_', ' ')}: {readable(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(readable(item) for item in value) or "none"
    return "" if value is None else str(value)


def _event_rows(order):
    """The timeline in sentences, newest first, as on the General tab (orders/admin_pages/timeline.py)."""
    from ..selectors.order_page import order_timeline_for_staff
    from .timeline import timeline

    events, memos, messages = order_timeline_for_staff(order=order)
    return timeline(events, memos=memos, messages=messages)


def history_view(request, order, model_admin):
    context = {"events": _event_rows(order), "row_changes": order_row_history_for_staff(order=order)}
    return render_order_page(
        request,
        order,
        model_admin,
        slug="history",
        title="History",
        template="admin/orders/order/history.html",
        context=context,
    )


register(OrderPage("history", "History", history_view, permission="orders.view_orderevent", position=110))
