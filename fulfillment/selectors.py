"""What the shipment admin and the storefront read: lists, search, one shipment's page. Read-only."""

import re

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum

from oms.admin_lists import CappedCount, capped_counts
from orders.models import Allocation, Order

from .admin_sections import list_tabs
from .models import Shipment, ShipmentHold, ShipmentLine, WarehouseEvent

S = Shipment.Status

# Badge tones by value (static/oms/admin.css colours .badge-<tone>).
TONES = {
    S.PENDING: "warning",
    S.SHIPPED: "info",
    S.DELIVERED: "success",
    S.CANCELED: "danger",
    Shipment.Handoff.RELEASED: "info",
    Shipment.Handoff.RECALL_REQUESTED: "warning",
}


def active_holds() -> Exists:
    return Exists(ShipmentHold.objects.filter(shipment=OuterRef("pk"), released_at__isnull=True))


def shipment_list_for_staff() -> QuerySet[Shipment]:
    """The list's rows: one query with the order, the customer and the location; `on_hold` annotated."""
    return Shipment.objects.select_related("order", "order__customer", "location").annotate(on_hold=active_holds())


def shipment_list_for_tab(queryset: QuerySet[Shipment], slug: str) -> QuerySet[Shipment] | None:
    """The tab's shipments, or None for a tab that does not exist (the admin answers 404)."""
    for tab in list_tabs():
        if tab.slug == slug:
            return queryset.filter(tab.condition)
    return None


def shipment_tab_counts() -> dict[str, CappedCount]:
    """Every tab's count in one query, each capped (oms.admin_lists)."""
    return capped_counts({tab.slug: Shipment.objects.filter(tab.condition) for tab in list_tabs()})


# "10150-S1" (a shipment), "#10150" / "10150-1" (an order and the orders split off it).
_SHIPMENT_NUMBER = re.compile(r"#?\s*(\d+(?:-\d+)*-S\d+)", re.IGNORECASE)
_ORDER_NUMBER = re.compile(r"#?\s*(\d+(?:-\d+)*)")


def shipment_search(queryset: QuerySet[Shipment], term: str) -> QuerySet[Shipment]:
    """Search by shipment number or by order number; each an index lookup (unique numbers), never a scan."""
    term = term.strip()
    if not term:
        return queryset
    if match := _SHIPMENT_NUMBER.fullmatch(term):
        return queryset.filter(number=match.group(1).upper())
    if match := _ORDER_NUMBER.fullmatch(term):
        number = match.group(1)
        orders = Order.objects.filter(Q(number=number) | Q(number__startswith=f"{number}-")).values("pk")
        return queryset.filter(order_id__in=orders)
    return queryset.none()


def shipment_for_page(pk) -> Shipment | None:
    """One shipment with what its page shows: order, customer, location, lines with their order lines."""
    lines = ShipmentLine.objects.select_related("order_line").order_by("order_line__position", "id")
    return (
        Shipment.objects.select_related("order", "order__customer", "order__channel", "location")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .annotate(on_hold=active_holds())
        .filter(pk=pk)
        .first()
    )


def shipment_badges(shipment: Shipment) -> list[dict]:
    """Status, hand-off (once released) and hold badges; `on_hold` comes annotated (no query)."""
    badges = [{"key": "status", "label": shipment.get_status_display(), "tone": TONES[shipment.status]}]
    if shipment.handoff_status != Shipment.Handoff.NOT_RELEASED:
        tone = TONES[shipment.handoff_status]
        badges.append({"key": "handoff", "label": shipment.get_handoff_status_display(), "tone": tone})
    if shipment.status == S.PENDING and getattr(shipment, "on_hold", False):
        badges.append({"key": "hold", "label": "On hold", "tone": "danger"})
    if shipment.pre_announced_at and shipment.status == S.PENDING:
        badges.append({"key": "pre_announced", "label": "Pre-announced", "tone": "neutral"})
    return badges


def order_shipments_for_staff(order) -> list[Shipment]:
    """The order's shipments, oldest first, with their lines and locations (three queries), each annotated
    with its last warehouse event (`last_event_at`, `last_event_type`) in the same query as the shipment."""
    lines = ShipmentLine.objects.select_related("order_line").order_by("order_line__position", "id")
    last = WarehouseEvent.objects.filter(shipment=OuterRef("pk")).order_by("-received_at", "-id")
    shipments = list(
        order.shipments.select_related("location")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .annotate(
            on_hold=active_holds(),
            last_event_at=Subquery(last.values("received_at")[:1]),
            last_event_type=Subquery(last.values("type")[:1]),
        )
        .order_by("created_at", "id")
    )
    for shipment in shipments:
        shipment.warehouse = warehouse_state(shipment)
    return shipments


EVENT_LABELS = dict(WarehouseEvent.Type.choices)


def warehouse_state(shipment: Shipment) -> dict:
    """The hand-off as the order desk sees it: a badge (hand-off status), what the warehouse last said, and
    its last event's kind and time (annotated by `order_shipments_for_staff`; none before any event)."""
    state = shipment.handoff_status
    last_type = getattr(shipment, "last_event_type", None)
    return {
        "label": shipment.get_handoff_status_display(),
        "tone": TONES.get(state, "neutral"),
        "says": shipment.warehouse_status,
        "last_event": EVENT_LABELS.get(last_type, last_type or ""),
        "last_event_at": getattr(shipment, "last_event_at", None),
        "shown": state != Shipment.Handoff.NOT_RELEASED or bool(last_type),
    }


def has_units_to_prepare(order) -> bool:
    """Whether the order holds reserved units (or units without stock) outside its pending shipments."""
    reserved = Allocation.objects.filter(line__order=order).aggregate(n=Sum("quantity"))["n"] or 0
    stockless = sum(line.quantity_open for line in order.lines.filter(product__isnull=True))
    pending = ShipmentLine.objects.filter(shipment__order=order, shipment__status=S.PENDING)
    return reserved + stockless > (pending.aggregate(n=Sum("quantity"))["n"] or 0)


def shipments_for_customer(order) -> list[Shipment]:
    """What the customer sees of an order's shipments: prepared or shipped ones, not the cancelled."""
    lines = ShipmentLine.objects.select_related("order_line").order_by("order_line__position", "id")
    shipments = order.shipments.exclude(status=S.CANCELED).prefetch_related(Prefetch("lines", queryset=lines))
    return list(shipments.order_by("created_at", "id"))
