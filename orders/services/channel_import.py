"""Orders arriving from sales channels through the import API, idempotent on (channel, external id).

Idempotency lives in ChannelImport rows, written with the order: a repeat finds only orders that came
through the API for that channel (a draft typed with the same reference is not one), and compares the
canonical hash of the request body with the one stored at import.
"""

import hashlib
import json
from decimal import Decimal

from django.db import IntegrityError, transaction

from catalog.models import Product
from oms.money import ZERO

from .. import events
from ..exceptions import ExternalReferenceInUse, IdempotencyConflict, UnknownProduct
from ..models import Channel, ChannelImport, Customer, Order, OrderEvent
from .placement import LineInput, OrderInput, order_create

Source = OrderEvent.Source


def _canonical(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 2.5, 2.50 and 2.500 are one amount
    raise TypeError(f"{type(value).__name__} in an import payload")


def payload_digest(payload: dict) -> str:
    """SHA-256 of the validated payload as canonical JSON (sorted keys, amounts normalised)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_canonical)
    return hashlib.sha256(text.encode()).hexdigest()


def _repeat(channel: Channel, external_id: str, digest: str) -> Order | None:
    """The order this external id was imported as, or None; IdempotencyConflict for another body."""
    previous = ChannelImport.objects.select_related("order").filter(channel=channel, external_id=external_id).first()
    if previous is None:
        return None
    if previous.body_sha256 and previous.body_sha256 != digest:
        raise IdempotencyConflict(
            f"External id {external_id} was already imported as order {previous.order.number} with a different "
            "body. Send a new external id for a new order.",
            details={"number": previous.order.number},
        )
    return previous.order


def _refuse_typed_reference(channel: Channel, external_id: str) -> None:
    typed = Order.objects.filter(channel=channel, external_reference=external_id, channel_import__isnull=True)
    typed = typed.values_list("number", flat=True)
    number = typed.first()
    if number is not None:
        raise ExternalReferenceInUse(
            f"Order {number} was entered by staff with the reference {external_id}; it is not an imported order. "
            "Ask the shop to clear that reference, or send another external id.",
            details={"number": number},
        )


def _products_by_sku(lines: list[dict]) -> dict[str, Product]:
    skus = {line["sku"] for line in lines if line.get("sku")}
    products = {p.sku: p for p in Product.objects.select_related("tax_rate").filter(sku__in=skus, active=True)}
    unknown = sorted(skus - products.keys())
    if unknown:
        raise UnknownProduct(f"Unknown or inactive SKU: {', '.join(unknown)}.", details={"skus": unknown})
    return products


def customer_get_or_create(*, email: str, name: str, company: str = "", phone: str = "") -> Customer:
    """The one customer with this e-mail address (case and spaces ignored), created if new.

    Found through the unique index on the normalised address. Two requests creating the same new customer
    race on that index: the loser's insert fails inside its savepoint and it takes the winner's row.
    """
    customer = Customer.objects.with_email(email).first()
    if customer is not None:
        return customer
    try:
        with transaction.atomic():
            return Customer.objects.create(email=email.strip(), name=name, company=company, phone=phone)
    except IntegrityError:
        customer = Customer.objects.with_email(email).first()
        if customer is None:
            raise
        return customer


def _line_input(line: dict, products: dict[str, Product]) -> LineInput:
    if line.get("sku"):
        return LineInput(
            product=products[line["sku"]],
            quantity=line["quantity"],
            unit_price=line.get("unit_price"),  # None: the catalogue price
            discount_amount=line.get("discount") or ZERO,
        )
    return LineInput(
        name=line["name"],
        quantity=line["quantity"],
        unit_price=line["unit_price"],
        tax_rate=line["tax_rate"],
        discount_amount=line.get("discount") or ZERO,
    )


def _create(*, channel: Channel, payload: dict, digest: str, actor) -> Order:
    products = _products_by_sku(payload["lines"])
    buyer = payload["customer"]
    data = OrderInput(
        channel=channel,
        customer=customer_get_or_create(
            email=buyer["email"], name=buyer["name"], company=buyer.get("company") or "", phone=buyer.get("phone") or ""
        ),
        lines=[_line_input(line, products) for line in payload["lines"]],
        billing=payload["billing_address"],
        shipping=payload.get("shipping_address") or payload["billing_address"],
        shipping_fee=payload.get("shipping_fee") or ZERO,
        discount_amount=payload.get("discount") or ZERO,
        external_reference=payload["external_id"],
        memo=payload.get("memo") or "",
    )
    with events.events_batched():  # placement's events (its batch joins this one) and "imported": one insert
        order = order_create(data=data, actor=actor, source=Source.API, place=True)
        ChannelImport.objects.create(
            channel=channel, external_id=payload["external_id"], order=order, body_sha256=digest
        )
        events.order_imported_event(
            order=order, actor=actor, source=Source.API, channel=channel.code, external_reference=payload["external_id"]
        )
    return order


@transaction.atomic
def order_import(*, channel: Channel, payload: dict, actor=None) -> tuple[Order, bool]:
    """Create and place a channel's order from a validated payload; returns (order, created).

    A repeat of (channel, external_id) with the same body returns the first order unchanged; with another
    body it raises IdempotencyConflict naming that order. An external id that staff typed on an order of
    this channel raises ExternalReferenceInUse. Two imports that race both pass the first lookup; the
    loser's insert hits a unique constraint, its savepoint rolls back everything it wrote (customer
    included) and it answers as a repeat. Raises UnknownProduct, StockUnavailable or OrderValidationError
    with nothing written. Locks: those of order_create/order_place.
    """
    external_id, digest = payload["external_id"], payload_digest(payload)
    existing = _repeat(channel, external_id, digest)
    if existing is not None:
        return existing, False
    _refuse_typed_reference(channel, external_id)
    try:
        with transaction.atomic():
            return _create(channel=channel, payload=payload, digest=digest, actor=actor), True
    except IntegrityError:
        existing = _repeat(channel, external_id, digest)
        if existing is None:
            _refuse_typed_reference(channel, external_id)
            raise
        return existing, False
