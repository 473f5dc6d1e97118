#!/usr/bin/env python
"""Invoice PDFs and gap-free numbering on PostgreSQL, each beside a reference measured in the same run.

1. PDF: the median time of rendering one invoice (one line, the merchant template, oms.pdf's shared fonts
   and cached CSS) over BENCH_RENDERS (default 100), beside a bare WeasyPrint render of a one-line page
   (`HTML(string=...).write_pdf()`, nothing shared); goal: invoice <= 4x bare. Then one invoice of 1,000
   lines (goal <= 15 s).
2. Numbering: BENCH_CLIENTS (default 32) processes issue drafts (one order each, made beforehand) in one
   series for BENCH_SECONDS (default 8), beside pgbench with as many clients running
   `UPDATE counter SET n = n + 1 WHERE id = 1` on a one-row table; goal >= 30 % of pgbench. Twice: one
   invoice per transaction (`invoice_issue`: order lock, invoice row, counter row, instalments, event; the
   PDF task goes to Redis, no worker drains it), then selections of BENCH_BATCH (default 25) drafts per
   transaction (`invoices_issue`, the invoice list's "Issue selected drafts"). After each run the numbers
   issued must be 1..N with no gap and no repeat.
   The drafts are SQL copies of one order and draft made through the services (with their lines), made
   before the clock starts: the services take ~20 ms a pair, and the selections issue tens of thousands.

A scratch database beside DATABASE_URL's (bench_invoices, plus BENCH_DB_SUFFIX when set, so that two runs on one server
do not drop each other's) is created, migrated and dropped here.
Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/oms_bench BENCH_REDIS_URL=redis://127.0.0.1:6379/6 \
       .venv/bin/python bench/bench_invoices.py
"""

