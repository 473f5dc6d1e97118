"""The Allocations tab's reading: each product line, its allocations per location (bin, units) and what the
units are doing: still only reserved, or in a shipment not yet shipped, released to the warehouse or picked.

Shipments belong to `fulfillment`, above `orders`: they are read through related names (`shipment_lines`,
`shipment`, `pick_lines`) and the rows' own status classes, never by importing that app. Queries are constant
in the number of lines: the lines, then one prefetch per relation, then the stock levels of their products.
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch

from catalog.models import StockLevel

from ..models import Allocation, Order, OrderLine


@dataclass
class AllocationRow:
    allocation: Allocation
    bin_location: str
    # (what the units are doing, units): "Reserved", "In shipment 10042-S1 (released to warehouse)", ...
    states: list[tuple[str, int]]
    # Where the units could move: (location, sellable units there), active locations holding the product.
    targets: list[tuple[object, int]] = field(default_factory=list)


@dataclass
class LineAllocations:
    line: OrderLine
    rows: list[AllocationRow]

    @property
    def unallocated(self) -> int:
        """Open units without an allocation (should be 0: the auditor reports any)."""
        return max(self.line.quantity_open - sum(row.allocation.quantity for row in self.rows), 0)


def _shipment_state(shipment_line) -> str:
    shipment = shipment_line.shipment
    if shipment.handoff_status != shipment.Handoff.NOT_RELEASED:
        state = "released to warehouse"
    elif any(pick.status == pick.Status.PICKED for pick in shipment_line.pick_lines.all()):
        state = "picked"
    else:
        state = "not shipped"
    return f"In shipment {shipment.number} ({state})"


def _states(allocation: Allocation, shipment_lines) -> list[tuple[str, int]]:
    """The allocation's units split by what they are doing; pending shipments at its location take theirs first."""
    states, left = [], allocation.quantity
    for shipment_line in shipment_lines:
        shipment = shipment_line.shipment
        if shipment.location_id != allocation.location_id or shipment.status != shipment.Status.PENDING:
            continue
        units = min(shipment_line.quantity, left)
        if units:
            states.append((_shipment_state(shipment_line), units))
            left -= units
    if left:
        states.append(("Reserved", left))
    return states


def order_allocations_by_line(*, order: Order) -> list[LineAllocations]:
    """Each product line of the order (open or not) with its allocation rows, in line order."""
    lines = list(
        order.lines.filter(product__isnull=False)
        .order_by("position", "pk")
        .prefetch_related(
            Prefetch(
                "allocations",
                queryset=Allocation.objects.select_related("location").order_by("location__priority", "location_id"),
            ),
            Prefetch("shipment_lines", to_attr="shipment_rows"),
            "shipment_rows__shipment",
            "shipment_rows__pick_lines",
        )
    )
    levels = StockLevel.objects.filter(product_id__in={line.product_id for line in lines}).select_related("location")
    by_product: dict[int, list[StockLevel]] = {}
    for level in sorted(levels, key=lambda lv: (lv.location.priority, lv.location_id)):
        by_product.setdefault(level.product_id, []).append(level)
    result = []
    for line in lines:
        product_levels = by_product.get(line.product_id, [])
        bins = {level.location_id: level.bin_location for level in product_levels}
        rows = []
        for allocation in line.allocations.all():
            targets = [
                (level.location, max(level.sellable, 0))
                for level in product_levels
                if level.location.active and level.location_id != allocation.location_id
            ]
            states = _states(allocation, line.shipment_rows)
            rows.append(AllocationRow(allocation, bins.get(allocation.location_id, ""), states, targets))
        result.append(LineAllocations(line, rows))
    return result
