"""Row locks on orders, always taken in one order so that two services never wait on each other.

An order of a split family is locked together with the family's root, root first (the root is the
oldest row, so primary-key order puts it first). Services that change a family member's total also
update the root (`family_expected_adjust`); taking the root's lock up front means a split, an edit and
a line cancellation in one family queue behind each other instead of deadlocking.
"""

from ..models import Order


def order_lock_with_root(order_id: int) -> tuple[Order, Order]:
    """Lock the order and its family's root (itself when it has none); returns (order, root)."""
    root_id = Order.objects.values_list("root_id", flat=True).get(pk=order_id) or order_id
    locked = {o.pk: o for o in Order.objects.select_for_update().filter(pk__in={order_id, root_id}).order_by("pk")}
    return locked[order_id], locked[root_id]