import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RENDERS = int(os.environ.get("BENCH_RENDERS", "100"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "32"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
BASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oms_bench")
SCRATCH = "bench_invoices" + os.environ.get("BENCH_DB_SUFFIX", "")
DB_URL = BASE_URL.rsplit("/", 1)[0] + "/" + SCRATCH
ADMIN_URL = BASE_URL.rsplit("/", 1)[0] + "/postgres"  # where the scratch database is created and dropped
# Drafts made beforehand, per client: more than SECONDS can issue (a client that runs out stops, and says so).
DRAFTS_PER_CLIENT = int(os.environ.get("BENCH_DRAFTS", "100"))
BATCH = int(os.environ.get("BENCH_BATCH", "25"))
BATCH_DRAFTS_PER_CLIENT = int(os.environ.get("BENCH_BATCH_DRAFTS", "1000"))


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ.update(DATABASE_URL=DB_URL, DJANGO_DEBUG="0", DJANGO_SECRET_KEY="bench-only-not-secret",
                      DJANGO_SETTINGS_MODULE="oms.settings.base", REDIS_URL=REDIS)  # fmt: skip
    import django

    django.setup()


def _psql(sql: str, url: str = ADMIN_URL) -> None:
    subprocess.run(["psql", url, "-q", "-c", sql], check=True, capture_output=True)


def _orders(count: int, lines: int = 1) -> list[int]:
    """Placed orders of custom items (no stock involved), through the placement service."""
    from orders.models import Channel, Customer
    from orders.services.placement import LineInput, OrderInput, order_create

    channel, _ = Channel.objects.get_or_create(code="bench", defaults={"name": "Bench"})
    customer, _ = Customer.objects.get_or_create(email="bench@example.com", defaults={"name": "Bench Buyer"})
    items = [LineInput(quantity=2, name=f"Bench item {n}", unit_price=Decimal("9.95"), tax_rate=Decimal("21"))
             for n in range(lines)]  # fmt: skip
    data = OrderInput(channel=channel, customer=customer, lines=items, shipping_fee=Decimal("4.95"))
    return [order_create(data=data, actor=None, place=True).pk for _ in range(count)]


def _draft(order_id: int) -> int:
    from invoicing.services.drafts import invoice_create

    return invoice_create(order_id=order_id).pk


def _columns(model, **replace: str) -> tuple[str, str]:
    """(target columns, select expressions) of a row copy: every column but the key, some replaced."""
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    return ", ".join(columns), ", ".join(replace.get(column, f"t.{column}") for column in columns)


def _copied_drafts(count: int) -> list[int]:
    """`count` placed orders with a draft invoice each, SQL copies of one made through the services (order,
    its line, the draft and its lines; new order numbers), in one statement."""
    from django.db import connection

    from invoicing.models import Invoice, InvoiceLine
    from orders.models import Order, OrderLine

    template = _draft(_orders(1)[0])
    order_cols, order_sel = _columns(Order, number="t.number || '-' || g.n")
    line_cols, line_sel = _columns(OrderLine, order_id="o.id")
    inv_cols, inv_sel = _columns(Invoice, order_id="o.id")
    il_cols, il_sel = _columns(InvoiceLine, invoice_id="i.id", source_order_id="i.order_id",
                               order_line_id="CASE WHEN t.order_line_id IS NULL THEN NULL ELSE l.id END")  # fmt: skip
    sql = f"""
        WITH o AS (INSERT INTO orders_order ({order_cols}) SELECT {order_sel} FROM orders_order t,
                   generate_series(1, %(n)s) g(n) WHERE t.id = %(order)s RETURNING id),
             l AS (INSERT INTO orders_orderline ({line_cols}) SELECT {line_sel} FROM o, orders_orderline t
                   WHERE t.order_id = %(order)s RETURNING id, order_id),
             i AS (INSERT INTO invoicing_invoice ({inv_cols}) SELECT {inv_sel} FROM o, invoicing_invoice t
                   WHERE t.id = %(invoice)s RETURNING id, order_id),
             il AS (INSERT INTO invoicing_invoiceline ({il_cols}) SELECT {il_sel} FROM i JOIN l USING (order_id),
                    invoicing_invoiceline t WHERE t.invoice_id = %(invoice)s)
        SELECT id FROM i ORDER BY id"""  # noqa: S608  (our own column names)
    order_id = Invoice.objects.values_list("order_id", flat=True).get(pk=template)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"n": count, "order": order_id, "invoice": template})
        return [row[0] for row in cursor.fetchall()]


def bench_pdf() -> dict:
    import weasyprint

    from invoicing.models import Invoice
    from invoicing.pdf import render_invoice
    from invoicing.services.issue import invoice_issue

    one = invoice_issue(invoice_id=_draft(_orders(1)[0]))
    render_invoice(one)  # warm: fonts, stylesheet, template
    weasyprint.HTML(string="<p>Invoice line</p>").write_pdf()
    bare, ours = [], []
    for _ in range(RENDERS):  # interleaved, so both see the same machine load
        start = time.perf_counter()
        weasyprint.HTML(string="<p>Invoice line</p>").write_pdf()
        bare.append(time.perf_counter() - start)
        start = time.perf_counter()
        render_invoice(one)
        ours.append(time.perf_counter() - start)
    big = Invoice.objects.get(pk=_draft(_orders(1, lines=1000)[0]))
    start = time.perf_counter()
    pages = render_invoice(big).count(b"/Type /Page\n") or None
    thousand = time.perf_counter() - start
    return {"bare": statistics.median(bare), "invoice": statistics.median(ours), "thousand": thousand, "pages": pages}


def _issuer(drafts: list[int], batch: int, start, out) -> None:
    from django.db import connection

    from invoicing.services.issue import invoice_issue, invoices_issue

    connection.ensure_connection()
    start.wait()  # every client connected: all start together, each for SECONDS
    deadline, done = time.time() + SECONDS, 0
    for first in range(0, len(drafts), batch):
        if time.time() >= deadline:
            break
        if batch == 1:
            invoice_issue(invoice_id=drafts[first])
        else:
            invoices_issue(invoice_ids=drafts[first : first + batch])
        done += len(drafts[first : first + batch])
    out.put((done, time.time() - deadline + SECONDS, done == len(drafts)))


