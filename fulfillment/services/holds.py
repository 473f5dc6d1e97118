"""Holds: reasons a pending shipment must not ship yet, put on and released by staff or by the shop's rules.

Several holds can stand on one shipment at once (an address check while awaiting payment); a released hold
stays as history. While any hold stands, the "ship" guard (`ship_held_guard`, registered in
`FulfillmentConfig.ready()`) refuses shipping it with a sentence naming the holds, and the shipment cannot
be released to the warehouse (`fulfillment.services.handoff`).

Automatic holds: with the shop setting `ship_only_paid_orders`, shipments prepared for an order that is not
paid get an "awaiting payment" hold (`holds_auto_apply`, called by `shipments_create` under its lock), and
the payment that makes the order paid releases those holds (`holds_release_paid`, a "payment" hook run in
the payment's transaction, under its order lock).

Every service locks through `orders.services.locks.order_lock(operation="hold")` and reads the shipment and
its holds only after that lock (the order lock is the shipment's lock).
"""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from oms.bounds import text_problem
from oms.models import ShopSettings
from orders import events as order_events
from orders.hooks import HookContext
from orders.models import Order, OrderEvent
from orders.services.locks import order_lock

from .. import events
from ..exceptions import ShipmentError
from ..models import Shipment, ShipmentHold

Source = OrderEvent.Source
Reason = ShipmentHold.Reason
PAID = (Order.PaymentStatus.PAID, Order.PaymentStatus.REFUND_DUE)
SHIP_LATER_MAX_DAYS = 366  # a "ship later" date at most a year ahead: a later one is a typo, not a plan
NOTE_MAX = ShipmentHold._meta.get_field("note").max_length


def hold_description(hold: ShipmentHold) -> str:
    """'address check (Anna, 12 Nov)', 'ship later until 20 Nov 2026 (automatic, 12 Nov)': who and when."""
    text = hold.get_reason_display().lower()
    if hold.reason == Reason.SHIP_LATER and hold.until:
        text += f" until {_day(hold.until, year=True)}"
    if hold.note:
        text += f": {hold.note}"
    who = "automatic" if hold.automatic else _first_name(hold.created_by)
    return f"{text} ({who}, {_day(timezone.localtime(hold.created_at).date())})"


def _day(day: date, *, year: bool = False) -> str:
    return f"{day.day} {day:%b}" + (f" {day.year}" if year else "")


def _first_name(user) -> str:
    if user is None:
        return "system"
    return user.first_name or user.get_full_name() or user.email


def holds_sentence(holds: list[ShipmentHold]) -> str:
    """The one sentence every refusal because of holds says: 'On hold: address check (Anna, 12 Nov)'."""
    return "On hold: " + "; ".join(hold_description(hold) for hold in holds) + "."


def active_holds(shipment_ids) -> dict[int, list[ShipmentHold]]:
    """Standing holds by shipment id, oldest first (one query)."""
    by_shipment: dict[int, list[ShipmentHold]] = {}
    rows = ShipmentHold.objects.filter(shipment_id__in=shipment_ids, released_at__isnull=True).select_related(
        "created_by"
    )
    for hold in rows.order_by("created_at", "pk"):
        by_shipment.setdefault(hold.shipment_id, []).append(hold)
    return by_shipment


def ship_held_guard(order, operation: str, change) -> str | None:
    """Guard on "ship": a shipment with a standing hold does not ship. Asked for the whole order (no shipment
    named), it refuses only when every pending shipment is held."""
    shipment_id = change.get("shipment_id") if isinstance(change, dict) else None
    if shipment_id is not None:
        holds = active_holds([shipment_id]).get(shipment_id)
        return holds_sentence(holds) if holds else None
    pending = list(order.shipments.filter(status=Shipment.Status.PENDING).order_by("pk").values_list("pk", "number"))
    if not pending:
        return None
    held = active_holds([pk for pk, _ in pending])
    if len(held) < len(pending):
        return None
    return (
        "Every shipment is on hold: "
        + "; ".join(f"{number}: " + ", ".join(hold_description(hold) for hold in held[pk]) for pk, number in pending)
        + "."
    )


def _clean(reason: str, note: str, until: date | None) -> tuple[str, str, date | None]:
    """The hold's fields, checked; refusals name the field (ShipmentError)."""
    if reason not in Reason.values:
        raise ShipmentError(f"Reason: choose one of {', '.join(str(label) for label in Reason.labels)}.")
    note = (note or "").strip()
    problem = text_problem(note, multiline=False)
    if problem:
        raise ShipmentError(f"Note: {problem}")
    if len(note) > NOTE_MAX:
        raise ShipmentError(f"Note: at most {NOTE_MAX} characters.")
    if reason == Reason.OTHER and not note:
        raise ShipmentError("Note: say why the shipment is held (the reason is 'Other').")
    if reason != Reason.SHIP_LATER:
        return reason, note, None
    today = timezone.localdate()
    if not isinstance(until, date) or not today < until <= today + timedelta(days=SHIP_LATER_MAX_DAYS):
        raise ShipmentError(
            f"Until: for 'ship later', give a date after today, at most {SHIP_LATER_MAX_DAYS} days ahead."
        )
    return reason, note, until


def _order_of_shipment(shipment_id: int) -> int:
    try:
        return Shipment.objects.values_list("order_id", flat=True).get(pk=shipment_id)
    except Shipment.DoesNotExist:
        raise ShipmentError(f"Shipment {shipment_id} does not exist.") from None


