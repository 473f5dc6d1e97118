"""The fulfilment part of the demo data: demo orders ship through real shipments (see `orders.demo`)."""

from django.db.models import F, Q

from catalog.models import StockMovement
from orders.demo import DemoFulfilment, register_fulfilment

from .models import Shipment
from .services.shipments import shipment_cancel, shipment_deliver, shipment_ship, shipments_create

CARRIERS = [
    ("PostNL", "https://jouw.postnl.nl/track-and-trace/{code}"),
    ("DHL", "https://www.dhl.com/nl-en/home/tracking.html?tracking-id={code}"),
]
DATES = ["created_at", "pre_announced_at", "released_at", "shipped_at", "delivered_at", "canceled_at"]


def _send(shipment: Shipment) -> Shipment:
    carrier, url = CARRIERS[shipment.pk % len(CARRIERS)]
    code = f"3S{shipment.order.number.replace('-', '')}{shipment.pk:04d}"
    return shipment_ship(shipment_id=shipment.pk, carrier=carrier, tracking_code=code,
                         tracking_url=url.format(code=code), packages=1 + shipment.pk % 2)  # fmt: skip


def demo_ship(order, quantities: dict[int, int], style: str) -> None:
    """Prepare shipments for the units and ship them; `style` as in `orders.demo`."""
    shipped = [_send(s) for s in shipments_create(order_id=order.pk, quantities=quantities)]
    if style == "deliver":
        for shipment in shipped:
            shipment_deliver(shipment_id=shipment.pk)
    elif style == "lost":
        for shipment in shipped:
            shipment_cancel(shipment_id=shipment.pk, reason="Parcel lost in transit; sent again")
        for shipment in shipments_create(order_id=order.pk, quantities=quantities):
            _send(shipment)
    elif style == "partial":
        shipments_create(order_id=order.pk)  # the rest waits in a second shipment, not shipped yet


def demo_backdate(order, offset) -> None:
    shipments = Shipment.objects.filter(order_id=order.pk)
    shipments.update(**{name: F(name) - offset for name in DATES})
    numbers = list(shipments.values_list("number", flat=True))
    if numbers:
        StockMovement.objects.filter(Q(reference__in=numbers)).update(created_at=F("created_at") - offset)


def register() -> None:
    register_fulfilment(DemoFulfilment(ship=demo_ship, backdate=demo_backdate))
