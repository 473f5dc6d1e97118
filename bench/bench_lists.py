#!/usr/bin/env python
"""Staff and customer lists at 100k (and 1M) orders: time (p50/p95) and SQL queries per request.

Pages measured, each through Django's test client in this process (view, queries, template; no network):
the order list's first page, page 100, the last page, every tab, search by "#number" and by e-mail; the
order page of a 50-line order; the stock ledger list; the storefront order list of a customer with 200
orders. The reference, measured in the same run: EXPLAIN ANALYZE of one index range scan of 50 orders
(the database's own time for the least a list page must read). Goal: p95 <= 60 ms at 1M on every page,
and the same query count at every size.

Each size has its own scratch database beside DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
oms_bench): bench_oms_lists_<size>, made, migrated and loaded by `generate_orders` on the first run and
KEPT for the next runs (loading 1M orders takes minutes; BENCH_LISTS_FRESH=1 drops and reloads).
BENCH_LISTS_SIZES (default "100000"; "100000,1000000" for both) picks the sizes, BENCH_REPEAT the number
of requests per page (default 30). `--load` only creates and loads the databases (and runs
check_invariants on them), measuring nothing: for loading the million ahead of a measurement.
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
SERVER_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oms_bench")
SIZES = [int(s) for s in os.environ.get("BENCH_LISTS_SIZES", "100000").split(",") if s.strip()]
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
GOAL_MS = 60.0


def _db_url(size: int) -> str:
    parts = urlsplit(SERVER_URL)
    return urlunsplit(parts._replace(path=f"/bench_oms_lists_{size}"))


def _ensure_database(size: int) -> None:
    """Create the scratch database (or drop it first with BENCH_LISTS_FRESH=1); it stays for the next runs."""
    import psycopg

    parts = urlsplit(SERVER_URL)
    admin = urlunsplit(parts._replace(path="/postgres"))
    name = f"bench_oms_lists_{size}"
    with psycopg.connect(admin, autocommit=True) as conn:
        if os.environ.get("BENCH_LISTS_FRESH") == "1":
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    results = {}
    load_only = ["--load"] if "--load" in sys.argv else []
    for size in SIZES:
        _ensure_database(size)
        env = {**os.environ, "DATABASE_URL": _db_url(size)}
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size), *load_only],
            cwd=ROOT,
            env=env,
            check=False,
            capture_output=True,
            text=True,
        )
        sys.stderr.write(out.stderr)
        if out.returncode:
            print(out.stdout)
            return out.returncode
        lines = out.stdout.splitlines()
        print("\n".join(line for line in lines if not line.startswith("{")), flush=True)
        if not load_only:
            results[size] = json.loads(next(line for line in lines if line.startswith("{")))
    return _compare(results) if results else 0


def _compare(results: dict[int, dict]) -> int:
    """Same query count at every size, and the p95 goal at the largest."""
    largest = max(results)
    pages = results[largest]["pages"]
    same = all(r["pages"][p]["queries"] == pages[p]["queries"] for r in results.values() for p in pages)
    slow = [p for p, row in pages.items() if row["p95"] > GOAL_MS]
    print(f"Query counts equal at {', '.join(f'{s:,}' for s in results)} orders: {'yes' if same else 'NO'}")
    print(f"p95 <= {GOAL_MS:.0f} ms at {largest:,} orders: {'every page' if not slow else 'NOT ' + ', '.join(slow)}")
    return 0 if same else 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(call, repeat: int) -> tuple[list[float], list[float]]:
    """Wall time and this process's CPU time (ms) of each call. The CPU time leaves out the database
    server and, on a busy machine, the time spent waiting for a core."""
    for _ in range(3):
        call()  # warm: the first requests of a page compile templates and fill caches
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


class QueryCounter:
    """Counts the SQL statements a block sends (DEBUG stays off, so nothing is kept in memory)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_DEBUG"] = "0"  # DEBUG would keep every query in memory
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-secret")
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings.base")
    import django
    from django.conf import settings

    django.setup()
    # Pages render without collected static files: plain static URLs instead of the manifest's.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # see _deliver_pending


def _load(size: int) -> None:
    """Migrate and load `size` orders once; later runs find them and load nothing."""
    from django.core.management import call_command

    from orders.models import Order

    call_command("migrate", verbosity=0)
    have = Order.objects.count()
    if have < size:
        started = time.perf_counter()
        call_command("generate_orders", orders=size - have, seed=size)
        print(f"Loaded {size - have:,} orders in {time.perf_counter() - started:.0f} s", flush=True)


def _fixtures() -> dict:
    """A 50-line order (through the services), a customer with 200 orders and a login, a superuser."""
    from decimal import Decimal

    from catalog.models import Product, StockLocation
    from catalog.services import stock_receive
    from oms.models import User
    from orders.models import Customer, Order
    from orders.services.placement import LineInput, OrderInput, order_create

    admin, _ = User.objects.get_or_create(
        email="bench-admin@example.com", defaults={"is_staff": True, "is_superuser": True}
    )
    big = Order.objects.filter(external_reference="BENCH-50-LINES").first()
    if big is None:
        products = list(Product.objects.filter(active=True).order_by("pk")[:50])
        location = StockLocation.objects.order_by("priority").first()
        for product in products:
            stock_receive(product=product, location=location, quantity=100, reason="bench")
        customer = Customer.objects.order_by("pk").first()
        data = OrderInput(
            channel=Order.objects.order_by("pk").first().channel,
            customer=customer,
            lines=[LineInput(product=p, quantity=1) for p in products],
            shipping_fee=Decimal("4.95"),
            external_reference="BENCH-50-LINES",
        )
        big = order_create(data=data, actor=None, place=True)
    buyer_user, created = User.objects.get_or_create(email="bench-buyer@example.com")
    if created:
        buyer = Customer.objects.create(user=buyer_user, name="Bench Buyer", email=buyer_user.email)
        # 200 orders with no split family (a family stays with one customer) move to the bench buyer
        lonely = Order.objects.filter(parent__isnull=True, family__isnull=True).exclude(status="draft")
        Order.objects.filter(pk__in=list(lonely.order_by("pk").values_list("pk", flat=True)[:200])).update(
            customer=buyer
        )
    _deliver_pending()
    return {"admin": admin, "big": big, "buyer_user": buyer_user}


