"""Demo data: a shop, a catalogue with stock, channels, customers and 200 orders in every state.

Every order goes through the real services (create, place, pay, ship, cancel), so the stock ledger,
the allocations, the events and the totals are what the product itself writes. The data is the same
on every machine (seeded random). Running it again is safe: shop, tax rates, locations, products,
channels and customers are looked up by their natural keys and only the missing ones are made; the
orders are made only while no demo order (external reference DEMO-…) exists.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import Product, StockLevel, StockLocation, StockMovement, TaxRate
from catalog.services import stock_level_set_reorder_point, stock_receive
from oms.models import ShopSettings, User
from oms.money import ZERO, quantize
from orders import demo
from orders.api_forms import validate_order_payload
from orders.exceptions import OrderError
from orders.models import (
    ADDRESS_PARTS,
    Address,
    Channel,
    Customer,
    Order,
    OrderEvent,
    OrderPayment,
    PaymentMethod,
    PaymentTerms,
    SplitReason,
)
from orders.services.addresses import order_address_change
from orders.services.allocation_move import allocation_move
from orders.services.cancel import order_cancel, order_line_cancel
from orders.services.channel_import import order_import
from orders.services.channels import channel_token_issue
from orders.services.edit import CustomItem, EditChanges, order_edit_commit
from orders.services.payments import order_payment_record, order_payment_reverse
from orders.services.placement import LineInput, OrderInput, customer_default_address, order_create
from orders.services.shipping import order_lines_ship
from orders.services.split import order_split

SEED = 20250601
DEMO_REF = "DEMO-"
DAYS = 90
API_CHANNELS = ("web", "marketplace")

TAX_RATES = {"Standard": Decimal("21.00"), "Reduced": Decimal("9.00"), "Zero": Decimal("0.00")}
WAREHOUSE, STORE = StockLocation.Kind.WAREHOUSE, StockLocation.Kind.STORE
LOCATIONS = [  # code, name, kind, priority (lower is allocated first), address, allocated automatically
    ("ams-dc", "Amsterdam distribution centre", WAREHOUSE, 10, "Distributieweg 12\n1043 AB Amsterdam", True),
    ("rtm-wh", "Rotterdam overflow warehouse", WAREHOUSE, 20, "Waalhaven 8\n3089 JH Rotterdam", True),
    ("utr-store", "Utrecht store", STORE, 30, "Oudegracht 101\n3511 AD Utrecht", True),
    # The counter's stock is for walk-in customers: automatic allocation skips it; staff move units there by hand.
    ("utr-counter", "Utrecht shop counter", STORE, 5, "Oudegracht 101\n3511 AD Utrecht", False),
]
COUNTER_STOCK = 6  # units of each of the first COUNTER_PRODUCTS products at the shop counter
COUNTER_PRODUCTS = 10
PRODUCT_KINDS = [  # SKU prefix, name, tax rate, price, weight (kg)
    ("MUG", "Ceramic mug", "Standard", "12.50", "0.350"),
    ("CUP", "Espresso cup", "Standard", "7.95", "0.150"),
    ("TWL", "Tea towel", "Standard", "9.95", "0.100"),
    ("NAP", "Linen napkins, set of 4", "Standard", "24.00", "0.300"),
    ("NTB", "Notebook A5", "Standard", "6.50", "0.250"),
    ("BKC", "Cookbook", "Reduced", "29.95", "0.900"),
    ("BKT", "Travel guide", "Reduced", "19.50", "0.500"),
    ("COF", "Ground coffee 250 g", "Reduced", "8.25", "0.260"),
    ("TEA", "Loose-leaf tea 100 g", "Reduced", "6.95", "0.120"),
    ("GFT", "Gift card", "Zero", "25.00", "0.010"),
]
VARIANTS = ["Sand", "Ocean", "Forest", "Charcoal", "Coral"]
LOW_STOCK_EVERY = 10  # every tenth product is short, so the low-stock list has something to show
CHANNELS = [
    ("web", "Web shop"),
    ("marketplace", "Marketplace"),
    ("counter", "Shop counter (POS)"),
    ("phone", "Phone"),
    ("email", "E-mail"),
    ("wholesale", "Wholesale"),
]
RETAIL = [  # the first one is the demo customer login (see demo_admin)
    ("Sanne de Vries", "customer@example.com"),
    *((name, "") for name in [
        "Daan Jansen", "Emma Visser", "Lucas Smit", "Julia Meijer", "Sem de Boer", "Tess Mulder",
        "Finn de Groot", "Mila Bos", "Levi Vos", "Zoë Peters", "Noah Hendriks", "Lotte van Dijk",
        "Milan Dekker", "Fenna Brouwer",
    ]),
]  # fmt: skip
WHOLESALE = [
    ("Pieter Bakker", "Bakker Horeca BV"),
    ("Anouk Koster", "Koster Kookwinkel"),
    ("Ruben Prins", "Prins Cadeaus"),
    ("Iris Willems", "Hotel De Linde"),
    ("Thomas Kok", "Kok & Co Interieur"),
]
STREETS = ["Kerkstraat", "Dorpsstraat", "Molenweg", "Stationsweg", "Schoolstraat", "Nieuwstraat", "Julianalaan"]
CITIES = [("Amsterdam", "1012"), ("Utrecht", "3511"), ("Haarlem", "2011"), ("Leiden", "2311"), ("Delft", "2611")]
# Scenario: how many orders end in that state. They add up to 200 originals (split-off orders come on
# top) and cover every status of all three fields.
SCENARIOS = {
    "draft": 12,  # entered in the admin, not placed yet
    "draft_canceled": 3,
    "awaiting_payment": 25,  # placed, unpaid, still within the reservation time
    "expired": 5,  # placed, unpaid and past the reservation time: left for the expiry task (make beat)
    "partially_paid": 10,
    "paid": 30,  # awaiting fulfilment
    "refund_due": 4,  # paid in full, then a unit was cancelled: money is owed to the customer
    "partially_shipped": 15,
    "shipped": 46,
    "discount_line_canceled": 3,  # a 10.00 order discount; a cancelled unit takes its share, then paid
    "payment_reversed": 3,  # a bank transfer booked on it by mistake and reversed, then paid by card
    "edited": 4,  # paid, then edited: a quantity raised and a gift wrap added (balance due)
    "split": 4,  # two lines; one unit split off into its own order ("ship later"), which is shipped
    "line_canceled": 8,  # one unit cancelled before payment, then paid and shipped
    "terms_open": 5,  # wholesale on Net 30: reserved without a deadline
    "terms_shipped": 8,  # wholesale on Net 30: shipped, to be paid later
    "canceled": 12,
    "paid_canceled": 3,  # paid, then cancelled: total 0.00 and the whole payment is a refund due
}
WHOLESALE_SCENARIOS = {"terms_open", "terms_shipped"}
MULTI_LINE_SCENARIOS = {"refund_due", "partially_shipped", "line_canceled", "split", "discount_line_canceled"}
CANCEL_REASONS = ["Customer changed their mind", "Duplicate order", "Payment not received", "Address undeliverable"]
# How each channel's customers pay, and the reference the money comes with (a card provider's id, a
# marketplace payout, a till receipt, a bank statement line).
PAYMENT_METHODS = {
    "web": (PaymentMethod.CARD, "PSP-{number}"),
    "marketplace": (PaymentMethod.OTHER, "Marketplace payout {number}"),
    "counter": (PaymentMethod.CASH, "Till receipt {number}"),
    "wholesale": (PaymentMethod.BANK_TRANSFER, "Bank statement {number}"),
}


@dataclass
class Plan:
    scenario: str
    at: datetime
    customer: Customer
    channel: Channel
    lines: list[LineInput]
    shipping_fee: Decimal
    discount: Decimal


class Command(BaseCommand):
    help = "Load the demo shop: catalogue, stock, channels, customers and 200 orders (safe to run again)."

    def handle(self, *args, **options):
        rng = random.Random(SEED)
        SHIPPED_SEEN.clear()
        with transaction.atomic():
            shop = _shop()
            products = _catalogue(rng)
            channels, tokens = _channels()
            retail, wholesale = _customers(rng)
            made = 0
            if not Order.objects.filter(external_reference__startswith=DEMO_REF).exists():
                plans = _plans(rng, shop, products, channels, retail, wholesale)
                made = sum(1 for number, plan in enumerate(plans, start=1) if self._order(number, plan))
                made += _allocation_demo(products, channels, retail, wholesale)
            extra = demo.run_steps(self.stderr)  # the apps above orders: invoices, ...
        self._report(made, tokens)
        for name, count in extra.items():
            self.stdout.write(f"Demo data of {name}: {count} made now.")

    def _order(self, number: int, plan: Plan) -> Order | None:
        try:
            with transaction.atomic():
                return _run(plan, f"{DEMO_REF}{number:04d}")
        except OrderError as error:  # only when the stock was changed by hand before the orders were made
            self.stderr.write(f"Demo order {number} ({plan.scenario}) skipped: {error.message}")
            return None

    def _report(self, made: int, tokens: dict[str, str]) -> None:
        self.stdout.write(
            f"Demo data: {Product.objects.count()} products, {StockLocation.objects.count()} stock locations, "
            f"{Customer.objects.count()} customers, {Order.objects.count()} orders ({made} made now)."
        )
        for code, token in tokens.items():
            self.stdout.write(f"API token of channel '{code}' (shown once, stored only as a hash): {token}")
        if not tokens:
            self.stdout.write(
                "Channel API tokens were printed on the first run (only their hashes are stored); "
                "a manager issues a new one in the admin under Channels."
            )


def _shop() -> ShopSettings:
    shop = ShopSettings.load()
    if not shop.address:  # a fresh record: fill in the demo shop once, never over the merchant's own values
        shop.name = "Het Servieshuis"
        shop.address = "Oudegracht 101\n3511 AD Utrecht\nThe Netherlands"
        shop.vat_number = "NL001234567B01"
        shop.sender_email = "orders@servieshuis.example.com"
        shop._change_reason = "Demo data"
        shop.save()
    return shop


def _catalogue(rng: random.Random) -> list[Product]:
    """Tax rates, locations and 50 products; stock is received (through the ledger) for new products only."""
    rates = {
        name: TaxRate.objects.get_or_create(name=name, defaults={"rate": rate})[0] for name, rate in TAX_RATES.items()
    }
    locations = [
        StockLocation.objects.get_or_create(
            code=code,
            defaults={
                "name": name, "kind": kind, "priority": priority, "address": address, "allocate_automatically": auto
            },
        )[0]
        for code, name, kind, priority, address, auto in LOCATIONS
    ]  # fmt: skip
    products = []
    for index, ((prefix, name, rate, price, weight), variant) in enumerate(
        (kind, variant) for kind in PRODUCT_KINDS for variant in VARIANTS
    ):
        product, created = Product.objects.get_or_create(
            sku=f"{prefix}-{variant[:3].upper()}",
            defaults={
                "name": f"{name}, {variant.lower()}",
                "unit_price": Decimal(price),
                "tax_rate": rates[rate],
                "weight": Decimal(weight),
            },
        )
        low = index % LOW_STOCK_EVERY == LOW_STOCK_EVERY - 1
        if created:
            _receive(rng, product, locations[:3], low=low)
            if index < COUNTER_PRODUCTS:  # no draw from rng: the rest of the demo stays as it was
                stock_receive(product=product, location=locations[3], quantity=COUNTER_STOCK, reason="Demo counter")
        if not low:
            products.append(product)  # orders are made from the well-stocked products only
    return products


def _receive(rng: random.Random, product: Product, locations: list[StockLocation], *, low: bool) -> None:
    main, overflow, store = locations
    quantities = [(main, rng.randint(2, 5), 10)] if low else [
        (main, rng.randint(80, 150), 15),
        (overflow, rng.randint(0, 40), 5),
        (store, rng.randint(4, 12), 3),
    ]  # fmt: skip
    for location, quantity, reorder_point in quantities:
        if quantity:
            stock_receive(product=product, location=location, quantity=quantity, reason="Demo opening stock")
        level, _ = StockLevel.objects.get_or_create(product=product, location=location)
        # A setting of the level, not a stock change (no movement); its service raises the low-stock alert.
        stock_level_set_reorder_point(level_id=level.pk, reorder_point=reorder_point)


def _channels() -> tuple[dict[str, Channel], dict[str, str]]:
    """The six channels; the API channels get a token once (only its SHA-256 digest is stored)."""
    channels, tokens = {}, {}
    for code, name in CHANNELS:
        channel, _ = Channel.objects.get_or_create(code=code, defaults={"name": name})
        if code in API_CHANNELS and not channel.api_token_digest:
            tokens[code] = channel_token_issue(channel_id=channel.pk, actor=None)
        channels[code] = channel
    return channels, tokens


def _customers(rng: random.Random) -> tuple[list[Customer], list[Customer]]:
    retail = [_customer(rng, name, email=email) for name, email in RETAIL]
    wholesale = [_customer(rng, name, company=company) for name, company in WHOLESALE]
    return retail, wholesale


def _customer(rng: random.Random, name: str, *, email: str = "", company: str = "") -> Customer:
    """A customer with a login account (no usable password until demo_admin sets one) and a default address."""
    email = email or f"{name.lower().replace(' ', '.').replace('ë', 'e')}@example.com"
    user, _ = User.objects.get_or_create(email=email, defaults={**_names(name), "password": make_password(None)})
    customer, created = Customer.objects.get_or_create(
        user=user,
        defaults={
            "name": name,
            "company": company,
            "email": email,
            "is_wholesale": bool(company),
            "payment_terms": PaymentTerms.NET_30 if company else PaymentTerms.IMMEDIATE,
        },
    )
    if created:
        city, postcode = rng.choice(CITIES)
        Address.objects.create(
            customer=customer,
            name=name,
            company=company,
            street=f"{rng.choice(STREETS)} {rng.randint(1, 180)}",
            postal_code=f"{postcode} {rng.choice('ABCDEFGHJK')}{rng.choice('LMNPRSTVWX')}",
            city=city,
            is_default_billing=True,
            is_default_shipping=True,
        )
    return customer


def _names(name: str) -> dict:
    first, _, last = name.partition(" ")
    return {"first_name": first, "last_name": last}


def _plans(rng, shop, products, channels, retail, wholesale) -> list[Plan]:
    """Every order's story, drawn up front and sorted by date so that order numbers rise with time."""
    now = timezone.now()
    # Unpaid orders awaiting payment are dated inside the reservation time, so that only the
    # "expired" ones are past it; with expiry switched off (0) any recent date will do.
    window = (shop.reservation_expiry_hours or 48) * 0.6
    plans = []
    for scenario, count in SCENARIOS.items():
        for _ in range(count):
            if scenario == "awaiting_payment":
                at = now - timedelta(hours=rng.uniform(0.5, window))
            elif scenario == "expired":
                at = now - timedelta(days=rng.uniform(4, 20))
            else:
                at = now - timedelta(days=rng.uniform(0.2, DAYS))
            plans.append(_plan(rng, scenario, at, products, channels, retail, wholesale))
    return sorted(plans, key=lambda plan: plan.at)


