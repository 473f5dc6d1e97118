#!/usr/bin/env python
"""Orders placed per second on PostgreSQL, the code of this checkout beside an earlier commit's, same run.

Variants, each in its own scratch database beside DATABASE_URL's (bench_place_<variant>), created, migrated
and dropped here:
- `base`: the placement code of BENCH_BASE (default 9677625, before the lean write path), extracted with
  `git archive` into a temporary directory and run by this same harness;
- `lean`: this checkout;
- `lean+prep`: this checkout with server-side prepared statements (OMS_DB_PREPARE_THRESHOLD=1).
And the raw-SQL reference: the same rows written with plain psycopg, one transaction per order (the
conditional stock update `UPDATE ... SET allocated = allocated + n WHERE ... AND on_hand - allocated -
quarantined >= n`, then the order, its lines, allocations, movements and events; column values copied from
an order the service placed). It skips what only the service does: reading and locking, pricing, row
history, the outbox.

Every variant publishes its on-commit outbox tasks to Redis (BENCH_REDIS_URL, default
redis://127.0.0.1:6379/6, emptied before and after), as production does; no worker drains them.

Per variant and number of clients (1, 4, 8; processes, not threads) it reports orders/s over BENCH_SECONDS
(default 8), and CPU per order: the client processes' own CPU (os.times) plus that of the PostgreSQL
backends serving them (/proc/<backend pid>/stat), i.e. the machine CPU one placement costs, without
PostgreSQL's shared background processes (WAL writer, checkpointer) and Redis. Then statements per
placement of 2 and of 10 lines (CaptureQueriesContext; BEGIN and COMMIT not counted), and the invariants.
Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/oms_bench bench/bench_place.py
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
BASE = os.environ.get("BENCH_BASE", "9677625")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
CLIENTS = tuple(int(n) for n in os.environ.get("BENCH_CLIENTS", "1,4,8").split(","))
PRODUCTS = 200
QUANTITIES = (1, 2)  # every order: two lines of different products
TICKS = os.sysconf("SC_CLK_TCK")
RAW_STATEMENTS: dict = {}
TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"}


# ---------------------------------------------------------------- inside a variant's process (--worker)
def _django(code: Path, db_url: str, prepare: str) -> None:
    sys.path.insert(0, str(code))
    os.chdir(code)
    os.environ.update(
        DATABASE_URL=db_url,
        DJANGO_DEBUG="0",  # DEBUG would log every query
        DJANGO_SECRET_KEY="bench-only-not-secret",
        DJANGO_SETTINGS_MODULE="oms.settings.base",
        REDIS_URL=REDIS,
        OMS_DB_PREPARE_THRESHOLD=prepare,
    )
    import django

    django.setup()


def _fixtures() -> dict:
    from decimal import Decimal

    from catalog.models import Product, StockLocation, TaxRate
    from catalog.services import stock_receive
    from oms.models import ShopSettings
    from orders.models import Address, Channel, Customer

    ShopSettings.load()
    rate = TaxRate.objects.create(name="Standard", rate=Decimal("21.00"))
    location = StockLocation.objects.create(code="main", name="Main", priority=10)
    products = Product.objects.bulk_create(
        Product(sku=f"B-{i:04d}", name=f"Bench product {i}", unit_price=Decimal("10.00"), tax_rate=rate)
        for i in range(PRODUCTS)
    )
    for product in products:
        stock_receive(product=product, location=location, quantity=1_000_000, reason="bench")
    channel = Channel.objects.create(code="bench", name="Bench")
    customer = Customer.objects.create(name="Bench Buyer", email="bench@example.com")
    Address.objects.create(customer=customer, name="Bench Buyer", street="Main 1", postal_code="1000", city="A")
    return {"channel": channel.pk, "customer": customer.pk, "products": [p.pk for p in products]}


class Placer:
    """Places 2-line orders through the service, each in a request-like scope where the code has one."""

    def __init__(self, ids: dict, seed: int):
        import random

        from catalog.models import Product
        from orders.models import Channel, Customer

        self.rng = random.Random(seed)
        self.ids = ids
        self.channel = Channel.objects.get(pk=ids["channel"])
        self.customer = Customer.objects.get(pk=ids["customer"])
        self.products = {p.pk: p for p in Product.objects.select_related("tax_rate").filter(pk__in=ids["products"])}
        try:
            from oms.config_cache import config_scope  # a request or task: shop settings read once in it
        except ImportError:  # the base commit has no such scope
            from contextlib import nullcontext as config_scope
        self.scope = config_scope

    def place(self, lines: int = len(QUANTITIES)):
        from orders.services.placement import LineInput, OrderInput, order_create

        quantities = (QUANTITIES * lines)[:lines]
        picked = self.rng.sample(self.ids["products"], lines)
        items = [LineInput(product=self.products[pk], quantity=q) for pk, q in zip(picked, quantities, strict=True)]
        with self.scope():
            return order_create(
                data=OrderInput(channel=self.channel, customer=self.customer, lines=items), actor=None, place=True
            )


def _backend_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime (fields 14 and 15 of the whole line)


def _client(kind: str, ids: dict, seed: int, deadline: float, out) -> None:
    from django.db import connection

    if kind == "service":
        placer = Placer(ids, seed)
        step = placer.place
    else:
        raw = RawPlacer(ids, seed)
        step = raw.place
    pid = raw.pid if kind == "raw" else connection.cursor().connection.info.backend_pid
    backend0, own0 = _backend_ticks(pid), os.times()
    done = 0
    while time.time() < deadline:
        done += bool(step())
    own1, backend1 = os.times(), _backend_ticks(pid)
    cpu = (own1.user - own0.user) + (own1.system - own0.system) + (backend1 - backend0) / TICKS
    out.put((done, cpu))


def _measure(kind: str, ids: dict, clients: int) -> dict:
    import multiprocessing

    from django.db import connections

    connections.close_all()  # never share a connection across fork
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    deadline = time.time() + 0.5 + SECONDS
    procs = [ctx.Process(target=_client, args=(kind, ids, seed, deadline, out)) for seed in range(clients)]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=SECONDS + 120) for _ in procs]
    for proc in procs:
        proc.join()
        if proc.exitcode:
            raise SystemExit(f"a client failed (exit {proc.exitcode})")
    orders = sum(done for done, _ in results)
    cpu = sum(cpu for _, cpu in results)
    return {"rate": orders / SECONDS, "cpu_ms": cpu / max(orders, 1) * 1000, "orders": orders}


def _statements(ids: dict) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    placer = Placer(ids, 99)
    placer.place()  # warm-up: content types, caches
    counts = {}
    for lines in (2, 10):
        with CaptureQueriesContext(connection) as captured:
            placer.place(lines)
        counts[lines] = sum(1 for q in captured.captured_queries if q["sql"].split()[0] not in TRANSACTION_CONTROL)
    return counts


def _invariants() -> list[str]:
    from oms.invariants import run_all

    return [rule.name for rule, rows in run_all() if rows]


# ---------------------------------------------------------------- the raw reference
class RawPlacer:
    """INSERT statements and column values copied from rows the service wrote, with per-order keys."""

    def __init__(self, ids: dict, seed: int):
        import random

        import psycopg
        from django.db import connection

        self.rng, self.ids = random.Random(seed), ids
        db = connection.settings_dict
        self.conn = psycopg.connect(
            host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"], dbname=db["NAME"],
            password=db["PASSWORD"] or None,
        )  # fmt: skip
        self.pid = self.conn.info.backend_pid
        self.statements = RAW_STATEMENTS

    def place(self) -> bool:
        with self.conn.transaction(), self.conn.cursor() as cursor:
            return raw_place(cursor, self.statements, self.rng.sample(self.ids["products"], len(QUANTITIES)))


def raw_statements(order) -> dict:
    from django.db import connection

    from catalog.models import StockLevel, StockMovement
    from orders.models import Allocation

    def statement(obj):
        fields = [f for f in obj._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {obj._meta.db_table} ({columns}) VALUES ({marks}) RETURNING id"  # noqa: S608
        values = {f.column: f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields}
        return sql, [f.column for f in fields], values

    lines = list(order.lines.order_by("position"))
    return {
        "order": statement(order),
        "lines": [statement(line) for line in lines],
        "allocations": [statement(Allocation.objects.get(line=line)) for line in lines],
        "movements": [statement(m) for m in StockMovement.objects.filter(reference=order.number).order_by("pk")],
        "events": [statement(e) for e in order.events.order_by("pk")],
        "level_sql": (
            f"UPDATE {StockLevel._meta.db_table} SET allocated = allocated + %s "  # noqa: S608
            "WHERE product_id = %s AND location_id = %s AND on_hand - allocated - quarantined >= %s RETURNING id"
        ),
    }


def raw_place(cursor, s: dict, product_ids: list[int]) -> bool:
    def run(statement, **keys) -> int:
        sql, columns, values = statement
        cursor.execute(sql, [keys.get(column, values[column]) for column in columns])
        return cursor.fetchone()[0]

    location = s["allocations"][0][2]["location_id"]
    level_of = {}
    for product_id, quantity in sorted(zip(product_ids, QUANTITIES, strict=True)):
        cursor.execute(s["level_sql"], [quantity, product_id, location, quantity])
        row = cursor.fetchone()
        if row is None:
            return False
        level_of[product_id] = row[0]
    order_id = run(s["order"], number=None)
    cursor.execute("UPDATE orders_order SET number = %s WHERE id = %s", [str(10000 + order_id), order_id])
    for i, product_id in enumerate(product_ids):
        line_id = run(s["lines"][i], order_id=order_id, product_id=product_id)
        run(s["allocations"][i], line_id=line_id)
        run(s["movements"][i], level_id=level_of[product_id], reference=str(10000 + order_id))
    for event in s["events"]:
        run(event, order_id=order_id)
    return True


def worker(args: dict) -> dict:
    """One task in a variant's process: prepare its database, measure, count statements, check invariants."""
    _django(Path(args["code"]), args["db_url"], args.get("prepare", ""))
    task = args["task"]
    if task == "prepare":
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        ids = _fixtures()
        Placer(ids, 0).place()  # the raw reference copies this first order's rows
        return {"ids": ids}
    if task == "measure":
        if args["kind"] == "raw":
            from orders.models import Order

            global RAW_STATEMENTS
            RAW_STATEMENTS = raw_statements(Order.objects.order_by("pk").first())
        return _measure(args["kind"], args["ids"], args["clients"])
    if task == "statements":
        return {"statements": _statements(args["ids"]), "broken": _invariants()}
    raise SystemExit(f"unknown task {task}")


