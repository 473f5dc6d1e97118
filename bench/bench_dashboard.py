#!/usr/bin/env python
"""The admin home's dashboard at 100,000 (and 1,000,000) orders: p50/p95 and SQL queries per request, beside
the same figures computed as one plain SQL query (one pass over the orders with COUNT ... FILTER and SUM,
plus the invoices, alerts and outbox counts), timed in the same run.

The dashboard (reports/dashboard.py) reads a fixed number of queries: the counts as capped scalar subqueries
on the status tabs' partial indexes, today's orders through placed_at's index, the oldest orders awaiting
fulfilment through their tab's index, the newest open alerts. Goal: p95 <= 300 ms at 1M, the same query
count at every size.

Each size has its own scratch database beside DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
oms_bench): bench_oms_dash_<size>, made, migrated and loaded by `generate_orders` on the first run and KEPT
(BENCH_DASHBOARD_FRESH=1 drops and reloads). BENCH_DASHBOARD_SIZES (default "100000") picks the sizes,
BENCH_REPEAT the requests (default 30). `--load` loads and measures nothing.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
SERVER_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oms_bench")
SIZES = [int(s) for s in os.environ.get("BENCH_DASHBOARD_SIZES", "100000").split(",") if s.strip()]
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
GOAL_MS = 300.0


def _name(size: int) -> str:
    return f"bench_oms_dash_{size}" + os.environ.get("BENCH_DB_SUFFIX", "")  # two engineers, two databases


def _ensure_database(size: int) -> str:
    import psycopg

    parts = urlsplit(SERVER_URL)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        if os.environ.get("BENCH_DASHBOARD_FRESH") == "1":
            conn.execute(f'DROP DATABASE IF EXISTS "{_name(size)}"')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [_name(size)]).fetchone():
            conn.execute(f'CREATE DATABASE "{_name(size)}"')
    return urlunsplit(parts._replace(path=f"/{_name(size)}"))


def main() -> int:
    results = {}
    extra = ["--load"] if "--load" in sys.argv else []
    for size in SIZES:
        env = {**os.environ, "DATABASE_URL": _ensure_database(size)}
        out = subprocess.run([sys.executable, __file__, "--one", str(size), *extra], cwd=ROOT, env=env,
                             check=False, capture_output=True, text=True)  # fmt: skip
        sys.stderr.write(out.stderr)
        lines = out.stdout.splitlines()
        print("\n".join(line for line in lines if not line.startswith("{")), flush=True)
        if out.returncode:
            return out.returncode
        if not extra:
            results[size] = json.loads(next(line for line in lines if line.startswith("{")))
    if len(results) > 1:
        counts = {size: row["queries"] for size, row in results.items()}
        print(f"Query counts at every size: {counts} ({'equal' if len(set(counts.values())) == 1 else 'NOT equal'})")
    return 0


def _fixtures():
    """A superuser, a few open low-stock alerts (reorder points set through the service) and a failed e-mail."""
    from catalog.models import StockAlert, StockLevel
    from catalog.services import stock_level_set_reorder_point
    from notifications.models import DeliveryStatus, EmailKind, Message
    from oms.models import User

    admin, _ = User.objects.get_or_create(email="bench-admin@example.com", defaults={"is_staff": True,
                                                                                    "is_superuser": True})  # fmt: skip
    if not StockAlert.objects.exists():
        for level in StockLevel.objects.order_by("pk")[:12]:
            stock_level_set_reorder_point(level_id=level.pk, reorder_point=level.sellable + 10)
        StockAlert.objects.update(notified_at=time_now())  # no e-mail from the bench
    if not Message.objects.filter(status=DeliveryStatus.FAILED).exists():
        Message.objects.create(kind=EmailKind.FREE_TEXT, to="bench@example.com", status=DeliveryStatus.FAILED)
    return admin


def time_now():
    from django.utils import timezone

    return timezone.now()


PLAIN_SQL = """
SELECT
  (SELECT json_build_object(
     'all', count(*), 'draft', count(*) FILTER (WHERE status = 'draft'),
     'awaiting_payment', count(*) FILTER (WHERE status = 'placed' AND payment_status IN ('unpaid', 'partially_paid')),
     'awaiting_fulfilment', count(*) FILTER (WHERE status = 'placed' AND fulfillment_status = 'unfulfilled'
        AND (payment_status IN ('paid', 'refund_due') OR payment_terms <> 'immediate')),
     'partially_shipped', count(*) FILTER (WHERE status = 'placed' AND fulfillment_status = 'partially_fulfilled'),
     'shipped', count(*) FILTER (WHERE status = 'placed' AND fulfillment_status = 'fulfilled'),
     'refund_due', count(*) FILTER (WHERE payment_status = 'refund_due'),
     'cancelled', count(*) FILTER (WHERE status = 'canceled'),
     'today', count(*) FILTER (WHERE placed_at >= %(start)s AND placed_at < %(end)s),
     'revenue', sum(total_gross) FILTER (WHERE placed_at >= %(start)s AND placed_at < %(end)s))
   FROM orders_order),
  (SELECT count(*) FROM invoicing_invoice
   WHERE status IN ('issued', 'sent', 'partially_paid') AND due_date < %(today)s),
  (SELECT count(*) FROM catalog_stockalert WHERE cleared_at IS NULL),
  (SELECT count(*) FROM notifications_message WHERE status = 'failed')
