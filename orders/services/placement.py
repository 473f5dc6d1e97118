"""Creating, pricing and placing orders."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from catalog.models import Product
from oms.models import ShopSettings
from oms.money import ZERO

from .. import events, hooks
from ..exceptions import OrderValidationError
from ..models import ADDRESS_PARTS, Address, Channel, Customer, Order, OrderEvent, OrderLine, PaymentTerms
from ..notify import order_notify
from ..pricing import LINE_AMOUNT_FIELDS, TOTAL_FIELDS, order_price
from .allocation import allocation_sync
from .locks import order_lock, stock_lock
from .rows import row_create_keyed, rows_create, rows_update
from .status import order_statuses_refresh

Source = OrderEvent.Source


@dataclass
class LineInput:
    quantity: int
    product: Product | None = None
    name: str = ""
    sku: str = ""
    unit_price: Decimal | None = None  # default: the product's catalogue price
    tax_rate: Decimal | None = None  # default: the product's tax rate
    discount_amount: Decimal = ZERO


@dataclass
class OrderInput:
    channel: Channel
    customer: Customer
    lines: list[LineInput]
    billing: dict = field(default_factory=dict)
    shipping: dict = field(default_factory=dict)
    shipping_fee: Decimal = ZERO
    discount_amount: Decimal = ZERO
    external_reference: str = ""
    memo: str = ""


ORDER_NUMBER_BASE = 10000  # an order's number is this plus its key (also in SQL: _insert_with_number)


def order_number_for(order: Order) -> str:
    return str(ORDER_NUMBER_BASE + order.pk)


def customer_default_address(customer: Customer, kind: str, addresses: list[Address] | None = None) -> dict:
    """The customer's default billing or shipping address as order fields (`addresses`: already fetched)."""
    if addresses is None:
        addresses = list(customer.addresses.all())
    flag = "is_default_billing" if kind == "billing" else "is_default_shipping"
    address = next((a for a in addresses if getattr(a, flag)), addresses[0] if addresses else None)
    if address is None:
        return {"name": customer.name, "company": customer.company}
    return {part: getattr(address, part) for part in ADDRESS_PARTS}


def order_address_set(order: Order, kind: str, values: dict) -> None:
    for part in ADDRESS_PARTS:
        setattr(order, f"{kind}_{part}", (values.get(part) or "")[: Order._meta.get_field(f"{kind}_{part}").max_length])


def line_fill_from_product(line: OrderLine) -> None:
    """Copy the catalogue's name, SKU, price and tax rate onto a product line where they are not set."""
    product = line.product
    if product is None:
        return
    line.sku = line.sku or product.sku
    line.name = line.name or product.name
    if line.unit_price is None:
        line.unit_price = product.unit_price
    if line.tax_rate is None:
        line.tax_rate = product.tax_rate.rate


def _build_line(order: Order, position: int, data: LineInput) -> OrderLine:
    if data.quantity is None or data.quantity < 1:
        raise OrderValidationError(f"Line {position}: the quantity must be at least 1.")
    line = OrderLine(
        order=order,
        position=position,
        product=data.product,
        sku=data.sku,
        name=data.name,
        quantity=data.quantity,
        unit_price=data.unit_price,
        tax_rate=data.tax_rate,
        discount_amount=data.discount_amount or ZERO,
    )
    line_fill_from_product(line)
    if line.product is None and (not line.name or line.unit_price is None or line.tax_rate is None):
        raise OrderValidationError(f"Line {position}: a custom item needs a name, a price and a tax rate.")
    return line


@transaction.atomic
def order_create(*, data: OrderInput, actor=None, source: str = Source.ADMIN, place: bool = False) -> Order:
    """Create an order with its lines and totals; with `place`, reserve its stock and place it too.

    Everything happens in one transaction: a line that cannot be reserved leaves nothing behind.
    Lock (with `place`): the stock levels of the lines' products, in one pk-ordered query
    (`locks.stock_lock`; the new order itself is invisible to others until the commit). Side effects
    when placed: PLACED and ALLOCATED events, the "place" hooks, the confirmation through the outbox.
    """
    shop = ShopSettings.load()
    if not data.lines:
        raise OrderValidationError("An order needs at least one line.")
    order = Order(
        channel=data.channel,
        customer=data.customer,
        currency=shop.currency,
        prices_include_tax=shop.prices_include_tax,
        payment_terms=data.customer.payment_terms,
        shipping_fee=data.shipping_fee,
        shipping_tax_rate=shop.default_shipping_tax_rate,
        discount_amount=data.discount_amount,
        external_reference=data.external_reference,
        memo=data.memo,
        created_by=actor,
    )
    addresses = [] if data.billing and data.shipping else list(data.customer.addresses.all())
    order_address_set(order, "billing", data.billing or customer_default_address(data.customer, "billing", addresses))
    order_address_set(
        order,
        "shipping",
        data.shipping or data.billing or customer_default_address(data.customer, "shipping", addresses),
    )
    lines = [_build_line(order, position, line) for position, line in enumerate(data.lines, start=1)]
    order_price(order, lines)
    if place:
        # Placed before its first save: the row is written once, with its final status and totals.
        # Nobody else can see it before the transaction commits, so there is nothing to lock or re-read.
        _check_placeable(order, lines)
        order.place()
        order.reservation_expires_at = _reservation_deadline(order, shop)
        order_statuses_refresh(order, lines)  # an order that costs nothing is paid from the start
    _insert_with_number(order, actor)
    rows_create(OrderLine, lines, actor=actor)
    if place:
        locked = stock_lock(product_ids=[line.product_id for line in lines if line.product_id])
        reserved, _ = allocation_sync(order=order, lines=lines, locked=locked, actor=actor, new_lines=True)
        _placed_records(order, lines, reserved, actor=actor, source=source)
        return order
    events.order_draft_created_event(order=order, actor=actor, source=source)
    return order


