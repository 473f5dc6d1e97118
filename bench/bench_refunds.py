#!/usr/bin/env python
"""Refund benchmark: a batch of N refunds approved and sent by real Celery workers (thread pools) on Redis to
the local provider at 50 ms latency and 100 calls/s. Prints the total time beside the provider's own floor
measured in the same run (the same provider, called straight from this process, as fast as its limit allows,
over the same number of calls), the duplicates (refunds the provider paid twice, refund rows recorded twice)
and the worker's peak memory (VmHWM).

Uses PostgreSQL (a scratch database `bench_oms_refunds` next to DATABASE_URL) and Redis database 8.
Usage: bench/bench_refunds.py [--refunds 10000] [--orders 100] [--workers 2] [--concurrency 8]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BROKER = os.environ.get("BENCH_REFUNDS_BROKER", "redis://127.0.0.1:6379/8")
LATENCY_MS, RATE = "50", "100"


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("bench_refunds needs DATABASE_URL=postgres://... (a real worker shares the database)")
    import psycopg

    base, _, _ = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS bench_oms_refunds WITH (FORCE)")
        conn.execute("CREATE DATABASE bench_oms_refunds")
    return f"{base}/bench_oms_refunds"


def _setup(scratch: Path) -> dict:
    env = {
        "DJANGO_SETTINGS_MODULE": "oms.settings.base",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": BROKER,
        "OMS_VAR_DIR": str(scratch),
        "OMS_LOCAL_REFUND_LATENCY_MS": LATENCY_MS,
        "OMS_LOCAL_REFUND_RATE": RATE,
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    return env


def _refunds(count: int, orders: int) -> int:
    """`orders` orders paid online with an overpayment each; `count` refunds of 1.00 spread over them in turn
    (consecutive refunds belong to different orders, as in a real batch), collected into today's batch."""
    from django.db import transaction

    from catalog.models import StockLocation
    from oms.models import ShopSettings
    from orders.models import Customer
    from orders.services.locks import order_lock
    from orders.services.payments import order_payment_record
    from orders.services.placement import LineInput, OrderInput, order_create
    from returns.models import Refund
    from returns.services.refund_batches import refund_batch_create
    from returns.services.refunds import refund_create_locked
    from tests.factories import ChannelFactory, ProductFactory, stock

    shop = ShopSettings.load()
    shop.refund_mode = ShopSettings.RefundMode.BATCHED
    shop.save()
    location = StockLocation.objects.create(code="main", name="Main", priority=10)
    product = ProductFactory(sku="BENCH-1", name="Bench mug", unit_price=Decimal("10.00"))
    stock(product, location, 1_000_000)
    channel = ChannelFactory()
    customer = Customer.objects.create(name="Bench customer", email="")  # no e-mail: the outbox has its own bench
    per_order = -(-count // orders)
    ids = []
    for n in range(orders):
        data = OrderInput(channel=channel, customer=customer, lines=[LineInput(product=product, quantity=1)])
        order = order_create(data=data, actor=None, place=True)
        order_payment_record(order_id=order.pk, amount=order.total_gross + per_order, method="card",
                             idempotency_key=f"local:bench-{n}", allow_overpayment=True)  # fmt: skip
        ids.append(order.pk)
    made = 0
    with transaction.atomic():
        for round_ in range(per_order):
            for order_id in ids:
                if made == count:
                    break
                order = order_lock(order_id, operation="refund").order
                refund_create_locked(order=order, amount=Decimal("1.00"), kind=Refund.Kind.REFUND_DUE,
                                     reason=f"Bench {round_}")  # fmt: skip
                made += 1
    batch = refund_batch_create()
    return batch.pk


def _start_worker(env: dict, log: Path, concurrency: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "oms", "worker", "--pool", "threads", "--concurrency",
         str(concurrency), "-l", "warning", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env={**os.environ, **env}, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    time.sleep(3)
    if process.poll() is not None:
        raise SystemExit(f"worker did not start: {log.read_text()[-2000:]}")
    return process


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def provider_floor(calls: int, threads: int) -> float:
    """The provider alone: `calls` refunds straight from this process's threads, limited only by the provider.
    Keys of their own (a separate payment), so they are new refunds for it, like the batch's."""
    from invoicing.providers import provider_get

    provider = provider_get("local")
    counter = iter(range(calls))
    lock = threading.Lock()

    def run() -> None:
        from django.db import connection

        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            provider.refund(payment_id="floor", amount=Decimal("1.00"), currency="EUR", idempotency_key=f"floor-{n}")
        connection.close()

    started = time.perf_counter()
    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - started


def bench_batch(env: dict, scratch: Path, batch_id: int, count: int, concurrency: int, workers: int):
    from django.contrib.auth.models import Group

    from oms.models import User
    from returns.models import Refund
    from returns.services.refund_batches import refund_batch_approve

    finance = User.objects.create_user(email="books@example.com", password="bench", is_staff=True)
    finance.groups.add(Group.objects.get(name="Finance"))
    procs = [_start_worker(env, scratch / f"worker{n}.log", concurrency) for n in range(workers)]
    peaks = [0] * workers
    try:
        started = time.perf_counter()
        refund_batch_approve(batch_id=batch_id, actor=finance)  # commits, then publishes one task per refund
        published = time.perf_counter() - started
        while (done := Refund.objects.filter(status__in=["paid", "failed"]).count()) < count:
            peaks = [max(p, _peak_kib(w.pid)) for p, w in zip(peaks, procs, strict=True)]
            if time.perf_counter() - started > 900:
                raise SystemExit(f"only {done} of {count} refunds done after 15 minutes")
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        peaks = [max(p, _peak_kib(w.pid)) for p, w in zip(peaks, procs, strict=True)]
    finally:
        for worker in procs:
            worker.terminate()
            worker.wait(30)
    print(f"  approve + publish {count} tasks: {published:.1f} s")
    return elapsed, peaks


def _duplicates() -> dict:
    from django.db.models import Count

    from invoicing.models import LocalProviderRefund
    from orders.models import OrderPayment
    from returns.models import Refund

    bench = LocalProviderRefund.objects.exclude(payment_id="floor")
    return {
        "provider refunds": bench.count(),
        "keys paid twice": bench.values("idempotency_key").annotate(n=Count("pk")).filter(n__gt=1).count(),
        "refund rows": OrderPayment.objects.filter(kind="refund").count(),
        "refunds paid": Refund.objects.filter(status="paid").count(),
        "refunds failed": Refund.objects.filter(status="failed").count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--refunds", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8, help="threads per worker process")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (the provider's limit is shared)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        env = _setup(scratch)
        print(f"database: PostgreSQL; broker: {BROKER}; provider: {LATENCY_MS} ms latency, {RATE} calls/s")
        started = time.perf_counter()
        batch_id = _refunds(args.refunds, args.orders)
        print(f"setup: {args.refunds} refunds on {args.orders} orders in {time.perf_counter() - started:.0f} s")
        sample = min(args.refunds, 2000)  # the provider's own pace over a sample, scaled to the batch
        floor = provider_floor(sample, args.concurrency * args.workers) * args.refunds / sample
        print(
            f"provider floor: {floor:.1f} s for {args.refunds} calls ({sample} calls straight to the provider, "
            f"scaled; its limit alone gives {args.refunds / float(RATE):.0f} s)"
        )
        elapsed, peaks = bench_batch(env, scratch, batch_id, args.refunds, args.concurrency, args.workers)
        counts = _duplicates()
        print(
            f"batch of {args.refunds} approved and sent by {args.workers} worker process(es) x {args.concurrency} "
            f"threads: {elapsed:.1f} s = {elapsed / floor:.2f}x the floor ({args.refunds / elapsed:.1f} refunds/s)"
        )
        print("  " + ", ".join(f"{k}: {v}" for k, v in counts.items()))
        print("  worker peak memory (VmHWM): " + ", ".join(f"{p / 1024:.0f} MiB" for p in peaks))
        ok = counts["keys paid twice"] == 0 and counts["refund rows"] == counts["refunds paid"] == args.refunds
        print("zero duplicates, every refund paid once" if ok else "PROBLEM: see the counts above")
        if not ok:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
