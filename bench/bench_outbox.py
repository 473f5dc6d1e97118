#!/usr/bin/env python
"""Outbox benchmark: e-mails delivered per second to a local SMTP sink by one Celery worker, and the
cost the outbox adds to placing an order (placement throughput with and without it, same run).

Uses PostgreSQL when DATABASE_URL is a postgres:// URL (a scratch database `bench_oms_outbox` next to
it), otherwise a scratch SQLite file; Redis database 6 on 127.0.0.1 as the broker.
Usage: bench/bench_outbox.py [--messages 500] [--orders 150]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BROKER = "redis://127.0.0.1:6379/6"


def _database_url(scratch: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{scratch / 'bench.sqlite3'}"
    import psycopg

    base, _, _ = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS bench_oms_outbox")
        conn.execute("CREATE DATABASE bench_oms_outbox")
    return f"{base}/bench_oms_outbox"


def _setup(scratch: Path, smtp_port: int) -> dict:
    env = {
        "DJANGO_SETTINGS_MODULE": "oms.settings.base",
        "DJANGO_DEBUG": "0",  # DEBUG logs every query; measure what production runs
        "DJANGO_SECRET_KEY": "bench-only",
        "DATABASE_URL": _database_url(scratch),
        "REDIS_URL": BROKER,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "OMS_VAR_DIR": str(scratch),
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    return env


def _fixtures():
    from catalog.models import StockLocation
    from tests.factories import AddressFactory, ChannelFactory, ProductFactory, stock

    location = StockLocation.objects.create(code="main", name="Main", priority=10)
    product = ProductFactory(sku="BENCH-1", name="Bench mug")
    stock(product, location, 1_000_000)
    return ChannelFactory(), AddressFactory().customer, product


def _start_worker(env: dict, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "oms", "worker", "--pool", "solo", "-l", "info",
         "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env={**os.environ, **env}, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while "ready." not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"worker did not start: {log.read_text()[-2000:]}")
        time.sleep(0.05)
    return process


def bench_delivery(env: dict, scratch: Path, sink, count: int) -> float:
    from django.db import transaction

    from notifications.models import Message
    from notifications.services import email_enqueue

    context = {"customer_name": "Ann", "order_number": "10001", "subject": "Bench", "message": "Hello"}
    with transaction.atomic():  # queued and published before the worker starts: we time delivery only
        for _ in range(count):
            email_enqueue(kind="free_text", to="ann@example.com", context=context)
    worker = _start_worker(env, scratch / "worker.log")
    try:
        started = time.perf_counter()
        while Message.objects.filter(status=Message.Status.SENT).count() < count:
            if time.perf_counter() - started > 600:
                raise SystemExit("delivery did not finish in 10 minutes")
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(20)
    assert len(sink.messages) == count, (len(sink.messages), count)
    return count / elapsed


def _place(channel, customer, product, n: int) -> float:
    from orders.services.placement import LineInput, OrderInput, order_create

    started = time.perf_counter()
    for _ in range(n):
        data = OrderInput(channel=channel, customer=customer, lines=[LineInput(product=product, quantity=1)])
        order_create(data=data, actor=None, place=True)
    return n / (time.perf_counter() - started)


def bench_placement(orders: int, rounds: int = 3) -> tuple[float, float]:
    """Orders placed per second with the outbox (rows + publish to Redis) and without (notify a no-op)."""
    from orders.services import placement

    channel, customer, product = _fixtures()
    real_notify = placement.order_notify
    _place(channel, customer, product, 10)  # warm-up
    with_outbox, without = [], []
    for _ in range(rounds):  # alternate, so drift in the machine hits both sides alike
        placement.order_notify = real_notify
        with_outbox.append(_place(channel, customer, product, orders // rounds))
        placement.order_notify = lambda **kwargs: None
        without.append(_place(channel, customer, product, orders // rounds))
    placement.order_notify = real_notify
    return sorted(with_outbox)[rounds // 2], sorted(without)[rounds // 2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--orders", type=int, default=150)
    args = parser.parse_args()
    from tests.peers import start_smtp_sink

    controller, sink = start_smtp_sink()
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_KEEP_DIR")) as tmp:
        scratch = Path(tmp)
        env = _setup(scratch, sink.port)
        from django.db import connection

        print(f"database: {connection.vendor}; broker: {BROKER}; SMTP sink: aiosmtpd on 127.0.0.1:{sink.port}")
        rate = bench_delivery(env, scratch, sink, args.messages)
        print(f"outbox delivery, one worker (solo pool): {rate:.1f} e-mails/s ({args.messages} messages)")
        with_outbox, without = bench_placement(args.orders)
        cost_ms = (1 / with_outbox - 1 / without) * 1000
        print(f"placement with outbox:    {with_outbox:.1f} orders/s")
        print(f"placement without outbox: {without:.1f} orders/s")
        print(f"outbox cost per placement: {cost_ms:.2f} ms ({(1 - with_outbox / without) * 100:.0f}% throughput)")
        connection.close()
    controller.stop()


if __name__ == "__main__":
    main()
