"""Changing a placed order's billing or shipping address: its own action, not an edit (no new version)."""

from django.db import transaction

from notifications.models import EmailKind

from .. import events, hooks
from ..exceptions import OrderValidationError
from ..models import ADDRESS_PARTS, Order, OrderEvent
from ..notify import order_notify
from .locks import order_lock

KINDS = ("billing", "shipping")
REQUIRED = ("name", "street", "postal_code", "city", "country")


def _clean(kind: str, address: dict) -> dict:
    clean = {part: str(address.get(part, "") or "").strip() for part in ADDRESS_PARTS}
    missing = [part.replace("_", " ") for part in REQUIRED if not clean[part]]
    if missing:
        raise OrderValidationError(f"The {kind} address needs a {', '.join(missing)}.")
    clean["country"] = clean["country"].upper()
    return clean


def _one_line(address: dict) -> str:
    city = " ".join(part for part in (address["postal_code"], address["city"]) if part)
    return ", ".join(p for p in (address["name"], address["company"], address["street"], city, address["country"]) if p)


@transaction.atomic
def order_address_change(
    *,
    order_id: int,
    actor,
    addresses: dict[str, dict],
    notify: bool = True,
    source: str = OrderEvent.Source.ADMIN,
) -> Order:
    """Replace the billing and/or shipping address of a placed order (`addresses` = {"shipping": {...}}).

    Lock: `order_lock(operation="address_change")` (the order with its family root; no stock levels). Refused
    with the reason (InvalidTransition, from `orders.rules` and the "address_change" guards of `orders.hooks`)
    for drafts (their form holds the addresses), cancelled orders, once any unit was shipped, and by higher
    apps (fulfilment: a shipment handed to the warehouse). Nothing to change is refused too.
    Side effects: an address_changed event with the old and
    new address of each kind changed; the customer's e-mail (the "order edited" e-mail with a note naming the
    new address) and webhook through order_notify, unless `notify` is False for the e-mail.
    """
    unknown = set(addresses) - set(KINDS)
    if unknown or not addresses:
        raise OrderValidationError(f"Choose the billing or the shipping address (not {sorted(unknown)}).")
    order = order_lock(order_id, operation="address_change", change=addresses, actor=actor).order
    changes = {}
    for kind in KINDS:
        if kind not in addresses:
            continue
        new = _clean(kind, addresses[kind])
        old = getattr(order, f"{kind}_address")()
        if new != old:
            changes[kind] = {"old": old, "new": new}
    if not changes:
        raise OrderValidationError("The address is the same as before: nothing to change.")
    fields = [f"{kind}_{part}" for kind in changes for part in ADDRESS_PARTS]
    for kind, change in changes.items():
        for part, value in change["new"].items():
            setattr(order, f"{kind}_{part}", value)
    order._change_reason = "Address changed"
    order.save(update_fields=[*fields, "updated_at"])
    note = " ".join(
        f"Your {'delivery' if kind == 'shipping' else 'billing'} address is now: {_one_line(change['new'])}."
        for kind, change in changes.items()
    )
    with events.events_batched():  # the change's events, e-mail queued included, in one insert
        events.order_address_changed_event(order=order, actor=actor, source=source, changes=changes)
        hooks.run_hooks(hooks.HookContext("address_change", order, actor=actor, change=changes))
        order_notify(
            order=order, kind=EmailKind.ORDER_EDITED, actor=actor, extra_note=note, send_email=notify, source=source
        )
    return order
