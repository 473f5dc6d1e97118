"""Return requests: a customer announces which shipped units come back, why, with a comment.

A request never changes stock or money. Lock: `order_lock(operation="return_request")` (the order and its
family root; no stock levels). Processing a return made from a request completes it (returns.services.returns).
"""

from django.db import transaction

from oms.bounds import RETURN_COMMENT_MAX
from orders import hooks
from orders.models import OrderEvent

from .. import events
from ..exceptions import OrderNotFound, refuse
from ..models import ReturnRequest, ReturnRequestLine
from ..selectors import line_units
from .common import lock, next_number, parse_text, parse_units, reason_get

Source = OrderEvent.Source


@transaction.atomic
def return_request_create(
    *, order_id, customer, quantities: dict, reason_id, comment: str = "", actor=None,
    source: str = Source.STOREFRONT,
) -> ReturnRequest:  # fmt: skip
    """Register the customer's return request for `quantities` {order line id: units} of shipped units.

    Only units that shipped, did not come back and are not on another open request can be requested.
    Refused, changing nothing: another customer's order (as not found), an order with nothing shipped, a
    line not of this order, too many units, no units at all, an unknown reason, a bad comment.
    """
    reason = reason_get(reason_id)
    comment = parse_text(comment, label="Comment", field="comment", limit=RETURN_COMMENT_MAX)
    locked = lock(order_id, operation="return_request", actor=actor, change=quantities)
    order = locked.order
    if customer is None or order.customer_id != customer.pk:
        raise OrderNotFound(f"Order {order_id} does not exist.")
    chosen = _chosen_units(order, quantities)
    request = ReturnRequest.objects.create(
        number=next_number(order, ReturnRequest, "RR"), order=order, customer=order.customer, reason=reason,
        comment=comment, created_by=actor,
    )  # fmt: skip
    ReturnRequestLine.objects.bulk_create(
        ReturnRequestLine(request=request, order_line=row.line, quantity=units) for row, units in chosen
    )
    rows = [{"quantity": units, "name": row.line.name} for row, units in chosen]
    events.return_requested_event(request=request, rows=rows, actor=actor, source=source)
    hooks.run_hooks(hooks.HookContext("return_request", order, actor=actor, change=request))
    return request


def _chosen_units(order, quantities: dict) -> list:
    by_id = {str(row.line.pk): row for row in line_units(order)}
    chosen = []
    for key, raw in (quantities or {}).items():
        row = by_id.get(str(key))
        if row is None:
            raise refuse("lines", f"Lines: {str(key)[:20]} is not a shipped line of order {order.number}.")
        units = parse_units(raw, label=f"Units of {row.line.name[:40]}", maximum=row.requestable)
        if units:
            chosen.append((row, units))
    if not chosen:
        raise refuse("lines", "Choose at least one shipped unit to return.")
    return chosen
