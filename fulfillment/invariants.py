"""Auditor rules of the fulfilment app (`oms.invariants`): shipments agree with allocations and shipped units."""

from django.db.models import Exists, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from catalog.invariants import listed
from oms.invariants import rule
from orders.models import Allocation, OrderLine

from .models import Shipment, ShipmentLine

S = Shipment.Status


@rule("fulfillment: pending shipment units never exceed the allocation of their line at their location")
def pending_shipments_within_allocations() -> list[str]:
    allocated = Allocation.objects.filter(
        line_id=OuterRef("order_line_id"), location_id=OuterRef("shipment__location_id")
    ).values("quantity")[:1]
    rows = (
        ShipmentLine.objects.filter(shipment__status=S.PENDING, order_line__product__isnull=False)
        .values("order_line_id", "shipment__location_id", "shipment__order__number", "order_line__sku")
        .annotate(units=Sum("quantity"), allocated=Coalesce(Subquery(allocated), Value(0)))
        .filter(units__gt=F("allocated"))
        .order_by("order_line_id", "shipment__location_id")
    )
    return listed(
        rows,
        lambda r: (
            f"order {r['shipment__order__number']} line {r['order_line_id']} {r['order_line__sku']} at "
            f"location {r['shipment__location_id']}: {r['units']} in pending shipments, {r['allocated']} allocated"
        ),
    )


@rule("fulfillment: every line's shipped units are the units of its shipped and delivered shipments")
def shipped_units_match_shipments() -> list[str]:
    # Lines of orders that have shipments: the bulk generator (bench) and the order core's own tests ship
    # through `orders.services.shipping` directly, without a shipment; everything else ships in shipments.
    sent = Q(shipment_lines__shipment__status__in=[S.SHIPPED, S.DELIVERED])
    lines = (
        OrderLine.objects.filter(Exists(Shipment.objects.filter(order_id=OuterRef("order_id"))))
        .annotate(
            in_shipments=Coalesce(Sum("shipment_lines__quantity", filter=sent), Value(0), output_field=IntegerField())
        )
        .exclude(in_shipments=F("quantity_shipped"))
        .order_by("pk")
        .values_list("order__number", "pk", "sku", "quantity_shipped", "in_shipments")
    )
    return listed(lines, lambda r: f"order {r[0]} line {r[1]} {r[2]}: {r[3]} shipped, {r[4]} in shipped shipments")
