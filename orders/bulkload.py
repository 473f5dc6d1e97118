"""Bulk load of a realistic order history, for benchmarks and scale tests (`manage.py generate_orders`).

Too slow through the services at a million orders, so the rows are written directly, in batches
(COPY on PostgreSQL, bulk_create elsewhere), but they are the rows the services would write and the
auditor (`check_invariants`) accepts:

- Amounts come from the real pricing code (`orders.pricing.order_price`) applied to a few hundred
  baskets of 1-5 catalogue lines, each order taking one basket: totals are sums of rounded lines.
- Every status is there: drafts, placed orders unpaid, partly paid, paid and on account, unfulfilled,
  partly and fully shipped, cancelled, and split families (a root with one split-off order).
- Stock: each open unit is an allocation at a location; the ledger gets the movements the services
  write (allocation, shipment, release) and one receipt per level covering what was shipped and
  reserved plus spare stock; the levels' counters are moved by the same sums, so every level still
  equals its ledger and nothing goes negative.
- Payments are OrderPayment rows adding up to each order's amount paid; the timeline has the
  placed, reserved, paid, shipped, split and cancelled events with the parameters the services give.

It all happens in one transaction: an interrupted load leaves nothing behind. Row history
(django-simple-history) is not written for generated rows.
"""

import json
import random
from collections import defaultdict
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import F, Max
from django.utils import timezone

from catalog.models import Product, StockLevel, StockLocation, StockMovement, TaxRate
from oms.models import ShopSettings
from oms.money import ZERO, quantize

from . import events
from .exceptions import OrderValidationError
from .models import (
    Address,
    Allocation,
    Channel,
    Customer,
    Order,
    OrderEvent,
    OrderLine,
    OrderPayment,
    PaymentTerms,
    SplitReason,
)
from .pricing import TOTAL_FIELDS, order_price
from .services.locks import stock_lock
from .services.placement import order_number_for

S, P, F_ = Order.Status, Order.PaymentStatus, Order.FulfillmentStatus
Kind, Type = StockMovement.Kind, OrderEvent.Type
BATCH = 5000  # orders per write batch
BASKETS = 400
REBUILD_INDEXES_FROM = 20_000  # orders; a larger load drops and rebuilds the secondary indexes it writes to
SPARE_STOCK = 50
FIRST = (
    "Anna",
    "Bram",
    "Carla",
    "Daan",
    "Eva",
    "Finn",
    "Gijs",
    "Hanna",
    "Ivo",
    "Julia",
    "Kees",
    "Lotte",
    "Milan",
    "Noor",
    "Olaf",
    "Puck",
    "Ruben",
    "Sanne",
    "Thijs",
    "Vera",
    "Wout",
    "Yara",
    "Zoë",
    "Lars",
)
LAST = (
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "Mulder",
    "de Boer",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Dijk",
    "Dekker",
    "Brouwer",
    "Willems",
    "Kok",
    "Verhoeven",
    "Groot",
    "Maas",
)
COMPANIES = (
    "Koffie & Co",
    "Bakkerij Brood",
    "Studio Noord",
    "Atelier Klei",
    "Het Theehuis",
    "Groen BV",
    "Hotel Zee",
    "Café de Hoek",
    "Boekhandel Blad",
    "Kantoor Plus",
)
MATERIALS = ("Ceramic", "Linen", "Oak", "Glass", "Wool")
THINGS = ("mug", "towel", "bowl", "lamp", "vase", "throw")
CITIES = ("Amsterdam", "Utrecht", "Rotterdam", "Den Haag", "Groningen", "Eindhoven", "Zwolle", "Leiden")


