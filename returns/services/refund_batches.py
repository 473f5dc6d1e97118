"""Refund batches (batched mode): the day's batch is made at the shop's batch time, finance reviews it.

- `refund_batch_due` (the beat task, every minute): once the shop's batch time has passed today and no batch
  exists for today, make it. One batch a day (a unique date), so two beat runs, or two beats, make one.
- `refund_batch_hold`: take refunds out of a batch under review; they stay pending and join the next batch.
- `refund_batch_approve`: approve every pending refund of the batch and queue their sending after the commit.
  The batch row is locked first and moves to approved, so a second approval (a double click, two finance
  users) finds it approved and sends nothing.

Approving changes only refund rows (their status), never an order's money, so it locks the batch and then its
refunds in pk order, not the orders: sending (`refund_execute`) takes each order's lock when it records money.
"""

from datetime import datetime
from functools import cache, partial

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from oms.models import ShopSettings
from orders import events as order_events
from orders.exceptions import InvalidTransition
from orders.models import OrderEvent

from .. import events_refunds as events
from ..models import Refund, RefundBatch
from .refunds import _may, refunds_enqueue

Source = OrderEvent.Source
S = Refund.Status
CHUNK = 1000


def _waiting():
    return Refund.objects.filter(status=S.PENDING, mode=Refund.Mode.BATCHED, batch__isnull=True)


@transaction.atomic
def refund_batch_create(*, run_date=None, actor=None) -> RefundBatch | None:
    """Make the batch of `run_date` (today) with every batched refund waiting; None if it exists already."""
    run_date = run_date or timezone.localdate()
    try:
        with transaction.atomic():
            batch = RefundBatch.objects.create(run_date=run_date)
    except IntegrityError:
        return None  # another beat run made today's batch a moment ago
    ids = list(_waiting().order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        # A queryset update: joining a batch is bookkeeping of the batch, not a change of the refund's money
        # or status (the refund's history shows its status changes).
        Refund.objects.filter(pk__in=ids[start : start + CHUNK], batch__isnull=True).update(batch=batch)
    return batch


def refund_batch_due(*, now: datetime | None = None) -> RefundBatch | None:
    """The beat's minute tick: make today's batch once the shop's batch time has passed (batched mode only)."""
    shop = ShopSettings.load()
    if shop.refund_mode != ShopSettings.RefundMode.BATCHED:
        return None
    local = timezone.localtime(now or timezone.now())
    if local.time() < shop.refund_batch_time or RefundBatch.objects.filter(run_date=local.date()).exists():
        return None
    return refund_batch_create(run_date=local.date())


def _lock_batch(batch_id: int) -> RefundBatch:
    batch = RefundBatch.objects.select_for_update().filter(pk=batch_id).first()
    if batch is None:
        raise InvalidTransition(f"Refund batch {batch_id} does not exist.")
    return batch


@transaction.atomic
def refund_batch_hold(*, batch_id: int, refund_ids, actor, source: str = Source.ADMIN) -> int:
    """Hold refunds back from a batch under review: they leave it, pending, for the next batch. Returns how many."""
    _may(actor)
    batch = _lock_batch(batch_id)
    if batch.status != RefundBatch.Status.REVIEW:
        raise InvalidTransition(f"{batch} is approved; its refunds were sent.")
    held = list(
        Refund.objects.select_for_update().filter(batch=batch, status=S.PENDING, pk__in=list(refund_ids)).order_by("pk")
    )
    with order_events.events_batched():
        for refund in held:
            refund.batch = None
            events.refund_held_event(refund=refund, actor=actor, source=source, batch=batch)
    bulk_update_with_history(held, Refund, ["batch"], default_user=actor, default_change_reason="held from batch")
    return len(held)


@transaction.atomic
def refund_batch_approve(*, batch_id: int, actor, source: str = Source.ADMIN) -> int:
    """Approve the batch: its pending refunds are approved and sent after the commit. Returns how many.

    Refused, changing nothing: no permission; a batch approved before (a second click sends nothing)."""
    _may(actor)
    batch = _lock_batch(batch_id)
    if batch.status != RefundBatch.Status.REVIEW:
        raise InvalidTransition(f"{batch} was approved already; its refunds were sent once.")
    batch.approve(by=actor)
    batch.save(update_fields=["status", "approved_by", "approved_at"])
    reason = f"approved with {batch}"
    if connection.vendor == "postgresql":
        rows = _approve_pending_pg(batch, actor=actor, reason=reason)
    else:
        rows = _approve_pending(batch, actor=actor, reason=reason)
    events.refunds_approved_events(rows=rows, actor=actor, source=source)
    ids = [pk for pk, _, _ in rows]
    transaction.on_commit(partial(refunds_enqueue, ids, [order_id for _, order_id, _ in rows]))
    return len(ids)


def _approve_pending(batch: RefundBatch, *, actor, reason: str) -> list[tuple]:
    """The batch's pending refunds approved one by one through their transition (databases other than
    PostgreSQL). Returns (refund id, order id, amount) in pk order."""
    refunds = list(Refund.objects.select_for_update().filter(batch=batch, status=S.PENDING).order_by("pk"))
    for refund in refunds:
        refund.approve(by=actor)
    bulk_update_with_history(
        refunds, Refund, ["status", "approved_by", "approved_at"], batch_size=CHUNK, default_user=actor,
        default_change_reason=reason,
    )  # fmt: skip
    return [(refund.pk, refund.order_id, refund.amount) for refund in refunds]


@cache
def _approve_sql() -> str:
    """One statement: lock the batch's pending refunds in pk order (the lock order), approve them (what
    `Refund.approve` does: status, who, when) and write their history rows ("~", as simple-history would)."""
    qn = connection.ops.quote_name
    table, history = Refund._meta.db_table, Refund.history.model._meta.db_table
    tracked = [qn(f.column) for f in Refund.history.model.tracked_fields]
    return (
        f"WITH locked AS (SELECT id FROM {table} WHERE batch_id = %s AND status = %s ORDER BY id FOR UPDATE), "  # noqa: S608
        f"approved AS (UPDATE {table} r SET status = %s, approved_by_id = %s, approved_at = %s, updated_at = %s "
        f"FROM locked WHERE r.id = locked.id AND r.status = %s RETURNING {', '.join(f'r.{c}' for c in tracked)}), "
        f"history AS (INSERT INTO {history} ({', '.join(tracked)}, history_date, history_change_reason, "
        f"history_type, history_user_id) SELECT {', '.join(tracked)}, %s, %s, '~', %s FROM approved) "
        "SELECT id, order_id, amount FROM approved ORDER BY id"
    )


def _approve_pending_pg(batch: RefundBatch, *, actor, reason: str) -> list[tuple]:
    """PostgreSQL: the pending refunds approved with their history in ONE statement (it was per refund:
    the transition, a history instance, a CASE row of bulk_update, ~1 ms of CPU per refund)."""
    now, user = timezone.now(), getattr(actor, "pk", None)
    with connection.cursor() as cursor:
        cursor.execute(_approve_sql(), [batch.pk, S.PENDING, S.APPROVED, user, now, now, S.PENDING, now,
                                        reason[:100], user])  # fmt: skip
        return cursor.fetchall()