# ---------------------------------------------------------------- the orchestrator
def _run(args: dict) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(args)], capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(f"{args['task']} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _server() -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oms_bench")
    if not url.startswith("postgres"):
        raise SystemExit("bench_place needs PostgreSQL: set DATABASE_URL=postgres://...")
    return url.rpartition("/")[0], url


def _databases(base_url: str, names: list[str], create: bool) -> None:
    import psycopg

    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as conn:
        for name in names:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            if create:
                conn.execute(f"CREATE DATABASE {name}")


def _redis_flush() -> None:
    import redis

    redis.Redis.from_url(REDIS).flushdb()


def main() -> int:
    server, _ = _server()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-base-") as tmp:
        base_code = Path(tmp)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASE], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base_code)], input=archive, check=True)
        variants = {
            "base": {"code": str(base_code), "prepare": ""},
            "lean": {"code": str(ROOT), "prepare": ""},
            "lean+prep": {"code": str(ROOT), "prepare": "1"},
        }
        names = {v: f"bench_place_{v.replace('+', '_')}" for v in variants}
        _databases(server, list(names.values()), create=True)
        _redis_flush()
        try:
            for v, spec in variants.items():
                spec["db_url"] = f"{server}/{names[v]}"
                spec.update(_run({**spec, "task": "prepare"}))
            print(
                f"{os.cpu_count()} CPUs, {SECONDS:g} s per run, orders of {len(QUANTITIES)} lines over {PRODUCTS} "
                f"products, broker {REDIS}; base = {BASE} (set-up {time.perf_counter() - started:.0f} s)\n"
            )
            rows = []
            for clients in CLIENTS:  # variants alternate per client count, so drift hits all alike
                row = {"clients": clients}
                for v, spec in variants.items():
                    row[v] = _run({**spec, "task": "measure", "kind": "service", "clients": clients})
                row["raw"] = _run({**variants["lean"], "task": "measure", "kind": "raw", "clients": clients})
                rows.append(row)
            _report(rows, {v: _run({**spec, "task": "statements"}) for v, spec in variants.items()})
        finally:
            _databases(server, list(names.values()), create=False)
            _redis_flush()
    return 0


def _report(rows: list[dict], checks: dict) -> None:
    head = f"{'clients':>7}"
    for v in ("base", "lean", "lean+prep", "raw"):
        head += f"  {v + ' orders/s':>18}  {'CPU ms/order':>12}"
    print(head + f"  {'lean+prep/base':>14}")
    for row in rows:
        line = f"{row['clients']:>7}"
        for v in ("base", "lean", "lean+prep", "raw"):
            line += f"  {row[v]['rate']:>18.1f}  {row[v]['cpu_ms']:>12.1f}"
        print(line + f"  {row['lean+prep']['rate'] / row['base']['rate']:>14.2f}")
    print("\nstatements per placement (BEGIN/COMMIT not counted):")
    for v, check in checks.items():
        counts = ", ".join(f"{n} lines: {c}" for n, c in check["statements"].items())
        verdict = "BROKEN " + ", ".join(check["broken"]) if check["broken"] else "all hold"
        print(f"  {v:<10} {counts};  invariants: {verdict}")
    if any(check["broken"] for check in checks.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        print(json.dumps(worker(json.loads(sys.argv[2]))))
    else:
        sys.exit(main())
