#!/usr/bin/env python
"""Edit, split and cancel of large orders: time and SQL statements of one commit, 100-line order beside a 10-line one.

What is measured (each the real service, in its own transaction, outbox rows included; the on-commit hand-over
goes to Redis, BENCH_REDIS_URL, default redis://127.0.0.1:6379/6, as in production; no worker drains it):
- edit: `order_edit_commit` changing the quantity of 1 line, and of 10 lines;
- split: `order_split` moving part of 1 line, and part of 10 lines, into a new order;
- line cancel: `order_line_cancel` of 1 unit of 1 line; cancel: `order_cancel` of the whole order.
Statements exclude BEGIN and COMMIT.
Each figure is the median of REPEAT runs on fresh orders; the query count is the same in every run.
The reference is the same operation on a 10-line order in the same run: the counts must not grow with the
order's size, only (by a constant few) with the number of changed lines.

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/oms_bench) names the server; the benchmark works in
a scratch database beside it (bench_oms_edit_split), created, migrated and dropped here. A sqlite:/// URL
works too. BENCH_REPEAT sets the number of runs (default 7).
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oms_bench")
os.environ["DJANGO_DEBUG"] = "0"  # DEBUG would keep every query in memory
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings.base")

import django  # noqa: E402

django.setup()

from oms.celery import app as celery_app  # noqa: E402

# Measure the services, not e-mail delivery: outbox tasks are published to Redis, nobody drains them.
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
celery_app.conf.task_always_eager = False
celery_app.conf.broker_url = REDIS

from decimal import Decimal  # noqa: E402

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402

from catalog.models import Product, StockLocation, TaxRate  # noqa: E402
from catalog.services import stock_receive  # noqa: E402
from oms.invariants import run_all  # noqa: E402
from oms.models import ShopSettings  # noqa: E402
from orders.models import Address, Channel, Customer, SplitReason  # noqa: E402
from orders.services.cancel import order_cancel, order_line_cancel  # noqa: E402
from orders.services.edit import EditChanges, order_edit_commit  # noqa: E402
from orders.services.placement import LineInput, OrderInput, order_create  # noqa: E402
from orders.services.split import order_split  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "7"))
SIZES = (10, 100)
CHANGED = (1, 10)


def _fixtures() -> dict:
    ShopSettings.load()
    rate = TaxRate.objects.create(name="Standard", rate=Decimal("21.00"))
    location = StockLocation.objects.create(code="main", name="Main", priority=10)
    products = Product.objects.bulk_create(
        Product(sku=f"E-{i:04d}", name=f"Bench product {i}", unit_price=Decimal("10.00"), tax_rate=rate)
        for i in range(max(SIZES))
    )
    for product in products:
        stock_receive(product=product, location=location, quantity=1_000_000, reason="bench")
    channel = Channel.objects.create(code="bench", name="Bench")
    customer = Customer.objects.create(name="Bench Buyer", email="bench@example.com")
    Address.objects.create(customer=customer, name="Bench Buyer", street="Main 1", postal_code="1000", city="A")
    return {"channel": channel, "customer": customer, "products": products}


def _order(fixtures: dict, size: int):
    lines = [LineInput(product=product, quantity=4) for product in fixtures["products"][:size]]
    data = OrderInput(
        channel=fixtures["channel"],
        customer=fixtures["customer"],
        lines=lines,
        shipping_fee=Decimal("4.95"),
        discount_amount=Decimal("7.77"),
    )
    return order_create(data=data, place=True)


def _edit(order, changed: int):
    lines = list(order.lines.order_by("position")[:changed])
    changes = EditChanges(quantities={line.pk: 6 for line in lines})
    return lambda: order_edit_commit(order_id=order.pk, changes=changes, base_version=order.version, note="bench")


def _split(order, changed: int):
    lines = list(order.lines.order_by("position")[:changed])
    return lambda: order_split(order_id=order.pk, quantities={line.pk: 1 for line in lines}, reason=SplitReason.OTHER)


def _line_cancel(order, changed: int):
    line = order.lines.order_by("position").first()
    return lambda: order_line_cancel(order_id=order.pk, line_id=line.pk, quantity=1)


def _cancel(order, changed: int):
    return lambda: order_cancel(order_id=order.pk)


def _measure(fixtures: dict, operation, size: int, changed: int) -> tuple[float, int]:
    times, queries = [], set()
    for _ in range(REPEAT):
        call = operation(_order(fixtures, size), changed)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            call()
            times.append(time.perf_counter() - started)
        queries.add(sum(1 for q in captured.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")))
    return statistics.median(times) * 1000, max(queries)


def main() -> int:
    connection.settings_dict.setdefault("TEST", {})["NAME"] = "bench_oms_edit_split"
    old = setup_databases(verbosity=0, interactive=False)
    try:
        fixtures = _fixtures()
        print(f"{connection.vendor}, median of {REPEAT} runs, one transaction per operation\n")
        print(f"{'operation':<34}{'order lines':>12}{'ms':>10}{'queries':>10}")
        results = {}
        operations = (
            ("edit: change quantity of", _edit, CHANGED),
            ("split: move part of", _split, CHANGED),
            ("line cancel: 1 unit of", _line_cancel, (1,)),
            ("cancel the order, lines:", _cancel, (0,)),
        )
        for name, operation, counts in operations:
            for changed in counts:
                for size in SIZES:
                    ms, queries = _measure(fixtures, operation, size, changed)
                    results[(name, changed, size)] = queries
                    label = f"{name} {changed} line{'s' if changed > 1 else ''}" if changed else f"{name} all"
                    print(f"{label:<34}{size:>12}{ms:>10.1f}{queries:>10}")
        broken = [(rule.name, rows[:3]) for rule, rows in run_all() if rows]
        print("\ninvariant rules:", broken or "all hold")
        flat = all(results[(n, c, 100)] == results[(n, c, 10)] for n, c, _ in results)
        print("query count independent of the order's size:", "yes" if flat else "NO")
        return 0 if flat and not broken else 1
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