def _plan(rng, scenario, at, products, channels, retail, wholesale) -> Plan:
    trade = scenario in WHOLESALE_SCENARIOS
    if trade:
        channel = channels[rng.choice(["wholesale", "wholesale", "email", "phone"])]
    else:
        channel = channels[rng.choice(["web"] * 4 + ["marketplace"] * 2 + ["counter", "phone", "email"])]
    # These scenarios ship or cancel single lines, so they need two (without line discounts, easy to follow).
    multi = scenario in MULTI_LINE_SCENARIOS
    count = rng.randint(2, 4) if multi else rng.randint(1, 4)
    lines = [
        _line(rng, product, trade=trade, discount=not multi and rng.random() < 0.1)
        for product in rng.sample(products, count)
    ]
    if rng.random() < 0.15:
        lines.append(LineInput(quantity=1, name="Gift wrapping", unit_price=Decimal("3.50"), tax_rate=Decimal("21.00")))
    fee = {"counter": ZERO, "wholesale": Decimal("12.50")}.get(channel.code, Decimal("4.95"))
    return Plan(
        scenario=scenario,
        at=at,
        customer=rng.choice(wholesale if trade else retail),
        channel=channel,
        lines=lines,
        shipping_fee=fee,
        discount=_order_discount(rng, scenario, multi),
    )