def _deliver_pending() -> None:
    """Deliver (to memory) the e-mails the fixtures' order queued: no worker runs beside the bench, and a
    message left pending would break check_invariants' outbox rule on the kept database."""
    from notifications.models import DeliveryStatus, Message
    from notifications.services.email import email_deliver

    for pk in Message.objects.filter(status=DeliveryStatus.PENDING).values_list("pk", flat=True):
        email_deliver(message_id=pk)


def _pages(fixtures: dict) -> dict[str, tuple]:
    """name -> (user, url, query parameters)."""
    from django.urls import reverse

    from oms.admin_lists import Cursor
    from orders.models import Customer, Order
    from orders.selectors.staff import ORDER_TABS

    admin, buyer = fixtures["admin"], fixtures["buyer_user"]
    orders = reverse("admin:orders_order_changelist")
    # Page 100 is where "Next" leads after 99 clicks: below the 4,950th order's key.
    row = Order.objects.order_by("-created_at", "-id")[min(4949, Order.objects.count() - 60)]
    page_100 = Cursor.of("after", row, "created_at").encode()
    number = Order.objects.order_by("-created_at", "-id")[123_456 % Order.objects.count()].number
    email = Customer.objects.exclude(email__startswith="bench").order_by("pk")[77].email
    return {
        "orders: first page": (admin, orders, {}),
        "orders: page 100": (admin, orders, {"cursor": page_100}),
        "orders: last page": (admin, orders, {"cursor": "last"}),
        **{f"orders: tab {tab.slug}": (admin, orders, {"tab": tab.slug}) for tab in ORDER_TABS[1:]},
        "orders: search #number": (admin, orders, {"q": f"#{number}"}),
        "orders: search e-mail": (admin, orders, {"q": email}),
        "order page, 50 lines": (admin, reverse("admin:orders_order_change", args=[fixtures["big"].pk]), {}),
        "stock ledger": (admin, reverse("admin:catalog_stockmovement_changelist"), {}),
        "storefront: 200 orders": (buyer, reverse("storefront:order_list"), {}),
    }


def _reference(repeat: int) -> list[float]:
    """The database's own time for one index range scan of 50 orders, as EXPLAIN ANALYZE reports it."""
    from django.db import connection

    from orders.models import Order

    middle = Order.objects.order_by("-created_at", "-id").values_list("created_at", flat=True)[
        min(5000, Order.objects.count() - 60)
    ]
    samples = []
    with connection.cursor() as cursor:
        for _ in range(repeat + 1):
            cursor.execute(
                "EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM orders_order WHERE created_at <= %s "
                "ORDER BY created_at DESC, id DESC LIMIT 50",
                [middle],
            )
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            samples.append(plan[0]["Execution Time"] + plan[0]["Planning Time"])
    return samples[1:]


def run_one(size: int, repeat: int) -> int:
    from django.db import connection
    from django.test import Client

    from orders.models import Order

    _load(size)
    fixtures = _fixtures()
    pages = _pages(fixtures)
    reference = _reference(repeat)
    ref50, ref95 = statistics.median(reference), percentile(reference, 0.95)
    print(f"\n{Order.objects.count():,} orders; {repeat} requests per page; reference (EXPLAIN ANALYZE of one")
    print(f"index range scan of 50 orders): p50 {ref50:.2f} ms, p95 {ref95:.2f} ms\n")
    print(f"{'page':32} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'queries':>8}")
    rows = {}
    for name, (user, url, params) in pages.items():
        client = Client()
        client.force_login(user)

        def get(client=client, url=url, params=params):
            response = client.get(url, params, secure=True)
            assert response.status_code == 200, (url, params, response.status_code)

        get()  # warm: a cold shop-settings cache costs the first request of a run one more query
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            get()
        wall, cpu = timed(get, repeat)
        p50, p95, cpu50 = statistics.median(wall), percentile(wall, 0.95), statistics.median(cpu)
        rows[name] = {"p50": round(p50, 2), "p95": round(p95, 2), "cpu_p50": round(cpu50, 2), "queries": counter.count}
        print(f"{name:32} {p50:8.1f} {p95:8.1f} {cpu50:8.1f} {counter.count:8d}", flush=True)
    print(json.dumps({"size": size, "reference": [ref50, ref95], "pages": rows}))
    return 0


def load_one(size: int) -> int:
    """Load the database of `size` orders (if not yet) and check every invariant on it."""
    from django.core.management import call_command

    _load(size)
    started = time.perf_counter()
    call_command("check_invariants")
    print(f"check_invariants: every rule holds ({time.perf_counter() - started:.0f} s)", flush=True)
    return 0


if __name__ == "__main__" and "--one" in sys.argv:
    _setup_django()
    size = int(sys.argv[sys.argv.index("--one") + 1])
    sys.exit(load_one(size) if "--load" in sys.argv else run_one(size, REPEAT))
elif __name__ == "__main__":
    sys.exit(main())
