"""Daily roll-ups of placed orders and of the products they sold, for the reports at a million orders (issue 13:
each report within 2 s for a year's range).

A year is half a million orders and a million and a quarter lines at a million orders; grouping them on every
request is seconds of work. OrderDay keeps one row per local day, channel, currency, status, payment status,
fulfilment status and customer order (not split off another) with the count and the totals (the orders
report); ProductDay one row per local day, channel, currency and product with the units, lines and gross of
the orders not cancelled (top products, slow movers); PaymentDay one row per day paid, channel and currency
with the payments received, matched to invoices, open (neither matched nor reversed) and applied (the
reconciliation's summary).

How they stay exact (to the cent, at every moment, whatever writes the orders):
- PostgreSQL triggers on the order, order line, order payment and invoice application tables (migrations
  reports/0003-0005) append to the change tables in the writing transaction: the old part taken out of the group it
  leaves (-1, minus the old totals), the new part added to the one it joins. Every path is covered (the
  services, the admin, raw updates, the bulk loader's COPY), and a rollback takes its change rows with it.
  Appending never waits: no two transactions update one row.
- The reports read the views OrderDayFigures and ProductDayFigures (roll-up UNION ALL changes) in one
  statement, so they see the roll-up and the changes of one snapshot, summed per group.
- The beat task `reports-compact-order-days` (a minute) moves the changes into the roll-ups (`compact`):
  one statement per roll-up deletes them and adds their sums to the groups, so the change tables stay
  small. Without it the figures stay exact; the reads only slow down as changes pile up.
Services stay untouched (orders cannot know reports), and no Django signal is involved.

SQLite (the zero-setup demo) has no time zones in SQL to cut days with, so it has no trigger and the reports
read the orders themselves (`in_use()` is False); a test holds the two paths to the same figures.
"""

from django.db import connection, transaction

from .models import OrderDayFigures, PaymentDayFigures, ProductDayFigures

__all__ = ["OrderDayFigures", "PaymentDayFigures", "ProductDayFigures", "compact", "in_use", "rebuild"]

# One compactor at a time (a second one finds nothing to do): an advisory lock on this number.
LOCK_ID = 7_313_001

ORDER_KEY = "day, channel_id, currency, status, payment_status, fulfillment_status, customer_order"
PRODUCT_KEY = "day, channel_id, currency, product_id"
PAYMENT_KEY = "day, channel_id, currency"
# (roll-up, its change table, its group key, its sums)
ROLLUPS = (
    ("reports_orderday", "reports_orderdaychange", ORDER_KEY, ("n_orders", "sum_net", "sum_gross")),
    ("reports_productday", "reports_productdaychange", PRODUCT_KEY, ("sum_units", "n_lines", "sum_gross")),
    ("reports_paymentday", "reports_paymentdaychange", PAYMENT_KEY,
     ("n_payments", "sum_received", "n_matched", "n_open", "sum_open", "sum_applied")),
)  # fmt: skip


def _compact_sql(table: str, changes: str, key: str, sums: tuple[str, ...]) -> str:
    """Delete the change rows and add their sums per group to the roll-up, in one statement (one snapshot:
    exactly the rows deleted are the rows added). Constant text: no input goes into it."""
    summed = ", ".join(f"sum({s}) AS {s}" for s in sums)
    added = ", ".join(f"{s} = {table}.{s} + EXCLUDED.{s}" for s in sums)
    columns = f"{key}, {', '.join(sums)}"
    return (
        f"WITH moved AS (DELETE FROM {changes} RETURNING {columns}), "  # noqa: S608
        f"summed AS (SELECT {key}, {summed} FROM moved GROUP BY {key}) "
        f"INSERT INTO {table} ({columns}) SELECT * FROM summed "
        f"ON CONFLICT ({key}) DO UPDATE SET {added}"
    )


