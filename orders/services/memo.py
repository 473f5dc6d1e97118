"""Internal memos: append-only notes on an order that the customer never sees."""

from django.db import transaction

from .. import events
from ..exceptions import OrderValidationError
from ..models import OrderMemo
from .locks import order_lock


@transaction.atomic
def order_memo_add(*, order_id: int, text: str, actor) -> OrderMemo:
    """Append a memo written by `actor` and its memo_added event.

    Lock: `order_lock(operation="memo")` (the order, no stock), so that memos and events of one order are
    written one after the other.
    """
    order = order_lock(order_id, operation="memo", actor=actor).order
    text = text.strip()
    if not text:
        raise OrderValidationError("A memo needs some text.")
    memo = OrderMemo.objects.create(order=order, author=actor, text=text)
    events.order_memo_added_event(order=order, actor=actor, memo_id=memo.pk)
    return memo