def bench_numbering(drafts: list[int], batch: int) -> dict:
    """Issue `drafts` from CLIENTS processes, `batch` per transaction; then every number of the series so far
    (this run's and the earlier ones') must be 1..N, and this run's drafts numbered as many as were issued."""
    from django.db import connections

    from invoicing.models import Invoice

    connections.close_all()  # the forked clients open their own
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Barrier(CLIENTS), ctx.Queue()
    procs = [ctx.Process(target=_issuer, args=(drafts[n::CLIENTS], batch, start, out)) for n in range(CLIENTS)]
    for proc in procs:
        proc.start()
    results = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
    issued, elapsed = sum(r[0] for r in results), max(r[1] for r in results)
    ran_out = sum(1 for r in results if r[2])
    numbers = list(Invoice.objects.exclude(number="").order_by("sequence").values_list("sequence", flat=True))
    numbered = Invoice.objects.filter(pk__in=drafts).exclude(number="").count()
    gapless = numbers == list(range(1, len(numbers) + 1)) and numbered == issued
    return {"rate": issued / elapsed, "issued": issued, "gapless": gapless, "ran_out": ran_out}


def bench_pgbench() -> float:
    _psql("DROP TABLE IF EXISTS bench_counter; CREATE TABLE bench_counter (id int primary key, n int);"
          "INSERT INTO bench_counter VALUES (1, 0);", DB_URL)  # fmt: skip
    script = Path("/tmp/bench_counter.sql")
    script.write_text("UPDATE bench_counter SET n = n + 1 WHERE id = 1;\n")
    parts = urlsplit(DB_URL)
    result = subprocess.run(
        ["pgbench", "-n", "-f", str(script), "-c", str(CLIENTS), "-j", "2", "-T", str(int(SECONDS)),
         "-h", parts.hostname, "-p", str(parts.port or 5432), "-U", parts.username or "postgres",
         parts.path.lstrip("/")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(re.search(r"tps = ([0-9.]+)", result.stdout).group(1))


def main() -> None:
    _psql(f"DROP DATABASE IF EXISTS {SCRATCH}")
    _psql(f"CREATE DATABASE {SCRATCH}")
    try:
        _django()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        pdf = bench_pdf()
        print(f"PDF, median of {RENDERS}: bare WeasyPrint one-line page {pdf['bare'] * 1000:.1f} ms, "
              f"invoice {pdf['invoice'] * 1000:.1f} ms = {pdf['invoice'] / pdf['bare']:.2f}x bare (goal <= 4x); "
              f"1,000 lines: {pdf['thousand']:.1f} s (goal <= 15 s)")  # fmt: skip
        one = bench_numbering(_copied_drafts(CLIENTS * DRAFTS_PER_CLIENT), 1)
        many = bench_numbering(_copied_drafts(CLIENTS * BATCH_DRAFTS_PER_CLIENT), BATCH)
        tps = bench_pgbench()
        for label, run in (("one invoice per transaction", one), (f"selections of {BATCH}", many)):
            print(f"Numbering, {CLIENTS} clients, {SECONDS:.0f} s, {label}: {run['rate']:.1f} invoices issued/s, "
                  f"pgbench one-row counter {tps:.1f} updates/s = {100 * run['rate'] / tps:.1f} % (goal >= 30 %); "
                  f"{run['issued']} numbers, gapless and unique: {run['gapless']}"
                  + (f"; {run['ran_out']} clients ran out of drafts" if run["ran_out"] else ""))  # fmt: skip
    finally:
        from django.db import connections

        connections.close_all()
        _psql(f"DROP DATABASE IF EXISTS {SCRATCH}")


if __name__ == "__main__":
    main()
