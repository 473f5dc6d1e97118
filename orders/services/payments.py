"""Money received for orders (invoicing will record its payments through here)."""

from decimal import Decimal

from django.db import transaction

from oms.money import quantize

from .. import events
from ..exceptions import InvalidTransition, OrderValidationError
from ..models import Order, OrderEvent, OrderPayment
from .status import order_statuses_refresh

Source = OrderEvent.Source


@transaction.atomic
def order_payment_record(
    *, order_id: int, amount: Decimal, method: str, reference: str = "", actor=None, source: str = Source.ADMIN
) -> OrderPayment:
    """Record a payment; the payment status follows, and a paid order stops its reservation clock."""
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status != Order.Status.PLACED:
        raise InvalidTransition(
            f"Order {order.number} is {order.get_status_display().lower()}; payments need a placed order."
        )
    amount = quantize(Decimal(amount))
    if amount <= 0:
        raise OrderValidationError("A payment must be a positive amount.")
    payment = OrderPayment.objects.create(order=order, amount=amount, method=method, reference=reference, actor=actor)
    order.amount_paid += amount
    changed = order_statuses_refresh(order, list(order.lines.all()))
    order.save(update_fields=["amount_paid", *changed, "updated_at"])
    events.order_payment_recorded_event(
        order=order,
        actor=actor,
        source=source,
        amount=amount,
        method=method,
        reference=reference,
        balance=order.balance_due,
    )
    return payment