class Writer:
    """Collects rows per model and writes them in batches; gives primary keys out up front."""

    def __init__(self):
        self.rows: dict[type[models.Model], list[dict]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self._next_id: dict[type[models.Model], int] = {}
        self.postgres = connection.vendor == "postgresql"

    def ids(self, model: type[models.Model], n: int) -> list[int]:
        if n == 0:
            return []
        if self.postgres:  # from the table's own sequence: ids never collide with the services'
            table = model._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n]
                )
                return [row[0] for row in cursor.fetchall()]
        if model not in self._next_id:
            self._next_id[model] = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        first = self._next_id[model]
        self._next_id[model] += n
        return list(range(first, first + n))

    def add(self, model: type[models.Model], **values) -> None:
        self.rows[model].append(values)

    def flush(self) -> None:
        for model, rows in self.rows.items():
            if rows:
                (self._copy if self.postgres else self._bulk_create)(model, rows)
                self.counts[model._meta.verbose_name_plural] += len(rows)
        self.rows.clear()

    def _copy(self, model, rows) -> None:
        fields = model._meta.concrete_fields
        defaults = {f.attname: f.get_default() for f in fields}
        json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
        if "id" not in rows[0]:  # rows nothing points to take their key from the sequence
            fields = [f for f in fields if not f.primary_key]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        names = [f.attname for f in fields]
        with connection.cursor() as cursor:
            copy_sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    for name in json_fields:
                        row[name] = json.dumps(row.get(name, {}), cls=DjangoJSONEncoder)
                    copy.write_row([row[n] if n in row else defaults[n] for n in names])

    def _bulk_create(self, model, rows) -> None:
        model.objects.bulk_create([model(**row) for row in rows], batch_size=1000)


@dataclass
class Basket:
    """One priced set of lines (priced once by the real pricing code, reused by many orders)."""

    lines: list[OrderLine]
    order: Order  # the unsaved order carrying the totals


@dataclass
class Stage:
    """The state of the shop the orders are written into."""

    products: list[Product]
    locations: list[StockLocation]
    channels: list[Channel]
    levels: dict[tuple[int, int], int]  # (product id, location id) -> level id
    shop: ShopSettings
    baskets: list[Basket] = field(default_factory=list)
    customers: list[tuple] = field(default_factory=list)  # (id, name, company, e-mail, on terms)
    allocated: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # level id -> open units
    shipped: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # level id -> shipped units
    now: datetime = field(default_factory=timezone.now)

    def later(self, at: datetime, delta: timedelta) -> datetime:
        """What happened `delta` after `at`, but never in the future."""
        return min(at + delta, self.now)


def _stage(rng: random.Random) -> Stage:
    """The catalogue, locations and channels to use: the shop's own, or a small one made here."""
    if not Product.objects.filter(active=True).exists():
        _make_catalog(rng)
    products = list(Product.objects.filter(active=True).select_related("tax_rate").order_by("pk"))
    locations = list(StockLocation.objects.filter(active=True).order_by("priority", "pk")[:3])
    channels = list(Channel.objects.filter(active=True).order_by("pk"))
    existing = set(StockLevel.objects.values_list("product_id", "location_id"))
    StockLevel.objects.bulk_create(
        StockLevel(product=p, location=loc) for p in products for loc in locations if (p.pk, loc.pk) not in existing
    )
    levels = {(pid, lid): pk for pk, pid, lid in StockLevel.objects.values_list("pk", "product_id", "location_id")}
    return Stage(products, locations, channels, levels, ShopSettings.load())


def _make_catalog(rng: random.Random) -> None:
    rates = [
        TaxRate.objects.get_or_create(name=name, defaults={"rate": Decimal(rate)})[0]
        for name, rate in (("Standard", "21.00"), ("Reduced", "9.00"), ("Zero", "0.00"))
    ]
    if not StockLocation.objects.filter(active=True).exists():
        StockLocation.objects.create(code="main", name="Main warehouse", priority=10)
        StockLocation.objects.create(code="east", name="East warehouse", priority=20)
    if not Channel.objects.filter(active=True).exists():
        for code, name in (
            ("web", "Web shop"),
            ("marketplace", "Marketplace"),
            ("phone", "Phone"),
            ("wholesale", "Wholesale"),
        ):
            Channel.objects.create(code=code, name=name)
    Product.objects.bulk_create(
        Product(
            sku=f"GEN-{i:04d}",
            name=f"{rng.choice(MATERIALS)} {rng.choice(THINGS)} {i}",
            unit_price=Decimal(rng.randrange(250, 9000)) / 100,
            tax_rate=rates[0] if i % 5 else rates[1],
        )
        for i in range(1, 201)
    )


def _baskets(stage: Stage, rng: random.Random) -> list[Basket]:
    """A few hundred priced baskets of 1-5 lines; every order takes one (pricing a million is too slow)."""
    baskets = []
    for _ in range(BASKETS):
        chosen = rng.sample(stage.products, k=min(len(stage.products), rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5))))
        order = Order(
            currency=stage.shop.currency,
            prices_include_tax=stage.shop.prices_include_tax,
            shipping_tax_rate=stage.shop.default_shipping_tax_rate,
            shipping_fee=rng.choice((ZERO, Decimal("4.95"), Decimal("6.95"))),
        )
        lines = [
            OrderLine(
                position=i,
                product=p,
                sku=p.sku,
                name=p.name,
                quantity=rng.choice((1, 1, 1, 2, 2, 3, 5)),
                unit_price=p.unit_price,
                tax_rate=p.tax_rate.rate,
            )
            for i, p in enumerate(chosen)
        ]
        if rng.random() < 0.15:
            lines[0].discount_amount = quantize(lines[0].unit_price * lines[0].quantity / 10)
        if rng.random() < 0.1:
            order.discount_amount = Decimal("5.00")
        try:
            order_price(order, lines)
        except OrderValidationError:  # a discount larger than a cheap basket: draw another
            continue
        baskets.append(Basket(lines, order))
    return baskets


def _customers(writer: Writer, stage: Stage, n: int, rng: random.Random, when: datetime) -> None:
    ids = writer.ids(Customer, n)
    address_ids = writer.ids(Address, n)
    for customer_id, address_id in zip(ids, address_ids, strict=True):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        wholesale = rng.random() < 0.08
        company = rng.choice(COMPANIES) if wholesale or rng.random() < 0.2 else ""
        terms = PaymentTerms.NET_30 if wholesale else PaymentTerms.IMMEDIATE
        email = f"{name.lower().replace(' ', '.')}.{customer_id}@example.com"
        writer.add(
            Customer,
            id=customer_id,
            user_id=None,
            name=name,
            company=company,
            email=email,
            phone="",
            is_wholesale=wholesale,
            payment_terms=terms,
            notes="",
            created_at=when,
        )
        writer.add(
            Address,
            id=address_id,
            customer_id=customer_id,
            name=name,
            company=company,
            street=f"{rng.choice(('Kerkstraat', 'Dorpsweg', 'Stationsplein', 'Molenlaan'))} {rng.randrange(1, 200)}",
            postal_code=f"{rng.randrange(1000, 9999)} AB",
            city=rng.choice(CITIES),
            country="NL",
            is_default_billing=True,
            is_default_shipping=True,
        )
        stage.customers.append((customer_id, name, company, email, wholesale))
    writer.flush()


@dataclass(frozen=True)
class Plan:
    """What happened to one generated order."""

    status: str
    payment: str  # a PaymentStatus value
    shipped_lines: int  # how many of its lines shipped in full (0, some, all)
    split: bool = False


def _plan(rng: random.Random, basket: Basket, on_terms: bool) -> Plan:
    r = rng.random()
    if r < 0.02:
        return Plan(S.DRAFT, P.UNPAID, 0)
    if r < 0.08:  # cancelled; a third of them had been paid, which is now owed back
        return Plan(S.CANCELED, P.REFUND_DUE if rng.random() < 0.3 else P.UNPAID, 0)
    n = len(basket.lines)
    ship = rng.random()
    shipped = n if ship < 0.5 else (rng.randrange(1, n) if ship < 0.56 and n > 1 else 0)
    pay = rng.random()
    if on_terms:
        payment = P.PAID if pay < 0.3 else P.UNPAID
    elif shipped:
        payment = P.PAID
    else:
        payment = P.PAID if pay < 0.7 else (P.PARTIALLY_PAID if pay < 0.78 else P.UNPAID)
    return Plan(S.PLACED, payment, shipped, split=rng.random() < 0.02)


def _fulfilment(plan: Plan, basket: Basket) -> str:
    if plan.status != S.PLACED or plan.shipped_lines == 0:
        return F_.UNFULFILLED
    return F_.FULFILLED if plan.shipped_lines == len(basket.lines) else F_.PARTIALLY_FULFILLED


def _paid(plan: Plan, total: Decimal) -> Decimal:
    """What the customer paid (for a refund due: the total before the order was cancelled)."""
    if plan.payment in (P.PAID, P.REFUND_DUE):
        return total
    if plan.payment == P.PARTIALLY_PAID:
        return quantize(total / 2) if total > Decimal("0.01") else ZERO
    return ZERO


@dataclass
class OrderDraft:
    """One order about to be written: ids, customer, basket, plan and times."""

    pk: int
    number: str
    customer: tuple
    channel: Channel
    basket: Basket
    plan: Plan
    at: datetime
    parent: "OrderDraft | None" = None
    family_total: Decimal | None = None  # on a split family's root: its total plus its split-off order's


def _write_order(writer: Writer, stage: Stage, o: OrderDraft, line_ids: list[int], rng: random.Random) -> None:
    b, plan, placed = o.basket.order, o.plan, o.plan.status != S.DRAFT
    paid = _paid(plan, b.total_gross)
    customer_id, name, company, _, on_terms = o.customer
    address = {
        f"{kind}_{part}": value
        for kind in ("billing", "shipping")
        for part, value in (
            ("name", name),
            ("company", company),
            ("street", "Kerkstraat 1"),
            ("postal_code", "3511 AB"),
            ("city", "Utrecht"),
            ("country", "NL"),
        )
    }
    cancelled = plan.status == S.CANCELED  # every unit cancelled: nothing owed, not even shipping
    totals = {f: ZERO if cancelled else getattr(b, f) for f in ("shipping_fee", "discount_amount", *TOTAL_FIELDS)}
    unpaid_clock = (
        plan.status == S.PLACED and not on_terms and paid == ZERO and _fulfilment(plan, o.basket) == F_.UNFULFILLED
    )
    writer.add(
        Order,
        id=o.pk,
        number=o.number,
        channel_id=o.channel.pk,
        customer_id=customer_id,
        external_reference=f"{o.channel.code.upper()}-{o.pk}" if o.parent is None and o.pk % 3 == 0 else "",
        parent_id=o.parent.pk if o.parent else None,
        root_id=o.parent.pk if o.parent else None,
        version=1,
        split_reason=SplitReason.BACKORDER if o.parent else "",
        family_expected_total=o.family_total,
        currency=b.currency,
        prices_include_tax=b.prices_include_tax,
        payment_terms=PaymentTerms.NET_30 if on_terms else PaymentTerms.IMMEDIATE,
        shipping_tax_rate=b.shipping_tax_rate,
        amount_paid=paid,
        status=plan.status,
        payment_status=plan.payment,
        fulfillment_status=_fulfilment(plan, o.basket),
        memo="",
        cancel_reason="customer request" if plan.status == S.CANCELED else "",
        created_by_id=None,
        created_at=o.at,
        updated_at=stage.later(o.at, timedelta(days=2)),
        placed_at=o.at if placed else None,
        paid_at=stage.later(o.at, timedelta(hours=1)) if plan.payment == P.PAID else None,
        canceled_at=stage.later(o.at, timedelta(hours=5)) if plan.status == S.CANCELED else None,
        reservation_expires_at=timezone.now() + timedelta(hours=stage.shop.reservation_expiry_hours or 72)
        if unpaid_clock
        else None,
        **address,
        **totals,
    )
    _write_lines(writer, stage, o, line_ids, rng)
    _write_money_and_events(writer, stage, o, paid)


def _line_amounts(line: OrderLine) -> dict:
    return {
        "quantity_canceled": 0,
        "discount_amount": line.discount_amount,
        "order_discount_share": line.order_discount_share,
        "net": line.net,
        "tax": line.tax,
        "gross": line.gross,
    }


def _cancelled_line(line: OrderLine) -> dict:
    """A line of a cancelled order: every unit cancelled, its discounts gone with them (orders.pricing)."""
    return {"quantity_canceled": line.quantity, "discount_amount": ZERO, "order_discount_share": ZERO,
            "net": ZERO, "tax": ZERO, "gross": ZERO}  # fmt: skip


def _write_lines(writer: Writer, stage: Stage, o: OrderDraft, line_ids: list[int], rng: random.Random) -> None:
    """The lines, their allocations and the ledger rows the services would have written."""
    reserved, shipped = [], []
    for i, (line, line_id) in enumerate(zip(o.basket.lines, line_ids, strict=True)):
        quantity_shipped = line.quantity if i < o.plan.shipped_lines else 0
        writer.add(
            OrderLine,
            id=line_id,
            order_id=o.pk,
            position=line.position,
            product_id=line.product_id,
            sku=line.sku,
            name=line.name,
            quantity=line.quantity,
            quantity_shipped=quantity_shipped,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
            **(_cancelled_line(line) if o.plan.status == S.CANCELED else _line_amounts(line)),
        )
        if o.plan.status == S.DRAFT:
            continue
        location = stage.locations[0] if rng.random() < 0.8 or len(stage.locations) == 1 else stage.locations[1]
        level_id = stage.levels[(line.product_id, location.pk)]
        reserved.append({"sku": line.sku, "location": location.code, "quantity": line.quantity})
        _movement(writer, level_id, Kind.ALLOCATION, o, o.at, allocated=line.quantity)
        if o.plan.status == S.CANCELED:
            _movement(
                writer, level_id, Kind.RELEASE, o, stage.later(o.at, timedelta(hours=5)), allocated=-line.quantity
            )
        elif quantity_shipped:
            shipped.append({"line_id": line_id, "sku": line.sku, "quantity": quantity_shipped})
            _movement(
                writer,
                level_id,
                Kind.SHIPMENT,
                o,
                stage.later(o.at, timedelta(days=1)),
                on_hand=-quantity_shipped,
                allocated=-quantity_shipped,
            )
            stage.shipped[level_id] += quantity_shipped
        else:
            writer.add(Allocation, line_id=line_id, location_id=location.pk, quantity=line.quantity)
            stage.allocated[level_id] += line.quantity
    _write_stock_events(writer, stage, o, reserved, shipped)


def _movement(writer: Writer, level_id: int, kind: str, o: OrderDraft, at: datetime, on_hand=0, allocated=0) -> None:
    writer.add(
        StockMovement,
        level_id=level_id,
        kind=kind,
        on_hand_delta=on_hand,
        allocated_delta=allocated,
        quarantined_delta=0,
        reason="",
        reference=o.number,
        actor_id=None,
        created_at=at,
    )


def _event(writer: Writer, o: OrderDraft, type_: str, at: datetime, **parameters) -> None:
    writer.add(OrderEvent, **events.order_event_row(order_id=o.pk, type_=type_, created_at=at, **parameters))


def _write_stock_events(writer: Writer, stage: Stage, o: OrderDraft, reserved: list[dict], shipped: list[dict]) -> None:
    if o.plan.status == S.DRAFT:
        _event(writer, o, Type.DRAFT_CREATED, o.at)
        return
    _event(writer, o, Type.PLACED, o.at, total=o.basket.order.total_gross, currency=o.basket.order.currency)
    _event(writer, o, Type.ALLOCATED, o.at, allocations=reserved)
    if o.plan.status == S.CANCELED:
        later = stage.later(o.at, timedelta(hours=5))
        _event(writer, o, Type.CANCELED, later, old_status=S.PLACED, reason="customer request")
        _event(writer, o, Type.RELEASED, later, releases=reserved, reason="cancelled")
    if shipped:
        _event(writer, o, Type.SHIPPED, stage.later(o.at, timedelta(days=1)), lines=shipped, reference="")


def _write_money_and_events(writer: Writer, stage: Stage, o: OrderDraft, paid: Decimal) -> None:
    if paid > ZERO:
        at = stage.later(o.at, timedelta(hours=1))
        writer.add(
            OrderPayment,
            order_id=o.pk,
            kind=OrderPayment.Kind.PAYMENT,
            amount=paid,
            method="card",
            reference=f"PAY-{o.pk}",
            actor_id=None,
            created_at=at,
        )
        _event(
            writer,
            o,
            Type.PAYMENT_RECORDED,
            at,
            amount=paid,
            method="card",
            reference=f"PAY-{o.pk}",
            balance=o.basket.order.total_gross - paid,
        )
    if o.parent is not None:
        b = o.basket.order
        moved = [{"sku": x.sku, "name": x.name, "quantity": x.quantity, "total": str(x.gross)} for x in o.basket.lines]
        common = {
            "reason": SplitReason.BACKORDER,
            "note": "",
            "lines": moved,
            "moved_total": b.total_gross,
            "paid_moved": ZERO,
        }
        _event(writer, o.parent, Type.SPLIT, o.at, child=o.number, **common)
        _event(writer, o, Type.SPLIT_FROM, o.at, parent=o.parent.number, **common)


def _batch(writer: Writer, stage: Stage, count: int, start: datetime, step: timedelta, done: int, rng) -> None:
    """`count` orders (and their split-off orders), written in one go."""
    drafts = []
    for i in range(count):
        customer = rng.choice(stage.customers)
        basket = rng.choice(stage.baskets)
        drafts.append((customer, basket, _plan(rng, basket, customer[4]), start + (done + i) * step))
    children = sum(1 for d in drafts if d[2].split)
    ids = iter(writer.ids(Order, count + children))
    line_ids = iter(writer.ids(OrderLine, sum(len(d[1].lines) for d in drafts) + children * 5))
    for customer, basket, plan, at in drafts:
        pk = next(ids)
        channel = rng.choice(stage.channels)
        child_basket = rng.choice(stage.baskets) if plan.split else None
        family_total = basket.order.total_gross + child_basket.order.total_gross if child_basket else None
        number = order_number_for(SimpleNamespace(pk=pk))
        o = OrderDraft(pk, number, customer, channel, basket, plan, at, None, family_total)
        _write_order(writer, stage, o, [next(line_ids) for _ in basket.lines], rng)
        if child_basket:
            child_plan = Plan(S.PLACED, P.PAID if plan.payment == P.PAID else P.UNPAID, 0)
            child = OrderDraft(
                next(ids), f"{o.number}-1", customer, channel, child_basket, child_plan, at + step / 2, parent=o
            )
            _write_order(writer, stage, child, [next(line_ids) for _ in child_basket.lines], rng)
    writer.flush()


def _receive(writer: Writer, stage: Stage, at: datetime) -> None:
    """One receipt per level covering what the orders shipped and still hold, plus spare stock; the
    levels' counters move by the same amounts as their ledger (under row locks, in primary-key order)."""
    touched = sorted(set(stage.allocated) | set(stage.shipped))
    touched_set = set(touched)
    products = {product_id for (product_id, _), level_id in stage.levels.items() if level_id in touched_set}
    locked = {level.pk: level for level in stock_lock(product_ids=products).levels.values()}  # the one primitive
    for level_id in touched:
        received = stage.shipped[level_id] + stage.allocated[level_id] + SPARE_STOCK
        writer.add(
            StockMovement,
            level_id=level_id,
            kind=Kind.RECEIPT,
            on_hand_delta=received,
            allocated_delta=0,
            quarantined_delta=0,
            reason="Opening stock (generated)",
            reference="",
            actor_id=None,
            created_at=at,
        )
        StockLevel.objects.filter(pk=locked[level_id].pk).update(
            on_hand=F("on_hand") + received - stage.shipped[level_id],
            allocated=F("allocated") + stage.allocated[level_id],
        )
    writer.flush()


@contextmanager
def _indexes_rebuilt():
    """Drop the non-unique indexes of the tables the load writes, and build them again at the end.

    Building an index once over a million rows is several times cheaper than updating it row by row.
    Unique indexes (constraints) stay. All in the load's transaction: if it fails, the indexes are
    back as they were; meanwhile other sessions wait on these tables.
    """
    tables = [m._meta.db_table for m in (Order, OrderLine, Allocation, OrderEvent, OrderPayment, StockMovement)]
    with connection.cursor() as cursor:
        # Foreign keys are checked at the end of each COPY, not queued for the commit (and CREATE INDEX
        # refuses to run while checks are pending).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = ANY(%s) AND indexdef NOT LIKE 'CREATE UNIQUE INDEX%%'",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        for _, definition in indexes:
            cursor.execute(definition)


def generate(*, orders: int, seed: int = 1, days: int = 730, customers: int | None = None, progress=None) -> dict:
    """Write `orders` orders (plus split-off ones) over the last `days` days, in one transaction.

    Returns the number of rows written per table.
    """
    rng = random.Random(seed)
    big = connection.vendor == "postgresql" and orders >= REBUILD_INDEXES_FROM
    with transaction.atomic(), _indexes_rebuilt() if big else nullcontext():
        stage = _stage(rng)
        stage.baskets = _baskets(stage, rng)
        writer = Writer()
        start = stage.now - timedelta(days=days)
        _customers(writer, stage, customers or max(20, orders // 10), rng, start - timedelta(days=1))
        step = (stage.now - start) / max(orders, 1)
        done = 0
        while done < orders:
            count = min(BATCH, orders - done)
            _batch(writer, stage, count, start, step, done, rng)
            done += count
            if progress:
                progress(done)
        _receive(writer, stage, start - timedelta(hours=12))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics, so the planner picks the list indexes at once
    return dict(writer.counts)