def _order_discount(rng: random.Random, scenario: str, multi: bool) -> Decimal:
    if scenario == "discount_line_canceled":
        return Decimal("10.00")
    return Decimal("5.00") if not multi and rng.random() < 0.1 else ZERO


def _line(rng: random.Random, product: Product, *, trade: bool, discount: bool) -> LineInput:
    quantity = rng.randint(4, 10) if trade else rng.choice([1, 1, 1, 2, 2, 3])
    line_discount = quantize(product.unit_price * quantity / 10) if discount else ZERO
    return LineInput(product=product, quantity=quantity, discount_amount=line_discount)


def _run(plan: Plan, reference: str) -> Order:
    """Make one order through the services, take it to its scenario's state, then date it back."""
    source = OrderEvent.Source.API if plan.channel.code in API_CHANNELS else OrderEvent.Source.ADMIN
    data = OrderInput(
        channel=plan.channel,
        customer=plan.customer,
        lines=plan.lines,
        shipping_fee=plan.shipping_fee,
        discount_amount=plan.discount,
        external_reference=reference,
    )
    if source == OrderEvent.Source.API and not plan.scenario.startswith("draft"):
        order = _import(plan, reference)  # as the channel sends it: recorded for the API's idempotency
    else:
        order = order_create(data=data, source=source, place=not plan.scenario.startswith("draft"))
    order = STEPS[plan.scenario](order, plan) or order
    _backdate(order, plan.at)
    return order


