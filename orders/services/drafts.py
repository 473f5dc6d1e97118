"""Drafts typed in the admin: the admin's forms build the rows, this service saves and prices them."""

from collections.abc import Sequence

from django.db import transaction

from oms.models import ShopSettings

from .. import events
from ..models import ADDRESS_PARTS, Customer, Order, OrderEvent, OrderLine
from .locks import order_lock
from .placement import customer_default_address, line_fill_from_product, order_address_set, order_draft_reprice


def _address_is_empty(order: Order, kind: str) -> bool:
    return not any(getattr(order, f"{kind}_{part}") for part in ADDRESS_PARTS)


def _fill_defaults(order: Order, shop: ShopSettings) -> None:
    """Shop settings decide the pricing basis; the customer's profile fills what the clerk left empty."""
    order.currency = shop.currency
    order.prices_include_tax = shop.prices_include_tax
    order.shipping_tax_rate = shop.default_shipping_tax_rate
    if not order.payment_terms:
        order.payment_terms = order.customer.payment_terms
    if _address_is_empty(order, "billing"):
        order_address_set(order, "billing", customer_default_address(order.customer, "billing"))
    if _address_is_empty(order, "shipping"):
        order_address_set(order, "shipping", customer_default_address(order.customer, "shipping"))


def _lock_draft(order: Order) -> int:
    """Lock the stored draft; returns the customer it is saved with."""
    return order_lock(order.pk, operation="draft_change").order.customer_id  # refused once no longer a draft


def address_as_stored(values: dict) -> dict:
    """An address (customer profile or form) as the order's fields would store it."""
    return {
        part: (values.get(part) or "")[: Order._meta.get_field(f"billing_{part}").max_length] for part in ADDRESS_PARTS
    }


def draft_address_is_default(order: Order, kind: str, customer: Customer) -> bool:
    """Whether the draft's `kind` address is the customer's default one (taken over, not typed)."""
    current = {part: getattr(order, f"{kind}_{part}") or "" for part in ADDRESS_PARTS}
    return current == address_as_stored(customer_default_address(customer, kind))


def _follow_new_customer(order: Order, previous: Customer) -> None:
    """The draft moved to another customer: what was taken over from the previous customer's profile
    (default addresses, payment terms) is emptied so the new customer's defaults fill it; what staff
    typed (an address or terms that differ from the previous customer's defaults) is kept."""
    for kind in ("billing", "shipping"):
        if draft_address_is_default(order, kind, previous):
            order_address_set(order, kind, {})
    if order.payment_terms == previous.payment_terms:
        order.payment_terms = ""


@transaction.atomic
def order_draft_save(
    *, order: Order, lines: Sequence[OrderLine], removed_lines: Sequence[OrderLine] = (), actor
) -> Order:
    """Save a new or changed draft with its new or changed lines, then reprice it.

    `order` and `lines` are unsaved or changed instances (the admin builds them from its forms);
    `removed_lines` are lines of the draft to drop. Empty addresses and payment terms take the customer's
    defaults; when the draft moves to another customer, addresses and terms that were the previous
    customer's defaults follow the new customer, typed ones stay. Lock: the order row (an existing draft is
    re-checked under the lock, so a draft placed meanwhile is refused). Writes draft_created for a
    new draft. Raises OrderValidationError (from pricing) when a discount exceeds the goods' value.
    """
    is_new = order.pk is None
    if not is_new:
        previous_customer_id = _lock_draft(order)
        if previous_customer_id != order.customer_id:
            _follow_new_customer(order, Customer.objects.get(pk=previous_customer_id))
    _fill_defaults(order, ShopSettings.load())
    if is_new:
        order.created_by = actor
    order.save()
    for line in removed_lines:
        line.delete()
    next_position = max(order.lines.values_list("position", flat=True), default=0) + 1
    for line in lines:
        line.order = order
        if not line.position:
            line.position, next_position = next_position, next_position + 1
        line_fill_from_product(line)
        line.save()
    order_draft_reprice(order_id=order.pk)
    if is_new:
        events.order_draft_created_event(order=order, actor=actor, source=OrderEvent.Source.ADMIN)
    order.refresh_from_db()
    return order
