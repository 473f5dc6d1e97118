"""What the return services share: parsing the typed input (before any lock) and the order lock."""

from django.core.exceptions import ValidationError

from oms import bounds
from orders.exceptions import InvalidTransition
from orders.models import Order
from orders.services.locks import Locked, order_lock

from ..exceptions import OrderNotFound, refuse
from ..models import ReturnReason


def parse_units(raw, *, label: str, maximum: int, field: str = "lines") -> int:
    """Units typed for one line (0 allowed), refused with a message naming the line."""
    try:
        return bounds.parse_quantity("0" if raw in (None, "") else raw, label=label, minimum=0, maximum=maximum)
    except ValidationError as exc:
        raise refuse(field, exc.messages[0]) from None


def parse_text(value, *, label: str, field: str, limit: int, multiline: bool = True) -> str:
    text = str(value or "").strip()
    problem = bounds.text_problem(text, multiline=multiline)
    if problem:
        raise refuse(field, f"{label}: this text {problem}")
    if len(text) > limit:
        raise refuse(field, f"{label}: at most {limit} characters ({len(text)} given).")
    return text


def reason_get(reason_id, *, field: str = "reason") -> ReturnReason:
    reason = None
    if str(reason_id or "").isdigit() and len(str(reason_id)) < 10:
        reason = ReturnReason.objects.filter(pk=int(reason_id), active=True).first()
    if reason is None:
        raise refuse(field, f"Reason: '{str(reason_id or '')[:20]}' is not one of the return reasons.")
    return reason


def lock(order_id, *, operation: str, actor, change=None, extra_product_ids=(), family_orders=None) -> Locked:
    """The order with its family root (then the family members `family_orders(order)` names; and, for
    "return", its products' stock levels and those of `extra_product_ids`, e.g. an exchange's replacements),
    or a 404."""
    if not str(order_id).isdigit() or len(str(order_id)) > 18:
        raise OrderNotFound(f"Order {str(order_id)[:20]} does not exist.")
    try:
        return order_lock(
            int(order_id), operation=operation, actor=actor, change=change, extra_product_ids=extra_product_ids,
            family_orders=family_orders,
        )  # fmt: skip
    except Order.DoesNotExist:
        raise OrderNotFound(f"Order {order_id} does not exist.") from None


def next_number(order: Order, model, infix: str) -> str:
    """The order's number with a suffix counting its requests or returns (the order is locked: no race)."""
    return f"{order.number}-{infix}{model.objects.filter(order=order).count() + 1}"


__all__ = ["InvalidTransition", "lock", "next_number", "parse_text", "parse_units", "reason_get"]