@transaction.atomic
def shipment_hold(
    *,
    shipment_id: int,
    reason: str,
    note: str = "",
    until: date | None = None,
    actor=None,
    source: str = Source.ADMIN,
) -> ShipmentHold:
    """Put a pending shipment on hold (`reason`, a `note`, `until` for "ship later").

    Lock: `order_lock(operation="hold", change={"shipment_id": …})`, then the shipment and its holds are read.
    Refuses (ShipmentError, InvalidTransition), changing nothing: a bad field, a shipment that is not pending
    or is with the warehouse (recall it first), a hold for the same reason already standing.
    Side effects: a shipment_held event on the order's timeline.
    """
    reason, note, until = _clean(reason, note, until)
    locked = order_lock(
        _order_of_shipment(shipment_id), operation="hold", change={"shipment_id": shipment_id}, actor=actor
    )
    shipment = Shipment.objects.get(pk=shipment_id)
    if shipment.status != Shipment.Status.PENDING:
        raise ShipmentError(f"Shipment {shipment.number} is {shipment.get_status_display().lower()}; only a shipment "
                            "that has not shipped can be held.")  # fmt: skip
    if shipment.handoff_status != Shipment.Handoff.NOT_RELEASED:
        raise ShipmentError(f"Shipment {shipment.number} is released to the warehouse: request a recall first.")
    if shipment.holds.filter(reason=reason, released_at__isnull=True).exists():
        raise ShipmentError(f"Shipment {shipment.number} is already on hold for {Reason(reason).label.lower()}.")
    hold = ShipmentHold.objects.create(shipment=shipment, reason=reason, note=note, until=until, created_by=actor)
    events.shipment_held_event(order=locked.order, hold=hold, actor=actor, source=source)
    return hold


def _release(order, hold: ShipmentHold, *, actor, source: str) -> None:
    hold.released_at = timezone.now()
    hold.released_by = actor
    hold.save(update_fields=["released_at", "released_by"])
    events.shipment_hold_released_event(order=order, hold=hold, actor=actor, source=source)


@transaction.atomic
def shipment_hold_release(*, hold_id: int, actor=None, source: str = Source.ADMIN) -> ShipmentHold:
    """Release one standing hold (the shipment may ship once no other hold stands).

    Lock: `order_lock(operation="hold")` on the shipment's order, then the hold is read. Refuses
    (ShipmentError) an unknown or already released hold, changing nothing. Side effects: a
    shipment_hold_released event.
    """
    found = ShipmentHold.objects.filter(pk=hold_id).values_list("shipment_id", "shipment__order_id").first()
    if found is None:
        raise ShipmentError(f"Hold {hold_id} does not exist.")
    shipment_id, order_id = found
    locked = order_lock(order_id, operation="hold", change={"shipment_id": shipment_id}, actor=actor)
    hold = ShipmentHold.objects.select_related("shipment").get(pk=hold_id)
    if not hold.is_active:
        raise ShipmentError(f"This hold on shipment {hold.shipment.number} was already released.")
    _release(locked.order, hold, actor=actor, source=source)
    return hold


def holds_auto_apply(shipments: list[Shipment], *, actor=None, source: str = Source.SYSTEM) -> list[ShipmentHold]:
    """Hold freshly prepared shipments of an unpaid order when the shop ships only paid orders.

    For `shipments_create`, which holds the order lock (call it at its end, in its transaction). Writes one
    automatic "awaiting payment" hold and one shipment_held event per shipment, or nothing.
    """
    if not shipments or not ShopSettings.load().ship_only_paid_orders:
        return []
    order = shipments[0].order
    if order.payment_status in PAID:
        return []
    holds = ShipmentHold.objects.bulk_create(
        ShipmentHold(shipment=shipment, reason=Reason.AWAITING_PAYMENT, automatic=True) for shipment in shipments
    )
    with order_events.events_batched():
        for hold in holds:
            events.shipment_held_event(order=order, hold=hold, actor=None, source=source)
    return holds


def holds_release_paid(context: HookContext) -> None:
    """The "payment" hook (in the payment's transaction, under its order lock): once the order is paid, release
    the automatic "awaiting payment" holds of its pending shipments. A clerk's own holds stay."""
    order = context.order
    if order.payment_status not in PAID:
        return
    holds = list(
        ShipmentHold.objects.filter(
            shipment__order=order,
            shipment__status=Shipment.Status.PENDING,
            automatic=True,
            released_at__isnull=True,
        ).select_related("shipment")
    )
    with order_events.events_batched():
        for hold in holds:
            _release(order, hold, actor=context.actor, source=Source.SYSTEM)


def holds_release_due(*, today: date | None = None) -> int:
    """Release "ship later" holds whose date has come (the scheduler's job); returns how many were released.

    Each order is locked on its own (`order_lock(operation="hold", skip_locked=True)`): an order busy with
    other work is left for the next run rather than waited for.
    """
    today = today or timezone.localdate()
    due = ShipmentHold.objects.filter(reason=Reason.SHIP_LATER, until__lte=today, released_at__isnull=True)
    released = 0
    for order_id in sorted(set(due.values_list("shipment__order_id", flat=True))):
        with transaction.atomic():
            locked = order_lock(order_id, operation="hold", skip_locked=True)
            if locked is None:
                continue
            for hold in due.filter(shipment__order_id=order_id).select_related("shipment"):
                _release(locked.order, hold, actor=None, source=Source.BEAT)
                released += 1
    return released