def _drop_empty_sql(table: str, sums: tuple[str, ...]) -> str:
    # Groups that emptied (their orders moved to another group) carry nothing; the view would sum them to 0.
    return f"DELETE FROM {table} WHERE " + " AND ".join(f"{s} = 0" for s in sums)  # noqa: S608


REBUILD = (
    """
INSERT INTO reports_orderday (day, channel_id, currency, status, payment_status, fulfillment_status,
    customer_order, n_orders, sum_net, sum_gross)
SELECT (placed_at AT TIME ZONE %(tz)s)::date, channel_id, currency, status, payment_status, fulfillment_status,
    parent_id IS NULL, count(*), sum(total_net), sum(total_gross)
FROM orders_order WHERE placed_at IS NOT NULL AND status <> 'draft'
GROUP BY 1, 2, 3, 4, 5, 6, 7
""",
    """
INSERT INTO reports_productday (day, channel_id, currency, product_id, sum_units, n_lines, sum_gross)
SELECT (o.placed_at AT TIME ZONE %(tz)s)::date, o.channel_id, o.currency, l.product_id,
    sum(l.quantity - l.quantity_canceled), count(*), sum(l.gross)
FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id
WHERE o.placed_at IS NOT NULL AND o.status NOT IN ('draft', 'canceled') AND l.product_id IS NOT NULL
GROUP BY 1, 2, 3, 4
""",
    """
INSERT INTO reports_paymentday
    (day, channel_id, currency, n_payments, sum_received, n_matched, n_open, sum_open, sum_applied)
SELECT p.paid_on, o.channel_id, o.currency, count(*), sum(p.amount),
    count(*) FILTER (WHERE a.payment_id IS NOT NULL),
    count(*) FILTER (WHERE a.payment_id IS NULL AND r.reverses_id IS NULL),
    coalesce(sum(p.amount) FILTER (WHERE a.payment_id IS NULL AND r.reverses_id IS NULL), 0),
    coalesce(sum(a.applied), 0)
FROM orders_orderpayment p
JOIN orders_order o ON o.id = p.order_id
LEFT JOIN (SELECT payment_id, sum(amount) AS applied FROM invoicing_invoicepayment WHERE payment_id IS NOT NULL
           GROUP BY payment_id) a ON a.payment_id = p.id
LEFT JOIN (SELECT DISTINCT reverses_id FROM orders_orderpayment WHERE reverses_id IS NOT NULL) r
    ON r.reverses_id = p.id
WHERE p.kind = 'payment'
GROUP BY 1, 2, 3
""",
)


def in_use() -> bool:
    """Whether the reports read the roll-up (PostgreSQL, where the triggers keep it) or the orders (SQLite)."""
    return connection.vendor == "postgresql"


@transaction.atomic
def compact() -> int:
    """Move the appended changes into the roll-up; returns how many groups they touched (0 when another
    compaction holds the lock). Exact: the rows deleted are exactly the rows summed, in one statement."""
    if not in_use():
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_ID])
        if not cursor.fetchone()[0]:
            return 0
        groups = 0
        for table, changes, key, sums in ROLLUPS:
            cursor.execute(_compact_sql(table, changes, key, sums))
            groups += cursor.rowcount
            cursor.execute(_drop_empty_sql(table, sums))
    return groups


@transaction.atomic
def rebuild() -> None:
    """Recompute the roll-up from the orders (after a change of TIME_ZONE: the trigger's function is made
    again by `manage.py migrate reports 0002 && manage.py migrate reports`). Holds off order writes meanwhile."""
    from django.conf import settings

    if not in_use():
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "LOCK TABLE orders_order, orders_orderline, orders_orderpayment, invoicing_invoicepayment IN SHARE MODE"
        )
        for (table, changes, _key, _sums), rebuild_sql in zip(ROLLUPS, REBUILD, strict=True):
            cursor.execute(f"DELETE FROM {changes}")  # noqa: S608 (constant names)
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
            cursor.execute(rebuild_sql, {"tz": settings.TIME_ZONE})