def _insert_with_number(order: Order, actor=None) -> None:
    """Insert a new order together with its number, which derives from the primary key.

    On PostgreSQL one statement draws the key from the table's sequence, derives the number from it and
    writes the row and its creation history (`rows.row_create_keyed`); other databases insert and then set
    the number.
    """
    if connection.vendor == "postgresql":
        row_create_keyed(order, {"number": f"({ORDER_NUMBER_BASE} + k)::text"}, actor=actor)
        return
    order.save()
    order.number = order_number_for(order)
    order.save(update_fields=["number"])


@transaction.atomic
def order_draft_reprice(*, order_id: int) -> Order:
    """Recompute a draft's lines and totals after the admin saved its fields (prices are not frozen yet).

    Lock: `order_lock(operation="draft_change")` (the order; refused once it is no longer a draft).
    """
    order = order_lock(order_id, operation="draft_change").order
    if not order.number:
        order.number = order_number_for(order)
        order.save(update_fields=["number"])
    lines = list(order.lines.select_related("product__tax_rate").order_by("position", "pk"))
    for line in lines:
        line_fill_from_product(line)
    order_price(order, lines)
    rows_update(OrderLine, lines, ["sku", "name", "unit_price", "tax_rate", *LINE_AMOUNT_FIELDS])
    order.save(update_fields=TOTAL_FIELDS)
    return order


def _reservation_deadline(order: Order, shop: ShopSettings):
    if order.payment_terms != PaymentTerms.IMMEDIATE or not shop.reservation_expiry_hours:
        return None  # wholesale on terms, or expiry switched off: reservations are kept
    return timezone.now() + timedelta(hours=shop.reservation_expiry_hours)


@transaction.atomic
def order_place(*, order_id: int, actor=None, source: str = Source.ADMIN) -> Order:
    """Place a draft: freeze its totals, reserve stock for every line, start the reservation clock.

    Lock: `order_lock(operation="place")`, the order, then its products' stock levels (pk order).
    Refuses with the "place" state check or a guard's sentence (InvalidTransition), and with
    StockUnavailable naming each short line; the transaction then leaves the draft and the stock as
    they were. Side effects: PLACED and ALLOCATED events, the "place" hooks, the confirmation.
    """
    locked = order_lock(order_id, operation="place", actor=actor)
    order = locked.order
    lines = list(order.lines.select_related("product__tax_rate").order_by("position", "pk"))
    for line in lines:
        line_fill_from_product(line)  # a draft takes the catalogue's current values until it is placed
    order_price(order, lines)
    rows_update(OrderLine, lines, ["sku", "name", "unit_price", "tax_rate", *LINE_AMOUNT_FIELDS], actor=actor)
    _check_placeable(order, lines)
    reserved, _ = allocation_sync(order=order, lines=lines, locked=locked, actor=actor)
    order.place()
    order.reservation_expires_at = _reservation_deadline(order, ShopSettings.load())
    changed = order_statuses_refresh(order, lines)  # an order that costs nothing is paid from the start
    order.save(update_fields=["status", "placed_at", "reservation_expires_at", *changed, *TOTAL_FIELDS, "updated_at"])
    _placed_records(order, lines, reserved, actor=actor, source=source)
    return order


def _check_placeable(order: Order, lines: list[OrderLine]) -> None:
    label = f"Order {order.number}" if order.number else "The order"
    if not lines:
        raise OrderValidationError(f"{label} has no lines.")
    if not order.billing_name or not order.shipping_name:
        raise OrderValidationError(f"{label} needs a billing and a shipping address.")


def _placed_records(order: Order, lines: list[OrderLine], reserved: list[dict], *, actor, source: str) -> None:
    """The placed order's timeline entries (one INSERT) and its confirmation (e-mail and webhook data
    through the outbox, from the lines in memory)."""
    with events.events_batched():
        events.order_placed_event(order=order, actor=actor, source=source, total=order.total_gross)
        if reserved:
            events.order_allocated_event(order=order, actor=actor, source=source, allocations=reserved)
        hooks.run_hooks(hooks.HookContext("place", order, actor=actor))
        order_notify(order=order, kind="order_placed", actor=actor, source=source, lines=lines)
