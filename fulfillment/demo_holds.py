"""Demo data for holds and the warehouse hand-off, made through the services on the demo shop's open orders.

`holds_demo_seed()` picks placed, unshipped orders of the demo (paid and unpaid) and makes: a shipment held
for an address check, an unpaid order's shipment held automatically (the shop's "ship only paid orders"
rule, switched on for that moment and then set back), a shipment released to the warehouse, and one released
with a recall requested. It adds a warehouse connection without a token (a manager issues one in the admin).
Running it again adds nothing. `manage.py seed_holds_demo` runs it (`make seed` and `make demo` do, after
`seed_demo` and `demo_admin`, so the holds name the demo's order-desk login).
"""

from oms.models import ShopSettings, User
from orders.models import Order

from .models import Shipment, ShipmentHold, WarehouseConnection
from .services.handoff import shipment_recall_request, shipment_release
from .services.holds import shipment_hold
from .services.shipments import shipments_create

DEMO_CONNECTION = "Main warehouse WMS"


def _open_orders(payment_status: str, count: int) -> list[Order]:
    """Placed orders with every unit reserved and not in a shipment yet, oldest first."""
    return list(
        Order.objects.filter(
            status=Order.Status.PLACED,
            fulfillment_status=Order.FulfillmentStatus.UNFULFILLED,
            payment_status=payment_status,
            shipments__isnull=True,
            lines__allocations__quantity__gt=0,
        )
        .distinct()
        .order_by("placed_at", "pk")[:count]
    )


def _with_ship_only_paid(order: Order) -> list[Shipment]:
    settings = ShopSettings.load_uncached()
    before = settings.ship_only_paid_orders
    settings.ship_only_paid_orders = True
    settings._change_reason = "Demo: an unpaid order's shipment held automatically"
    settings.save()
    try:
        return shipments_create(order_id=order.pk)
    finally:
        settings.ship_only_paid_orders = before
        settings._change_reason = "Demo: back to the shop's choice"
        settings.save()


def holds_demo_seed() -> list[str]:
    """Make the demo's holds and hand-offs (see the module); returns one line per thing made."""
    if ShipmentHold.objects.exists() or Shipment.objects.exclude(handoff_status=Shipment.Handoff.NOT_RELEASED).exists():
        return []
    desk = User.objects.filter(email="desk@example.com").first()
    warehouse = User.objects.filter(email="warehouse@example.com").first()
    paid, unpaid = _open_orders(Order.PaymentStatus.PAID, 3), _open_orders(Order.PaymentStatus.UNPAID, 1)
    made = []
    if paid:
        (held,) = shipments_create(order_id=paid[0].pk, actor=warehouse)[:1]
        note = "Customer's house number is missing"
        shipment_hold(shipment_id=held.pk, reason=ShipmentHold.Reason.ADDRESS_CHECK, note=note, actor=desk)
        made.append(f"{held.number} on hold: address check")
    if unpaid:
        for shipment in _with_ship_only_paid(unpaid[0]):
            made.append(f"{shipment.number} held automatically: awaiting payment")
    for index, order in enumerate(paid[1:3]):
        shipment = shipments_create(order_id=order.pk, actor=warehouse)[0]
        shipment_release(shipment_id=shipment.pk, actor=warehouse)
        made.append(f"{shipment.number} released to the warehouse")
        if index == 1:
            shipment_recall_request(shipment_id=shipment.pk, note="The customer wants to add a line", actor=desk)
            made.append(f"{shipment.number}: recall requested")
    WarehouseConnection.objects.get_or_create(name=DEMO_CONNECTION)
    return made
