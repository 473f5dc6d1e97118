"""Internal memos: append-only notes on an order that the customer never sees."""

from django.db import transaction

from .. import events
from ..exceptions import OrderValidationError
from ..models import Order, OrderMemo


@transaction.atomic
def order_memo_add(*, order_id: int, text: str, actor) -> OrderMemo:
    """Append a memo written by `actor` and its memo_added event.

    Lock: the order row, so that memos and events of one order are written one after the other.
    """
    order = Order.objects.select_for_update().get(pk=order_id)
    text = text.strip()
    if not text:
        raise OrderValidationError("A memo needs some text.")
    memo = OrderMemo.objects.create(order=order, author=actor, text=text)
    events.order_memo_added_event(order=order, actor=actor, memo_id=memo.pk)
    return memo
