#!/usr/bin/env python
"""Each report at 100,000 orders over a year's range: time (p50/p95) and SQL statements per page, beside the
same main aggregate as one plain SQL statement in the same run. Goal: p95 <= 2 s per report.

Pages are requested through Django's test client in this process (view, queries, template; no network), as
a superuser, with ?from=<today - 364 days>&to=<today>&period=month. The reference per report is the report's
main GROUP BY written by hand, run through the same connection (wall time, ms): what the database needs
at least for the figures, so the rest is Django, the other tables of the page and the template.

Orders come from `manage.py generate_orders` (bench/bench_lists.py's loader) in a scratch database beside
DATABASE_URL (default postgres://postgres@127.0.0.1:5432/oms_bench): bench_oms_reports_<size>, made and
loaded on the first run and KEPT (BENCH_REPORTS_FRESH=1 drops and reloads). generate_orders writes orders,
lines, stock, payments and events but no shipments or invoices, so the first load also writes one shipped
shipment per shipped order (one INSERT … SELECT: carrier and a shipping delay of 0-4 days from the order
id), so that the shipping report aggregates 10^4-10^5 rows; invoices stay empty (the financial tables then
measure their queries over an empty table: the invoicing bench covers invoice volumes).

BENCH_REPORTS_SIZES (default "100000") picks the sizes, BENCH_REPEAT the requests per page (default 10).
At a million: BENCH_REPORTS_SIZES=1000000 (loading takes tens of minutes; not run for the README).
"""

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
SERVER_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oms_bench")
SIZES = [int(s) for s in os.environ.get("BENCH_REPORTS_SIZES", "100000").split(",") if s.strip()]
REPEAT = int(os.environ.get("BENCH_REPEAT", "10"))
GOAL_MS = 2000.0
NAME = "bench_oms_reports_{size}" + os.environ.get("BENCH_DB_SUFFIX", "")  # two engineers, two databases

# The main aggregate of each report as one hand-written statement (PostgreSQL), over [%s, %s).
REFERENCE_SQL = {
    "orders": """SELECT date_trunc('month', placed_at AT TIME ZONE 'Europe/Amsterdam'), currency,
        count(*) FILTER (WHERE parent_id IS NULL), sum(total_gross) FILTER (WHERE status <> 'canceled')
        FROM orders_order WHERE status <> 'draft' AND placed_at >= %s AND placed_at < %s GROUP BY 1, 2""",
    "top": """SELECT l.product_id, sum(l.quantity - l.quantity_canceled), sum(l.gross) FROM orders_orderline l
        JOIN orders_order o ON o.id = l.order_id WHERE o.status NOT IN ('draft', 'canceled')
        AND o.placed_at >= %s AND o.placed_at < %s AND l.product_id IS NOT NULL
        GROUP BY 1 ORDER BY 3 DESC LIMIT 20""",
    "inventory": """SELECT s.location_id, sum(s.on_hand), sum(s.on_hand - s.allocated - s.quarantined),
        sum(s.on_hand * p.unit_price) FROM catalog_stocklevel s JOIN catalog_product p ON p.id = s.product_id
        WHERE %s < %s GROUP BY 1""",
    "shipping": """SELECT sh.carrier, count(*), count(DISTINCT sh.order_id) FROM fulfillment_shipment sh
        WHERE sh.status IN ('shipped', 'delivered') AND sh.shipped_at >= %s AND sh.shipped_at < %s GROUP BY 1""",
    "finance": """SELECT date_trunc('month', issue_date), currency, count(*), sum(total_gross) FROM invoicing_invoice
        WHERE status IN ('issued', 'sent', 'partially_paid', 'paid') AND issue_date >= %s::date
        AND issue_date < %s::date GROUP BY 1, 2""",
    "payments": """SELECT o.currency, count(*), sum(p.amount), count(*) FILTER (WHERE NOT EXISTS (
        SELECT 1 FROM invoicing_invoicepayment ip WHERE ip.payment_id = p.id)) FROM orders_orderpayment p
        JOIN orders_order o ON o.id = p.order_id WHERE p.kind = 'payment' AND p.paid_on >= %s::date
        AND p.paid_on < %s::date GROUP BY 1""",
}

# The orders to ship are chosen first (a materialized CTE): with the shipment table empty, its statistics make the
# planner scan it once per order inside the INSERT, rows the statement itself wrote included (quadratic: >30 min
# at 1M orders instead of about a minute).
SHIPMENTS_SQL = """
WITH todo AS MATERIALIZED (
    SELECT o.id, o.number, o.placed_at FROM orders_order o
    WHERE o.fulfillment_status = 'fulfilled' AND o.placed_at IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM fulfillment_shipment s WHERE s.order_id = o.id)
)
INSERT INTO fulfillment_shipment (number, order_id, location_id, status, handoff_status, carrier, tracking_code,
    tracking_url, packages, warehouse_status, cancel_reason, created_at, shipped_at)
SELECT t.number || '-S1', t.id, (SELECT min(id) FROM catalog_stocklocation), 'shipped', 'not_released',
    (ARRAY['PostNL', 'DHL', 'UPS'])[1 + mod(t.id, 3)], '', '', 1, '', '', t.placed_at,
    t.placed_at + mod(t.id, 5) * interval '1 day'
FROM todo t
"""


