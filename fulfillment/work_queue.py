"""The warehouse work queue: a location's pending shipments to pick and to ship, oldest promise first.

Selectors only (the admin page and its bulk actions call the picking and shipment services). A fixed
number of queries whatever the number of shipments or lines: the rows (one page, LIMIT), their lines,
their open pick lists, and the capped tab counts in one query.
"""

from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet

from oms.admin_lists import CappedCount, capped_counts

from .models import PickList, PickListLine, Shipment, ShipmentHold, ShipmentLine

PAGE_SIZE = 100
TABS = (("pick", "To pick"), ("ship", "To ship"))


def _live_pick_line(**outer) -> QuerySet:
    return PickListLine.objects.filter(**outer).exclude(pick_list__status=PickList.Status.CANCELED)


def queue_shipments(location_id: int) -> QuerySet:
    """Pending shipments at the location, annotated with what the warehouse still has to do with them.

    `needs_list`: a line on no live pick list; `picking`: a line open on an open pick list; `held`: an
    active hold. To pick = needs_list or picking; to ship = every line picked (or found short).
    """
    untaken = ShipmentLine.objects.filter(shipment=OuterRef("pk")).exclude(
        Exists(_live_pick_line(shipment_line=OuterRef("pk")))
    )
    open_line = PickListLine.objects.filter(
        shipment=OuterRef("pk"), status=PickListLine.Status.OPEN, pick_list__status=PickList.Status.OPEN
    )
    return Shipment.objects.filter(location_id=location_id, status=Shipment.Status.PENDING).annotate(
        needs_list=Exists(untaken),
        picking=Exists(open_line),
        held=Exists(ShipmentHold.objects.filter(shipment=OuterRef("pk"), released_at__isnull=True)),
    )


def _tab_filter(tab: str) -> Q:
    to_pick = Q(needs_list=True) | Q(picking=True)
    return to_pick if tab == "pick" else ~to_pick


@dataclass
class QueuePage:
    rows: list[Shipment]
    more: bool
    counts: dict[str, CappedCount]


def work_queue_page(location_id: int, tab: str) -> QueuePage:
    """One page of the tab, oldest promised date first (no date last), then oldest order; 4 queries."""
    shipments = queue_shipments(location_id)
    lines = ShipmentLine.objects.select_related("order_line").order_by("order_line__position", "pk")
    open_picks = PickListLine.objects.filter(pick_list__status=PickList.Status.OPEN).select_related("pick_list")
    rows = list(
        shipments.filter(_tab_filter(tab))
        .select_related("order")
        .prefetch_related(Prefetch("lines", queryset=lines), Prefetch("pick_lines", queryset=open_picks))
        .order_by(F("promised_date").asc(nulls_last=True), "order__placed_at", "order_id", "pk")[: PAGE_SIZE + 1]
    )
    counts = capped_counts({slug: shipments.filter(_tab_filter(slug)) for slug, _ in TABS})
    return QueuePage(rows=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE, counts=counts)


def open_pick_lists_of(shipment_ids) -> list[int]:
    """The open pick lists that hold lines of these shipments (to print them again with a new wave)."""
    return list(
        PickList.objects.filter(status=PickList.Status.OPEN, lines__shipment_id__in=list(shipment_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )
