#!/usr/bin/env python
"""Orders placed per second on PostgreSQL: the real service beside a raw-SQL reference, 1 and 4 clients.

Service: `order_create(place=True)` (pricing, row locks, allocation, ledger, events, row history).
Raw reference, measured in the same run: the same rows written with plain psycopg, one transaction per
order: the conditional stock update `UPDATE ... SET allocated = allocated + n WHERE ... AND on_hand -
allocated - quarantined >= n`, then the order, its lines, allocations, movements and events (column
values copied from an order the service placed). It skips what only the service does: reading and
locking, pricing, and simple-history rows.

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/oms_bench) names the server; the benchmark
works in Django's scratch test database beside it (test_<name>), created, migrated and dropped here.
Clients are processes (Python threads would mostly measure the GIL). BENCH_SECONDS sets each run's length.
"""

import multiprocessing
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oms_bench")
os.environ["DJANGO_DEBUG"] = "0"  # DEBUG would log every query and slow the service side only
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings.base")

import django  # noqa: E402

django.setup()

from oms.celery import app as celery_app  # noqa: E402

# Measure placement, not e-mail delivery: outbox tasks are published to an in-process broker that no
# worker drains (in production a Celery worker sends them), instead of running eagerly on commit.
celery_app.conf.task_always_eager = False
celery_app.conf.broker_url = "memory://localhost/"

from decimal import Decimal  # noqa: E402

import psycopg  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from catalog.models import Product, StockLevel, StockLocation, StockMovement, TaxRate  # noqa: E402
from catalog.services import stock_receive  # noqa: E402
from oms.invariants import run_all  # noqa: E402
from oms.models import ShopSettings  # noqa: E402
from orders.models import Address, Allocation, Channel, Customer, Order  # noqa: E402
from orders.services.placement import LineInput, OrderInput, order_create  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
PRODUCTS = 200
QUANTITIES = (1, 2)  # every order: two lines of different products


def _fixtures() -> dict:
    ShopSettings.load()
    rate = TaxRate.objects.create(name="Standard", rate=Decimal("21.00"))
    location = StockLocation.objects.create(code="main", name="Main", priority=10)
    products = Product.objects.bulk_create(
        Product(sku=f"B-{i:04d}", name=f"Bench product {i}", unit_price=Decimal("10.00"), tax_rate=rate)
        for i in range(PRODUCTS)
    )
    for product in products:
        stock_receive(product=product, location=location, quantity=10_000_000, reason="bench")
    channel = Channel.objects.create(code="bench", name="Bench")
    customer = Customer.objects.create(name="Bench Buyer", email="bench@example.com")
    Address.objects.create(customer=customer, name="Bench Buyer", street="Main 1", postal_code="1000", city="A")
    return {"channel": channel.pk, "customer": customer.pk, "products": [p.pk for p in products]}


def _pick(rng: random.Random, product_ids: list[int]) -> list[int]:
    return rng.sample(product_ids, len(QUANTITIES))


# --- the service
def _service_client(ids: dict, seed: int, deadline: float, out) -> None:
    rng = random.Random(seed)
    channel, customer = Channel.objects.get(pk=ids["channel"]), Customer.objects.get(pk=ids["customer"])
    products = {p.pk: p for p in Product.objects.select_related("tax_rate").filter(pk__in=ids["products"])}
    done = 0
    while time.time() < deadline:
        lines = [
            LineInput(product=products[pk], quantity=q)
            for pk, q in zip(_pick(rng, ids["products"]), QUANTITIES, strict=True)
        ]
        order_create(data=OrderInput(channel=channel, customer=customer, lines=lines), actor=None, place=True)
        done += 1
    connections.close_all()
    out.put(done)


# --- the raw reference
class RawInserts:
    """INSERT statements and column values copied from rows the service wrote, with per-order keys."""

    def __init__(self, order: Order):
        self.order = self._statement(order)
        self.lines = [self._statement(line) for line in order.lines.order_by("position")]
        self.allocations = [
            self._statement(Allocation.objects.get(line=line)) for line in order.lines.order_by("position")
        ]
        self.movements = [
            self._statement(m) for m in StockMovement.objects.filter(reference=order.number).order_by("pk")
        ]
        self.events = [self._statement(e) for e in order.events.order_by("pk")]
        self.level_sql = (
            f"UPDATE {StockLevel._meta.db_table} SET allocated = allocated + %s "  # noqa: S608
            "WHERE product_id = %s AND location_id = %s AND on_hand - allocated - quarantined >= %s RETURNING id"
        )
        self.location = self.allocations[0][2]["location_id"]

    @staticmethod
    def _statement(obj):
        fields = [f for f in obj._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {obj._meta.db_table} ({columns}) VALUES ({marks}) RETURNING id"  # noqa: S608
        values = {f.column: f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields}
        return sql, [f.column for f in fields], values

    @staticmethod
    def run(cursor, statement, **keys) -> int:
        sql, columns, values = statement
        cursor.execute(sql, [keys.get(column, values[column]) for column in columns])
        return cursor.fetchone()[0]

    def place(self, cursor, product_ids: list[int], quantities=QUANTITIES) -> bool:
        level_ids = []
        for product_id, quantity in sorted(zip(product_ids, quantities, strict=True)):
            cursor.execute(self.level_sql, [quantity, product_id, self.location, quantity])
            row = cursor.fetchone()
            if row is None:
                return False
            level_ids.append((product_id, row[0]))
        level_of = dict(level_ids)
        order_id = self.run(cursor, self.order, number=None)
        cursor.execute(
            f"UPDATE {Order._meta.db_table} SET number = %s WHERE id = %s", [str(10000 + order_id), order_id]
        )  # noqa: S608
        for i, product_id in enumerate(product_ids):
            line_id = self.run(cursor, self.lines[i], order_id=order_id, product_id=product_id)
            self.run(cursor, self.allocations[i], line_id=line_id)
            self.run(cursor, self.movements[i], level_id=level_of[product_id], reference=str(10000 + order_id))
        for event in self.events:
            self.run(cursor, event, order_id=order_id)
        return True


def _raw_client(ids: dict, inserts: RawInserts, dsn: dict, seed: int, deadline: float, out) -> None:
    rng = random.Random(seed)
    done = 0
    with psycopg.connect(**dsn) as conn:
        while time.time() < deadline:
            with conn.transaction(), conn.cursor() as cursor:
                placed = inserts.place(cursor, _pick(rng, ids["products"]))
            done += placed
    out.put(done)


def _measure(target, clients: int, *args) -> float:
    """Run `clients` processes for SECONDS; return orders per second over all of them."""
    connections.close_all()  # never share a connection across fork
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    deadline = time.time() + 0.3 + SECONDS
    procs = [ctx.Process(target=target, args=(*args, seed, deadline, out)) for seed in range(clients)]
    for proc in procs:
        proc.start()
    total = sum(out.get(timeout=SECONDS + 60) for _ in procs)
    for proc in procs:
        proc.join()
        if proc.exitcode:
            raise SystemExit(f"a client failed (exit {proc.exitcode})")
    return total / SECONDS


def _dsn() -> dict:
    db = connection.settings_dict
    return {
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "user": db["USER"],
        "dbname": db["NAME"],
        "password": db["PASSWORD"] or None,
    }


def main() -> int:
    if connection.vendor != "postgresql":
        print("bench_place needs PostgreSQL: set DATABASE_URL=postgres://...")
        return 2
    started = time.perf_counter()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        ids = _fixtures()
        sample = order_create(
            data=OrderInput(
                channel=Channel.objects.get(pk=ids["channel"]),
                customer=Customer.objects.get(pk=ids["customer"]),
                lines=[
                    LineInput(product=Product.objects.get(pk=pk), quantity=q)
                    for pk, q in zip(ids["products"], QUANTITIES, strict=False)
                ],
            ),
            place=True,
        )
        inserts = RawInserts(sample)
        print(
            f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 100}, {os.cpu_count()} CPUs, "
            f"{SECONDS:g} s per run, orders of {len(QUANTITIES)} lines over {PRODUCTS} products "
            f"(set-up {time.perf_counter() - started:.1f} s)"
        )
        rows = []
        for clients in (1, 4):
            service = _measure(_service_client, clients, ids)
            raw = _measure(_raw_client, clients, ids, inserts, _dsn())
            rows.append((clients, service, raw))
        print()
        print(f"{'clients':>7}  {'service orders/s':>16}  {'raw SQL orders/s':>16}  {'service/raw':>11}")
        for clients, service, raw in rows:
            print(f"{clients:>7}  {service:>16.1f}  {raw:>16.1f}  {service / raw:>11.2f}")
        broken = [rule.name for rule, rows_ in run_all() if rows_]
        verdict = "BROKEN " + ", ".join(broken) if broken else "all hold"
        print(f"\n{Order.objects.count()} orders written; invariants: {verdict}")
        return 1 if broken else 0
    finally:
        connections.close_all()
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
