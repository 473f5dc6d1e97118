"""The order's Deliveries tab: whether each downstream system received the order's webhook events."""

from notifications.selectors import webhook_delivery_list_for_topic, webhook_endpoint_summary_for_topic

from . import OrderPage, register
from .rendering import render_order_page


def deliveries_view(request, order, model_admin):
    return render_order_page(
        request,
        order,
        model_admin,
        slug="deliveries",
        title="Deliveries",
        template="admin/orders/order/emails_deliveries.html",
        context={
            "endpoints": webhook_endpoint_summary_for_topic(topic="order", topic_id=order.pk),
            "deliveries": webhook_delivery_list_for_topic(topic="order", topic_id=order.pk),
        },
    )


register(OrderPage(slug="deliveries", label="Deliveries", view=deliveries_view, position=110))
