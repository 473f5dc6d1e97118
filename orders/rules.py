"""Whether an order's state allows an operation now, and the sentence that says why not: one check per operation.

The services (through the lock primitive, under the order lock), the API and the admin's buttons all ask
`orders.hooks.refusal`, which runs these checks before the guards other apps registered, so a refusal reads
the same everywhere. Checks of the proposed change itself (which quantities, which amount) stay in the
services; these only look at the order.
"""

from django_fsm import can_proceed

from .models import Order

S = Order.Status
F = Order.FulfillmentStatus


def _is(order: Order) -> str:
    return f"Order {order.number} is {order.get_status_display().lower()}"


def _place(order: Order) -> str | None:
    if not can_proceed(order.place):
        return f"{_is(order)} and cannot be placed."
    return None


def _cancel(order: Order) -> str | None:
    if not can_proceed(order.cancel):
        return f"{_is(order)} and cannot be cancelled."
    if order.fulfillment_status != F.UNFULFILLED:
        return f"Order {order.number} has shipped units; cancel its open lines instead of the whole order."
    return None


def _line_cancel(order: Order) -> str | None:
    if order.status != S.PLACED:
        return f"{_is(order)}; its lines cannot be cancelled."
    if order.fulfillment_status == F.FULFILLED:
        return f"Order {order.number} is fully shipped; it has no open units to cancel."
    return None


def _edit(order: Order) -> str | None:
    if order.status == S.CANCELED:
        return f"Order {order.number} is cancelled and cannot be edited."
    if order.status != S.PLACED:
        return f"Order {order.number} is a draft: change it on the order form and place it."
    if order.fulfillment_status == F.FULFILLED:
        return f"Order {order.number} is fully shipped and cannot be edited."
    return None


def _split(order: Order) -> str | None:
    if order.status == S.CANCELED:
        return f"Order {order.number} is cancelled and cannot be split."
    if order.status != S.PLACED:
        return f"Order {order.number} is a draft; only placed orders can be split."
    if order.fulfillment_status == F.FULFILLED:
        return f"Order {order.number} is fully shipped; there is nothing left to split off."
    return None


def _payment(order: Order) -> str | None:
    if order.status != S.PLACED:
        return f"{_is(order)}; payments need a placed order."
    return None


def _payment_reverse(order: Order) -> str | None:
    if order.status == S.DRAFT:
        return f"Order {order.number} is a draft; it has no payments to reverse."
    return None


def _ship(order: Order) -> str | None:
    if order.status != S.PLACED:
        return f"{_is(order)} and cannot ship."
    if order.fulfillment_status == F.FULFILLED:
        return f"Order {order.number} is fully shipped; it has nothing left to ship."
    return None


def _fulfil(order: Order) -> str | None:
    """Shipments are prepared, picked, held and handed off only for a placed order with units to ship."""
    if order.status != S.PLACED:
        return f"{_is(order)}; only placed orders are fulfilled."
    return None


def _address_change(order: Order) -> str | None:
    if order.status == S.CANCELED:
        return f"Order {order.number} is cancelled; its addresses stay as they were."
    if order.status != S.PLACED:
        return f"Order {order.number} is a draft: change its addresses on the order form."
    if order.fulfillment_status != F.UNFULFILLED:
        # Until fulfilment's guard (a shipment handed to the warehouse) takes over: once a unit left, its address
        # is history. The units still open can go to a new address through a split order.
        return f"Order {order.number} has shipped units; the address they went to cannot be changed."
    return None


def _allocation_move(order: Order) -> str | None:
    if order.status != S.PLACED:
        return f"{_is(order)}; it has no reserved stock to move."
    if order.fulfillment_status == F.FULFILLED:
        return f"Order {order.number} is fully shipped; it has no reserved stock to move."
    return None


def _draft_change(order: Order) -> str | None:
    if order.status != S.DRAFT:
        return f"Order {order.number} is no longer a draft; its lines and amounts are fixed."
    return None


STATE_CHECKS = {
    "draft_change": _draft_change,
    "place": _place,
    "cancel": _cancel,
    "line_cancel": _line_cancel,
    "edit": _edit,
    "split": _split,
    "payment": _payment,
    "payment_reverse": _payment_reverse,
    "ship": _ship,
    "fulfil": _fulfil,
    "pick": _fulfil,
    "address_change": _address_change,
    "allocation_move": _allocation_move,
}


def state_refusal(operation: str, order: Order) -> str | None:
    """The sentence refusing `operation` because of the order's state, or None (invoice, return and refund
    have no state check here: the apps that bring them register guards)."""
    check = STATE_CHECKS.get(operation)
    return check(order) if check else None