def _import(plan: Plan, reference: str) -> Order:
    """An API channel's order, sent through the import service as the API receives it."""
    address = customer_default_address(plan.customer, "billing")
    lines = [
        {"sku": line.product.sku, "quantity": line.quantity, "discount": str(line.discount_amount)}
        if line.product
        else {"name": line.name, "quantity": line.quantity, "unit_price": str(line.unit_price),
              "tax_rate": str(line.tax_rate)}
        for line in plan.lines
    ]  # fmt: skip
    payload, errors = validate_order_payload(
        {
            "external_id": reference,
            "customer": {"email": plan.customer.email, "name": plan.customer.name},
            "billing_address": {part: address.get(part) or "" for part in ADDRESS_PARTS},
            "shipping_fee": str(plan.shipping_fee),
            "discount": str(plan.discount),
            "lines": lines,
        }
    )
    if errors:
        raise CommandError(f"Demo import {reference} is invalid: {errors}")
    return order_import(channel=plan.channel, payload=payload)[0]


def _pay(order: Order, plan: Plan, share: Decimal = Decimal("1")) -> Order:
    order.refresh_from_db()
    method, reference = PAYMENT_METHODS.get(plan.channel.code, (PaymentMethod.BANK_TRANSFER, "Transfer {number}"))
    order_payment_record(
        order_id=order.pk,
        amount=quantize(order.total_gross * share),
        method=method,
        reference=reference.format(number=order.number),
        idempotency_key=f"demo-{order.number}-{order.payments.count()}",
    )
    return order


