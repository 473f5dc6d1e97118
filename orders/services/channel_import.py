"""Orders arriving from sales channels through the import API, idempotent on (channel, external id)."""

from django.db import IntegrityError, transaction

from catalog.models import Product
from oms.money import ZERO

from .. import events
from ..exceptions import UnknownProduct
from ..models import Channel, Customer, Order, OrderEvent
from .placement import LineInput, OrderInput, order_create

Source = OrderEvent.Source


def _existing(channel: Channel, external_id: str) -> Order | None:
    return Order.objects.filter(channel=channel, external_reference=external_id).first()


def _products_by_sku(lines: list[dict]) -> dict[str, Product]:
    skus = {line["sku"] for line in lines if line.get("sku")}
    products = {p.sku: p for p in Product.objects.select_related("tax_rate").filter(sku__in=skus, active=True)}
    unknown = sorted(skus - products.keys())
    if unknown:
        raise UnknownProduct(f"Unknown or inactive SKU: {', '.join(unknown)}.", details={"skus": unknown})
    return products


def _customer_for(data: dict) -> Customer:
    """The customer with this e-mail address (the oldest, should there be several), created if new."""
    customer = Customer.objects.filter(email__iexact=data["email"]).order_by("pk").first()
    if customer is None:
        customer = Customer.objects.create(
            email=data["email"], name=data["name"], company=data.get("company") or "", phone=data.get("phone") or ""
        )
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


def _create(*, channel: Channel, payload: dict, actor) -> Order:
    products = _products_by_sku(payload["lines"])
    data = OrderInput(
        channel=channel,
        customer=_customer_for(payload["customer"]),
        lines=[_line_input(line, products) for line in payload["lines"]],
        billing=payload["billing_address"],
        shipping=payload.get("shipping_address") or payload["billing_address"],
        shipping_fee=payload.get("shipping_fee") or ZERO,
        discount_amount=payload.get("discount") or ZERO,
        external_reference=payload["external_id"],
        memo=payload.get("memo") or "",
    )
    order = order_create(data=data, actor=actor, source=Source.API, place=True)
    events.order_imported_event(
        order=order, actor=actor, source=Source.API, channel=channel.code, external_reference=payload["external_id"]
    )
    return order


@transaction.atomic
def order_import(*, channel: Channel, payload: dict, actor=None) -> tuple[Order, bool]:
    """Create and place a channel's order from a validated payload; returns (order, created).

    A repeat of (channel, external_id) returns the first order unchanged. Two identical imports that
    race both pass the first lookup; the loser's insert hits the unique constraint
    `order_channel_external_reference_unique`, its savepoint rolls back everything it wrote (customer
    included) and it returns the winner's order. Raises UnknownProduct, StockUnavailable or
    OrderValidationError with nothing written. Locks: those of order_create/order_place.
    """
    existing = _existing(channel, payload["external_id"])
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return _create(channel=channel, payload=payload, actor=actor), True
    except IntegrityError:
        existing = _existing(channel, payload["external_id"])
        if existing is None:
            raise
        return existing, False
