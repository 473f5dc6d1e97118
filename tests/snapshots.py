"""A snapshot of every row a refused request could have touched: compare before and after to prove nothing changed."""

from catalog.models import StockLevel, StockMovement
from notifications.models import Message, WebhookDelivery
from orders.models import Allocation, Customer, Order, OrderEvent, OrderLine, OrderPayment, StagedEdit

VALUES = {
    Order: (
        "pk", "status", "version", "shipping_fee", "discount_amount", "total_gross", "amount_paid", "payment_status",
    ),
    OrderLine: ("pk", "quantity", "quantity_canceled", "unit_price", "discount_amount", "tax_rate", "gross"),
    StockLevel: ("pk", "on_hand", "allocated", "quarantined"),
    Allocation: ("pk", "quantity"),
}  # fmt: skip
COUNTED = (StockMovement, Message, WebhookDelivery, OrderEvent, OrderPayment, Customer)


def rows_snapshot() -> dict:
    """Values of orders, lines, stock levels and allocations; counts of ledger, outbox, events, payments."""
    snapshot = {
        model.__name__: list(model.objects.order_by("pk").values_list(*fields)) for model, fields in VALUES.items()
    }
    snapshot |= {model.__name__: model.objects.count() for model in COUNTED}
    return snapshot


def staged_changes(order) -> list:
    return list(StagedEdit.objects.filter(order=order).values_list("changes", flat=True))