def _payment_reversed(order: Order, plan: Plan) -> Order:
    order.refresh_from_db()
    mistaken = order_payment_record(
        order_id=order.pk,
        amount=order.total_gross,
        method=PaymentMethod.BANK_TRANSFER,
        reference=f"Bank statement {order.number}",
        idempotency_key=f"demo-{order.number}-mistaken",
    )
    order_payment_reverse(payment_id=mistaken.pk, reason="Booked on the wrong order (the customer paid by card)")
    order.refresh_from_db()
    order_payment_record(
        order_id=order.pk,
        amount=order.total_gross,
        method=PaymentMethod.CARD,
        reference=f"PSP-{order.number}",
        idempotency_key=f"demo-{order.number}-card",
    )
    return order


def _ship(order: Order, lines=None, style: str = "ship") -> Order:
    """Ship the lines' open units through the fulfilment app's shipments (orders.demo); `style` picks what
    the demo shows besides a plain shipment: "deliver", "lost" (cancelled with a reason, sent again), "partial"."""
    lines = lines if lines is not None else list(order.lines.all())
    quantities = {line.pk: line.quantity_open for line in lines if line.quantity_open}
    fulfilment = demo.fulfilment()
    if fulfilment is None:
        return order_lines_ship(order_id=order.pk, quantities=quantities, reference=f"Demo shipment {order.number}")
    fulfilment.ship(order, quantities, style)
    order.refresh_from_db()
    return order


