#!/usr/bin/env python
"""Invoice PDFs and gap-free numbering on PostgreSQL, each beside a reference measured in the same run.

1. PDF: the median time of rendering one invoice (one line, the merchant template, oms.pdf's shared fonts
   and cached CSS) over BENCH_RENDERS (default 100), beside a bare WeasyPrint render of a one-line page
   (`HTML(string=...).write_pdf()`, nothing shared); goal: invoice <= 4x bare. Then one invoice of 1,000
   lines (goal <= 15 s).
2. Numbering: BENCH_CLIENTS (default 32) processes issue drafts (one order each, made beforehand) in one
   series for BENCH_SECONDS (default 8) through `invoice_issue` (order lock, invoice row, counter row,
   instalments, event; the PDF task goes to Redis, no worker drains it), beside pgbench with as many
   clients running `UPDATE counter SET n = n + 1 WHERE id = 1` on a one-row table; goal >= 30 % of pgbench.
   Then the numbers issued must be 1..N with no gap and no repeat.

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
DRAFTS_PER_CLIENT = int(os.environ.get("BENCH_DRAFTS", "40"))  # made beforehand; a client that runs out stops


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


def _issuer(drafts: list[int], start, out) -> None:
    from django.db import connection

    from invoicing.services.issue import invoice_issue

    connection.ensure_connection()
    start.wait()  # every client connected: all start together, each for SECONDS
    deadline, done = time.time() + SECONDS, 0
    for pk in drafts:
        if time.time() >= deadline:
            break
        invoice_issue(invoice_id=pk)
        done += 1
    out.put((done, time.time() - deadline + SECONDS))


def bench_numbering() -> dict:
    from django.db import connections

    from invoicing.models import Invoice

    drafts = [_draft(pk) for pk in _orders(CLIENTS * DRAFTS_PER_CLIENT)]
    connections.close_all()  # the forked clients open their own
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Barrier(CLIENTS), ctx.Queue()
    procs = [ctx.Process(target=_issuer, args=(drafts[n::CLIENTS], start, out)) for n in range(CLIENTS)]
    for proc in procs:
        proc.start()
    results = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
    issued, elapsed = sum(done for done, _ in results), max(seconds for _, seconds in results)
    numbers = list(Invoice.objects.exclude(number="").order_by("sequence").values_list("sequence", flat=True))
    return {"rate": issued / elapsed, "issued": issued, "gapless": numbers == list(range(1, len(numbers) + 1))}


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
        numbering = bench_numbering()
        tps = bench_pgbench()
        print(f"Numbering, {CLIENTS} clients, {SECONDS:.0f} s: {numbering['rate']:.1f} invoices issued/s, "
              f"pgbench one-row counter {tps:.1f} updates/s = {100 * numbering['rate'] / tps:.1f} % (goal >= 30 %); "
              f"{numbering['issued']} numbers, gapless and unique: {numbering['gapless']}")  # fmt: skip
    finally:
        from django.db import connections

        connections.close_all()
        _psql(f"DROP DATABASE IF EXISTS {SCRATCH}")


if __name__ == "__main__":
    main()
