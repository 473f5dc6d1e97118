"""What returns registers in the orders app's guard registry (called from ReturnsConfig.ready).

- "return" and "return_request": only a placed order with shipped units has anything to return.
"""

from orders import hooks
from orders.models import Order


def returns_need_shipped_units(order, operation, change) -> str | None:
    if order.status != Order.Status.PLACED:
        return f"Order {order.number} is {order.get_status_display().lower()}; it has nothing to return."
    if order.fulfillment_status == Order.FulfillmentStatus.UNFULFILLED:
        return f"Order {order.number} has no shipped units yet; only shipped units can be returned."
    return None


def register() -> None:
    for operation in ("return", "return_request"):
        hooks.register_guard(operation, "returns.shipped_units", returns_need_shipped_units)