def _shipped(order: Order, plan: Plan) -> Order:
    # Of the shipped orders, every third is delivered already and two had a parcel lost and sent again.
    index = SHIPPED_SEEN.setdefault(order.pk, len(SHIPPED_SEEN))
    style = "lost" if index in (3, 17) else "deliver" if index % 3 == 0 else "ship"
    return _ship(_pay(order, plan), style=style)


def _cancel_one_unit(order: Order) -> Order:
    line = order.lines.order_by("position").first()
    return order_line_cancel(order_id=order.pk, line_id=line.pk, quantity=1, reason="Out of stock at the supplier")


def _cancel(order: Order, plan: Plan) -> Order:
    return order_cancel(order_id=order.pk, reason=CANCEL_REASONS[order.pk % len(CANCEL_REASONS)])


def _refund_due(order: Order, plan: Plan) -> Order:
    _pay(order, plan)
    return _cancel_one_unit(order)


def _paid_canceled(order: Order, plan: Plan) -> Order:
    _pay(order, plan)
    return _cancel(order, plan)


def _discount_line_canceled(order: Order, plan: Plan) -> Order:
    _cancel_one_unit(order)  # the unit takes its share of the order discount; the other lines keep theirs
    return _pay(order, plan)


def _partially_shipped(order: Order, plan: Plan) -> Order:
    _pay(order, plan)
    return _ship(order, list(order.lines.order_by("position")[:1]), style="partial")


def _line_canceled(order: Order, plan: Plan) -> Order:
    _cancel_one_unit(order)
    _pay(order, plan)
    return _ship(order)


def _edited(order: Order, plan: Plan) -> Order:
    _pay(order, plan)
    order.refresh_from_db()
    line = order.lines.order_by("position").first()
    changes = EditChanges(
        quantities={line.pk: line.quantity_active + 1},
        custom_items=[CustomItem(name="Gift wrap", unit_price=Decimal("2.50"), tax_rate=Decimal("21.00"), quantity=1)],
    )
    order = order_edit_commit(
        order_id=order.pk, changes=changes, base_version=order.version, note="Added at the customer's request"
    )
    # The customer then asked for delivery at work: an address change, its own action (not a new version).
    work = {**order.shipping_address(), "street": "Stationsplein 1", "postal_code": "3511 ED", "city": "Utrecht"}
    return order_address_change(order_id=order.pk, actor=None, addresses={"shipping": work})


