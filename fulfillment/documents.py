"""What the printed warehouse documents show, read in a fixed number of queries (selectors; no writes).

Packing slips: the shop, the order and shipment numbers, the ship-to address, the lines with quantities,
and never a price. Pick lists: location, bins, products, quantities, and the order and shipment each line
is for. `fulfillment.pdf` renders them; the admin and the bench call both.
"""

from django.db.models import Prefetch

from .models import PickList, PickListLine, Shipment, ShipmentLine


def shipments_for_packing_slips(shipment_ids) -> list[Shipment]:
    """The shipments in the order asked for, with their order and lines (2 queries, whatever the number)."""
    lines = ShipmentLine.objects.select_related("order_line").order_by("order_line__position", "pk")
    by_pk = {
        shipment.pk: shipment
        for shipment in Shipment.objects.filter(pk__in=list(shipment_ids))
        .select_related("order", "location")
        .prefetch_related(Prefetch("lines", queryset=lines))
    }
    return [by_pk[pk] for pk in dict.fromkeys(shipment_ids) if pk in by_pk]


def pick_lists_for_print(pick_list_ids) -> list[PickList]:
    """The pick lists in the order asked for, with their lines by bin (2 queries, whatever the number)."""
    lines = PickListLine.objects.select_related("product", "shipment__order", "shipment_line__order_line").order_by(
        "bin_location", "product__sku", "shipment__order_id", "pk"
    )
    by_pk = {
        pick_list.pk: pick_list
        for pick_list in PickList.objects.filter(pk__in=list(pick_list_ids))
        .select_related("location")
        .prefetch_related(Prefetch("lines", queryset=lines))
    }
    return [by_pk[pk] for pk in dict.fromkeys(pick_list_ids) if pk in by_pk]
