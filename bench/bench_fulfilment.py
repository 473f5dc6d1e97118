#!/usr/bin/env python
"""Fulfilment: packing-slip and pick-list PDFs beside a bare WeasyPrint render, and a wave of orders picked.

PDFs (each figure the median of BENCH_REPEAT runs, measured in this run beside the reference):
- bare: `weasyprint.HTML(string="<p>…one line…</p>").write_pdf()`, nothing shared, the reference;
- one packing slip and one pick list (`fulfillment.pdf`, the shop's stylesheets): goal <= 4x bare;
- a batch of BENCH_BATCH (500) packing slips as ONE document (one render): goal <= 1.3x BENCH_BATCH bare renders;
- the worker's RSS after each of BENCH_BATCHES (5) consecutive batches: flat (the last minus the first under 10 %).
Wave (PostgreSQL, the real services): BENCH_WAVE (500) orders of 1 and of 5 lines placed (stock allocated),
their shipments prepared, one pick list for the wave, every line ticked picked (`pick_list_pick_all`), then
shipped: seconds and SQL statements per order for each step, which must not grow with the lines per order.

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/oms_bench) names the server; the benchmark works in a
scratch database beside it (bench_oms_fulfilment, plus BENCH_DB_SUFFIX when set, so that two engineers' runs on one
server do not drop each other's), created, migrated and dropped here.
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

REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
celery_app.conf.task_always_eager = False
celery_app.conf.broker_url = REDIS

from decimal import Decimal  # noqa: E402

from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from weasyprint import HTML  # noqa: E402

from catalog.models import Product, StockLevel, StockLocation, TaxRate  # noqa: E402
from catalog.services import stock_receive  # noqa: E402
from fulfillment.documents import pick_lists_for_print, shipments_for_packing_slips  # noqa: E402
from fulfillment.pdf import packing_slips_pdf, pick_lists_pdf  # noqa: E402
from fulfillment.services.picking import pick_list_create, pick_list_pick_all  # noqa: E402
from fulfillment.services.shipments import shipment_ship, shipments_create  # noqa: E402
from oms.invariants import run_all  # noqa: E402
from oms.models import ShopSettings  # noqa: E402
from orders.models import Address, Channel, Customer  # noqa: E402
from orders.services.placement import LineInput, OrderInput, order_create  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
BATCH = int(os.environ.get("BENCH_BATCH", "500"))
WAVE = int(os.environ.get("BENCH_WAVE", "500"))
BATCHES = int(os.environ.get("BENCH_BATCHES", "5"))
PARTS = os.environ.get("BENCH_PARTS", "pdf,wave").split(",")  # run only one part: BENCH_PARTS=wave
LINES = (1, 5)
BARE = "<!doctype html><html><body><p>Packing slip 10001-S1: 1 × Bench product</p></body></html>"


def _rss_mb() -> float:
    for row in Path("/proc/self/status").read_text().splitlines():
        if row.startswith("VmRSS:"):
            return int(row.split()[1]) / 1024
    return 0.0


def _median(call, repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _fixtures() -> dict:
    ShopSettings.load()
    rate = TaxRate.objects.create(name="Standard", rate=Decimal("21.00"))
    location = StockLocation.objects.create(code="main", name="Main warehouse", priority=10)
    products = Product.objects.bulk_create(
        Product(sku=f"F-{i:03d}", name=f"Bench product {i}", unit_price=Decimal("10.00"), tax_rate=rate)
        for i in range(max(LINES))
    )
    for i, product in enumerate(products):
        stock_receive(product=product, location=location, quantity=1_000_000, reason="bench")
        StockLevel.objects.filter(product=product, location=location).update(bin_location=f"A-{i:02d}")
    channel = Channel.objects.create(code="bench", name="Bench")
    customer = Customer.objects.create(name="Bench Buyer", email="bench@example.com")
    Address.objects.create(customer=customer, name="Bench Buyer", street="Main 1", postal_code="1000", city="A")
    return {"channel": channel, "customer": customer, "products": products, "location": location}


def _place(fixtures: dict, lines: int):
    data = OrderInput(
        channel=fixtures["channel"],
        customer=fixtures["customer"],
        lines=[LineInput(product=product, quantity=2) for product in fixtures["products"][:lines]],
    )
    return order_create(data=data, place=True)


class StatementCounter:
    """Counts statements through `connection.execute_wrapper` (the query log keeps only the last 9,000)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += sql not in ("BEGIN", "COMMIT")
        return execute(sql, params, many, context)


def _step(label: str, call, orders: int, results: dict, lines: int):
    counter = StatementCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        value = call()
        seconds = time.perf_counter() - started
    queries = counter.count
    results[(label, lines)] = queries / orders
    print(f"{label:<44}{lines:>6}{seconds:>10.2f}{seconds / orders * 1000:>12.2f}{queries / orders:>12.2f}")
    return value


