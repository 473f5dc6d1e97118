"""Money received for orders (invoicing will record its payments through here)."""

from decimal import Decimal

from django.db import transaction

from oms.money import quantize

from .. import events, hooks
from ..exceptions import OrderValidationError
from ..models import OrderEvent, OrderPayment
from .locks import order_lock
from .status import order_statuses_refresh

Source = OrderEvent.Source


@transaction.atomic
def order_payment_record(
    *, order_id: int, amount: Decimal, method: str, reference: str = "", actor=None, source: str = Source.ADMIN
) -> OrderPayment:
    """Record a payment; the payment status follows, and a paid order stops its reservation clock.

    Lock: `order_lock(operation="payment")`, the order with its family root (no stock). Refuses with the
    "payment" state check or a guard's sentence (InvalidTransition) and a non-positive amount
    (OrderValidationError), changing nothing. Side effects: PAYMENT_RECORDED event, the "payment" hooks.
    """
    amount = quantize(Decimal(amount))
    if amount <= 0:
        raise OrderValidationError("A payment must be a positive amount.")
    order = order_lock(order_id, operation="payment", change=amount, actor=actor).order
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
    hooks.run_hooks(hooks.HookContext("payment", order, actor=actor, change=payment))
    return payment