"""


def _plain(repeat: int) -> list[float]:
    """The same figures as one plain SQL query: exact counts (no cap) in one pass over the orders."""
    from django.db import connection
    from django.utils import timezone

    from reports.dashboard_sources import today_bounds

    start, end = today_bounds()
    params = {"start": start, "end": end, "today": timezone.localdate()}
    samples = []
    with connection.cursor() as cursor:
        for i in range(repeat + 2):
            started = time.perf_counter()
            cursor.execute(PLAIN_SQL, params)
            cursor.fetchall()
            if i >= 2:
                samples.append((time.perf_counter() - started) * 1000)
    return samples


class QueryKeeper:
    """Keeps the SQL and parameters the dashboard sends (to EXPLAIN ANALYZE them afterwards)."""

    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        self.queries.append((sql, params))
        return execute(sql, params, many, context)


def _explained_ms(queries: list, repeat: int) -> list[float]:
    """The database's own time (planning + execution, EXPLAIN ANALYZE) of the queries together, per run."""
    from django.db import connection

    runs = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            total = 0.0
            for sql, params in queries:
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
                plan = cursor.fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                total += plan[0]["Execution Time"] + plan[0]["Planning Time"]
            runs.append(total)
    return runs


def _dashboard_queries(admin) -> list:
    from django.db import connection

    from reports.dashboard import dashboard_for

    keeper = QueryKeeper()
    with connection.execute_wrapper(keeper):
        dashboard_for(admin)
    return keeper.queries


def run_one(size: int, repeat: int) -> int:
    from bench_lists import QueryCounter, _load, percentile, timed
    from django.db import connection
    from django.test import Client

    from orders.models import Order

    _load(size)
    admin = _fixtures()
    client = Client()
    client.force_login(admin)

    def get():
        response = client.get("/admin/", secure=True)
        assert response.status_code == 200, response.status_code

    get()
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        get()
    wall, cpu = timed(get, repeat)
    plain = _plain(repeat)
    from reports.dashboard_sources import today_bounds

    start, end = today_bounds()
    plain_params = {"start": start, "end": end, "today": start.date()}
    db_dash = _explained_ms(_dashboard_queries(admin), repeat)
    db_plain = _explained_ms([(PLAIN_SQL, plain_params)], repeat)
    row = {"p50": round(statistics.median(wall), 1), "p95": round(percentile(wall, 0.95), 1),
           "cpu_p50": round(statistics.median(cpu), 1), "queries": counter.count,
           "plain_p50": round(statistics.median(plain), 1), "plain_p95": round(percentile(plain, 0.95), 1),
           "db_dashboard_p50": round(statistics.median(db_dash), 2),
           "db_plain_p50": round(statistics.median(db_plain), 2)}  # fmt: skip
    print(f"\n{Order.objects.count():,} orders; {repeat} requests")
    print(f"dashboard (/admin/): p50 {row['p50']} ms, p95 {row['p95']} ms, cpu p50 {row['cpu_p50']} ms, "
          f"{row['queries']} queries")  # fmt: skip
    print(
        f"one plain SQL query of the same figures (exact counts): p50 {row['plain_p50']} ms, p95 {row['plain_p95']} ms"
    )
    print(f"database's own time (EXPLAIN ANALYZE, p50): the dashboard's queries {row['db_dashboard_p50']} ms, "
          f"the plain query {row['db_plain_p50']} ms")  # fmt: skip
    print(f"p95 <= {GOAL_MS:.0f} ms: {'yes' if row['p95'] <= GOAL_MS else 'NO'}")
    print(json.dumps({"size": size, **row}))
    return 0


if __name__ == "__main__" and "--one" in sys.argv:
    from bench_lists import _setup_django

    _setup_django()
    size = int(sys.argv[sys.argv.index("--one") + 1])
    if "--load" in sys.argv:
        from bench_lists import _load

        _load(size)
        sys.exit(0)
    sys.exit(run_one(size, REPEAT))
elif __name__ == "__main__":
    sys.exit(main())