def _wave(fixtures: dict, lines: int, results: dict) -> None:
    orders = _step(
        "place (reserve + allocate)", lambda: [_place(fixtures, lines) for _ in range(WAVE)], WAVE, results, lines
    )
    shipments = _step(
        "prepare shipments", lambda: [s for o in orders for s in shipments_create(order_id=o.pk)], WAVE, results, lines
    )
    location_id = fixtures["location"].pk
    wave = _step(
        "pick list for the wave",
        lambda: pick_list_create(location_id=location_id, order_ids=[o.pk for o in orders]),
        WAVE,
        results,
        lines,
    )
    _step("tick every line picked", lambda: pick_list_pick_all(pick_list_id=wave.pick_list.pk), WAVE, results, lines)
    _step("ship", lambda: [shipment_ship(shipment_id=s.pk, carrier="Bench") for s in shipments], WAVE, results, lines)


def _pdfs(fixtures: dict) -> bool:
    orders = [_place(fixtures, 3) for _ in range(BATCH)]
    shipments = [s for o in orders for s in shipments_create(order_id=o.pk)]
    slips = shipments_for_packing_slips([s.pk for s in shipments])
    one = pick_list_create(location_id=fixtures["location"].pk, order_ids=[orders[0].pk])
    wave = pick_list_create(location_id=fixtures["location"].pk, order_ids=[o.pk for o in orders[1:21]])
    [pick_list, wave_list] = pick_lists_for_print([one.pick_list.pk, wave.pick_list.pk])
    packing_slips_pdf(slips[:1])  # warm the shared fonts and stylesheets, as a worker is after its first job
    HTML(string=BARE).write_pdf()
    bare = _median(lambda: HTML(string=BARE).write_pdf())
    slip = _median(lambda: packing_slips_pdf(slips[:1]))
    listed = _median(lambda: pick_lists_pdf([pick_list]))
    wave_listed = _median(lambda: pick_lists_pdf([wave_list]))
    rss = [_rss_mb()]
    batch_times = []
    for _ in range(BATCHES):
        started = time.perf_counter()
        data = packing_slips_pdf(slips)
        batch_times.append(time.perf_counter() - started)
        rss.append(_rss_mb())
    batch = statistics.median(batch_times)
    print(f"bare one-line page                {bare * 1000:>9.1f} ms")
    print(f"one packing slip                  {slip * 1000:>9.1f} ms  {slip / bare:>5.2f}x bare  (goal <= 4x)")
    print(f"one pick list (1 order, 3 lines)  {listed * 1000:>9.1f} ms  {listed / bare:>5.2f}x bare  (goal <= 4x)")
    print(f"a wave's pick list (60 lines)     {wave_listed * 1000:>9.1f} ms  {wave_listed / bare:>5.2f}x bare")
    print(
        f"{BATCH} packing slips, one document {batch:>9.2f} s   {batch / (BATCH * bare):>5.2f}x {BATCH} bare renders"
        f" (goal <= 1.3x), {len(data) // 1024} KiB"
    )
    print("RSS after each batch (MiB):       " + ", ".join(f"{value:.0f}" for value in rss))
    flat = rss[-1] - rss[1] < 0.1 * rss[1]
    return slip <= 4 * bare and listed <= 4 * bare and batch <= 1.3 * BATCH * bare and flat


def main() -> int:
    scratch = "bench_oms_fulfilment" + os.environ.get("BENCH_DB_SUFFIX", "")
    connection.settings_dict.setdefault("TEST", {})["NAME"] = scratch
    old = setup_databases(verbosity=0, interactive=False)
    try:
        fixtures = _fixtures()
        print(f"{connection.vendor}; PDFs: median of {REPEAT}; wave of {WAVE} orders\n")
        pdf_ok = _pdfs(fixtures) if "pdf" in PARTS else True
        print(f"\n{'step':<44}{'lines':>6}{'s':>10}{'ms/order':>12}{'SQL/order':>12}")
        results: dict = {}
        for lines in LINES if "wave" in PARTS else ():
            _wave(fixtures, lines, results)
        broken = [(rule.name, rows[:3]) for rule, rows in run_all() if rows]
        print("\ninvariant rules:", broken or "all hold")
        steps = sorted({step for step, _ in results})
        grows = [s for s in steps if abs(results[(s, 5)] - results[(s, 1)]) >= 0.05]
        flat = not grows
        print("every step's SQL per order independent of the lines per order:", "yes" if flat else f"NO: {grows}")
        print("PDF goals met:", "yes" if pdf_ok else "NO")
        return 0 if flat and pdf_ok and not broken else 1
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