def _split(order: Order, plan: Plan) -> Order:
    _pay(order, plan)
    line = order.lines.order_by("position").last()
    child = order_split(order_id=order.pk, quantities={line.pk: 1}, reason=SplitReason.SHIP_LATER)
    _ship(child)
    _backdate(child, plan.at)
    return order


STEPS = {
    "draft": lambda order, plan: order,
    "draft_canceled": _cancel,
    "awaiting_payment": lambda order, plan: order,
    "expired": lambda order, plan: order,
    "partially_paid": lambda order, plan: _pay(order, plan, Decimal("0.4")),
    "paid": _pay,
    "refund_due": _refund_due,
    "paid_canceled": _paid_canceled,
    "discount_line_canceled": _discount_line_canceled,
    "partially_shipped": _partially_shipped,
    "shipped": _shipped,
    "payment_reversed": _payment_reversed,
    "line_canceled": _line_canceled,
    "edited": _edited,
    "split": _split,
    "terms_open": lambda order, plan: order,
    "terms_shipped": lambda order, plan: _ship(order),
    "canceled": _cancel,
}
SHIPPED_SEEN: dict[int, int] = {}  # order pk -> its index among the "shipped" demo orders
ORDER_DATES = ["created_at", "updated_at", "placed_at", "paid_at", "canceled_at", "reservation_expires_at"]


def _allocation_demo(products, channels, retail, wholesale) -> int:
    """Two open orders for the Allocations tab: a wholesale order for more of one product than any single
    location holds (the rules reserve it over two warehouses), and a counter sale whose units staff moved
    by hand from the distribution centre to the shop counter, where the customer collects them."""
    levels = {
        (level.product_id, level.location.code): level
        for level in StockLevel.objects.filter(product__in=products).select_related("location")
    }
    product = next(p for p in products if levels[(p.pk, "rtm-wh")].sellable >= 5)
    quantity = levels[(product.pk, "ams-dc")].sellable + 5  # more than the main warehouse has: 5 from overflow
    big = order_create(
        data=OrderInput(
            channel=channels["wholesale"], customer=wholesale[0], shipping_fee=Decimal("12.50"),
            lines=[LineInput(product=product, quantity=quantity)], external_reference=f"{DEMO_REF}A001",
        ),
        place=True,
    )  # fmt: skip
    collected = next(p for p in products if (p.pk, "utr-counter") in levels)
    sale = order_create(
        data=OrderInput(
            channel=channels["counter"], customer=retail[0], shipping_fee=ZERO,
            lines=[LineInput(product=collected, quantity=2)], external_reference=f"{DEMO_REF}A002",
        ),
        place=True,
    )  # fmt: skip
    line = sale.lines.get()
    allocation_move(
        order_id=sale.pk,
        line_id=line.pk,
        from_location_id=line.allocations.get().location_id,  # wherever the rules reserved the two units
        to_location_id=levels[(collected.pk, "utr-counter")].location_id,
        quantity=2,
        actor=None,
    )
    _pay(sale, Plan("paid", timezone.now(), retail[0], channels["counter"], [], ZERO, ZERO))
    return len([big, sale])


def _backdate(order: Order, at: datetime) -> None:
    """Move the order's own timestamps to its demo date.

    The services stamp everything with the current time and have no way to take a date, so this
    final QuerySet.update shifts dates only (the order, its events, payments and stock movements by
    the same offset); no amount, quantity or status is touched. Row history keeps the real times.
    """
    offset = timezone.now() - at
    Order.objects.filter(pk=order.pk).update(**{name: F(name) - offset for name in ORDER_DATES})
    OrderEvent.objects.filter(order_id=order.pk).update(created_at=F("created_at") - offset)
    OrderPayment.objects.filter(order_id=order.pk).update(
        created_at=F("created_at") - offset, paid_on=timezone.localdate(at)
    )
    StockMovement.objects.filter(reference=order.number).update(created_at=F("created_at") - offset)
    demo.backdate(order, offset)  # the shipments and their stock movements