def _db_url(size: int) -> str:
    return urlunsplit(urlsplit(SERVER_URL)._replace(path="/" + NAME.format(size=size)))


def _ensure_database(size: int) -> None:
    import psycopg

    admin = urlunsplit(urlsplit(SERVER_URL)._replace(path="/postgres"))
    name = NAME.format(size=size)
    with psycopg.connect(admin, autocommit=True) as conn:
        if os.environ.get("BENCH_REPORTS_FRESH") == "1":
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    worst = 0.0
    for size in SIZES:
        _ensure_database(size)
        env = {**os.environ, "DATABASE_URL": _db_url(size)}
        # the child's lines are shown as they come (loading takes minutes); its last line is the JSON result
        with subprocess.Popen(
            [sys.executable, __file__, "--one", str(size)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        ) as child:
            lines = []
            for line in child.stdout:
                lines.append(line.rstrip("\n"))
                if not line.startswith("{"):
                    print(line, end="", flush=True)
        if child.returncode:
            return child.returncode
        result = json.loads(next(line for line in lines if line.startswith("{")))
        worst = max([worst, *(row["p95"] for row in result["pages"].values())])
    print(f"Worst p95 {worst:.0f} ms: {'within' if worst <= GOAL_MS else 'OVER'} the {GOAL_MS:.0f} ms goal")
    return 0


def _shipments() -> int:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SHIPMENTS_SQL)
        return cursor.rowcount


def _reference(key: str, since, until, repeat: int) -> list[float]:
    import time

    from django.db import connection

    samples = []
    with connection.cursor() as cursor:
        for _ in range(repeat + 1):
            started = time.perf_counter()
            cursor.execute(REFERENCE_SQL[key], [since, until])
            cursor.fetchall()
            samples.append((time.perf_counter() - started) * 1000)
    return samples[1:]


def run_one(size: int, repeat: int) -> int:
    from datetime import timedelta

    import bench_lists as lists
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from oms.models import User
    from orders.models import Order
    from reports import rollups
    from reports.forms import Filters
    from reports.queries import REPORTS

    lists._load(size)
    made = _shipments()
    if made:
        print(f"Wrote {made:,} shipments for the shipped orders", flush=True)
    # a fresh load's COPY appended one roll-up change row per order and line (reports/rollups.py): fold them in
    # once, as beat's minute task does, so the pages read the roll-ups as a running shop has them
    rollups.compact()
    admin, _ = User.objects.get_or_create(
        email="bench-admin@example.com", defaults={"is_staff": True, "is_superuser": True}
    )
    today = timezone.localdate()
    year = Filters(since=today - timedelta(days=364), until=today, period="month")
    params = year.query()
    print(f"\n{Order.objects.count():,} orders; a year's range ({year.since} to {year.until}) per month; "
          f"{repeat} requests per page\n")  # fmt: skip
    print(f"{'report':12} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'SQL ref p50':>12} {'SQL ref p95':>12}")
    client = Client()
    client.force_login(admin)
    rows = {}
    for key in REPORTS:
        url = reverse(f"reports:{key}")

        def get(url=url):
            response = client.get(url, params, secure=True)
            assert response.status_code == 200, (url, response.status_code)

        counter = lists.QueryCounter()
        get()
        with connection.execute_wrapper(counter):
            get()
        wall, _cpu = lists.timed(get, repeat)
        p50, p95 = statistics.median(wall), lists.percentile(wall, 0.95)
        ref = _reference(key, year.start, year.end, repeat)
        r50, r95 = statistics.median(ref), lists.percentile(ref, 0.95)
        rows[key] = {"p50": round(p50, 1), "p95": round(p95, 1), "queries": counter.count,
                     "ref_p50": round(r50, 1), "ref_p95": round(r95, 1)}  # fmt: skip
        print(f"{key:12} {p50:8.1f} {p95:8.1f} {counter.count:8d} {r50:12.1f} {r95:12.1f}", flush=True)
    print(json.dumps({"size": size, "pages": rows}))
    return 0


if __name__ == "__main__" and "--one" in sys.argv:
    import bench_lists

    bench_lists._setup_django()
    sys.exit(run_one(int(sys.argv[sys.argv.index("--one") + 1]), REPEAT))
elif __name__ == "__main__":
    sys.exit(main())
