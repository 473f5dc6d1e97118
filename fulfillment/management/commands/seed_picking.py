"""Demo pick lists on top of `seed_demo`: a finished wave, a wave with a shortage, and an open wave.

Made through the services (shipments prepared, waves generated, lines ticked), like the rest of the demo
data. Bins are given to the warehouse's stock levels that have none (a shelf label, not a stock change).
Running it again adds nothing. `make seed` runs it after `seed_demo`.
"""

from django.core.management.base import BaseCommand
from django.db.models import Exists, OuterRef

from catalog.models import StockLevel, StockLocation
from fulfillment.models import PickList, Shipment
from fulfillment.services.picking import pick_line_pick, pick_line_short, pick_list_create, pick_list_pick_all
from fulfillment.services.shipments import shipments_create
from oms.models import User
from orders.exceptions import OrderError
from orders.models import Allocation, Order

WAVE_SIZE = 3


class Command(BaseCommand):
    help = "Add demo pick lists (done, with a shortage, open) to the demo data."

    def handle(self, *args, **options):
        if PickList.objects.exists():
            self.stdout.write("Demo pick lists exist already; nothing added.")
            return
        location = StockLocation.objects.filter(kind=StockLocation.Kind.WAREHOUSE).order_by("priority", "pk").first()
        if location is None:
            self.stdout.write("No warehouse: run seed_demo first.")
            return
        _bins(location)
        actor = User.objects.filter(email="warehouse@example.com").first()
        orders = _prepare(location, actor, count=3 * WAVE_SIZE)
        waves = [orders[i : i + WAVE_SIZE] for i in range(0, len(orders), WAVE_SIZE)]
        made = []
        for kind, wave_orders in zip(("done", "short", "open"), waves, strict=False):
            wave = pick_list_create(location_id=location.pk, order_ids=wave_orders, actor=actor)
            if wave.pick_list is None:
                continue
            _tick(kind, wave.pick_list, actor)
            made.append(f"{wave.pick_list.number} ({kind})")
        self.stdout.write(f"Demo pick lists at {location.name}: {', '.join(made) or 'none'}.")


def _bins(location) -> None:
    """Aisle and shelf labels, the same on every run: A-01-1 … by product."""
    for level in StockLevel.objects.filter(location=location, bin_location="").order_by("product_id"):
        number = level.product_id
        level.bin_location = f"{'ABCD'[number % 4]}-{number % 12 + 1:02d}-{number % 3 + 1}"
        level.save(update_fields=["bin_location"])


def _prepare(location, actor, *, count: int) -> list[int]:
    """Shipments for the oldest placed, unshipped orders with units allocated at the location (no shipment yet)."""
    allocated_here = Allocation.objects.filter(line__order=OuterRef("pk"), location=location, quantity__gt=0)
    candidates = (
        Order.objects.filter(status=Order.Status.PLACED, fulfillment_status=Order.FulfillmentStatus.UNFULFILLED)
        .filter(Exists(allocated_here))
        .exclude(Exists(Shipment.objects.filter(order=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", flat=True)[: count * 3]
    )
    prepared = []
    for order_id in candidates:
        try:
            shipments = shipments_create(order_id=order_id, actor=actor)
        except OrderError:
            continue  # an order a guard holds back (unpaid, on hold): the demo takes the next one
        if any(s.location_id == location.pk for s in shipments):
            prepared.append(order_id)
        if len(prepared) == count:
            break
    return prepared


def _tick(kind: str, pick_list, actor) -> None:
    if kind == "done":
        pick_list_pick_all(pick_list_id=pick_list.pk, actor=actor)
        return
    lines = list(pick_list.lines.order_by("bin_location", "pk"))
    if kind == "short":
        pick_line_short(line_id=lines[0].pk, found=lines[0].quantity - 1, actor=actor)
        pick_list_pick_all(pick_list_id=pick_list.pk, actor=actor)
    else:
        pick_line_pick(line_id=lines[0].pk, actor=actor)  # one line ticked, the rest still open
