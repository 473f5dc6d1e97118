"""Pending shipments follow the order: after an edit, a line cancellation, a cancellation, a split or an
allocation move, no pending shipment holds more units than are allocated.

The rule, for every (order line, location): the units in pending shipments there never exceed the line's
allocation there. The order services change allocations; these in-transaction hooks (`orders.hooks`,
registered in `FulfillmentConfig.ready()`) then trim the pending shipments not yet released to the
warehouse, newest shipment first, and cancel a shipment left with no line. They run under the operation's
order lock and in its transaction, so an operation and its trimming commit or roll back together.
Shipments released to the warehouse are never trimmed here: the hand-off guards refuse such changes first.
"""

from collections import defaultdict

from django.db.models import Sum

from orders import hooks
from orders.models import Allocation

from .. import events
from ..models import Shipment, ShipmentLine

OPERATIONS = ("edit", "line_cancel", "cancel", "split", "allocation_move")
REASONS = {
    "edit": "the order was edited",
    "line_cancel": "order lines were cancelled",
    "cancel": "the order was cancelled",
    "split": "the order was split",
    "allocation_move": "its allocation moved to another location",
}


def _key(line_id: int, product_id, location_id: int) -> tuple:
    """Units with stock are bounded per location (their allocation there); a line without a product (gift
    wrap, a service) has no stock: its pending units are bounded by its open units, wherever they ship from."""
    return (line_id, location_id if product_id else None)


def _excess(order) -> dict[tuple, int]:
    """_key → units in pending shipments beyond the allocation there (beyond the open units, without stock)."""
    allowed = {
        (a["line_id"], a["location_id"]): a["quantity"]
        for a in Allocation.objects.filter(line__order=order).values("line_id", "location_id", "quantity")
    }
    for line in order.lines.filter(product__isnull=True):
        allowed[(line.pk, None)] = line.quantity_open
    pending = (
        ShipmentLine.objects.filter(shipment__order=order, shipment__status=Shipment.Status.PENDING)
        .values("order_line_id", "order_line__product_id", "shipment__location_id")
        .annotate(units=Sum("quantity"))
    )
    excess: dict[tuple, int] = defaultdict(int)
    for row in pending:
        excess[_key(row["order_line_id"], row["order_line__product_id"], row["shipment__location_id"])] += row["units"]
    return {key: units - allowed.get(key, 0) for key, units in excess.items() if units > allowed.get(key, 0)}


def pending_shipments_trim(order, *, actor=None, source: str = "system", why: str = "") -> list[dict]:
    """Trim the order's pending, not released shipments to its allocations (see the module docstring).

    The caller holds the order lock. Returns what changed per shipment ({number, removed, canceled}).
    """
    if not Shipment.objects.filter(order=order, status=Shipment.Status.PENDING).exists():
        return []  # the common case, one statement: nothing to trim
    excess = _excess(order)
    if not excess:
        return []
    candidates = (
        ShipmentLine.objects.filter(shipment__order=order, shipment__status=Shipment.Status.PENDING,
                                    shipment__handoff_status=Shipment.Handoff.NOT_RELEASED)
        .select_related("shipment", "order_line")
        .order_by("-shipment__created_at", "-shipment_id", "-id")
    )  # fmt: skip
    removed: dict[int, list[dict]] = defaultdict(list)
    shipments = {}
    for row in candidates:
        key = _key(row.order_line_id, row.order_line.product_id, row.shipment.location_id)
        take = min(excess.get(key, 0), row.quantity)
        if not take:
            continue
        excess[key] -= take
        shipments[row.shipment_id] = row.shipment
        removed[row.shipment_id].append({"sku": row.order_line.sku, "name": row.order_line.name, "quantity": take})
        if take == row.quantity:
            row.delete()
        else:
            ShipmentLine.objects.filter(pk=row.pk).update(quantity=row.quantity - take)
    return [_settle(shipments[pk], removed[pk], order, actor, source, why) for pk in sorted(shipments)]


def _settle(shipment: Shipment, removed: list[dict], order, actor, source, why: str) -> dict:
    """Cancel a shipment left empty; record what was taken out of it."""
    canceled = not shipment.lines.exists()
    if canceled:
        shipment.cancel(reason=f"Nothing left to ship: {why}."[:200])
        shipment.save()
    events.shipment_trimmed_event(order=order, actor=actor, source=source, number=shipment.number,
                                  lines=removed, canceled=canceled, why=why)  # fmt: skip
    return {"number": shipment.number, "removed": removed, "canceled": canceled}


def _hook(context: hooks.HookContext) -> None:
    why = REASONS[context.operation]
    pending_shipments_trim(context.order, actor=context.actor, source="system", why=why)


def register() -> None:
    """From FulfillmentConfig.ready(): trim after every operation that can shrink allocations."""
    for operation in OPERATIONS:
        hooks.register_hook(operation, "fulfillment.pending_shipments_trim", _hook, when="in_transaction")
