"""Handing outbox rows to Celery, and the retry policy shared by e-mails and webhooks."""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import DeliveryStatus

logger = logging.getLogger("notifications")


def max_tries() -> int:
    return settings.OMS_OUTBOX_MAX_TRIES


def backoff(tries: int) -> timedelta:
    """Wait before try number `tries` + 1: base, 2×base, 4×base, ..."""
    return timedelta(seconds=settings.OMS_OUTBOX_BACKOFF_SECONDS * 2 ** max(tries - 1, 0))


def lease() -> timedelta:
    return timedelta(seconds=settings.OMS_OUTBOX_LEASE_SECONDS)


def sweep_grace() -> timedelta:
    return timedelta(seconds=settings.OMS_OUTBOX_SWEEP_GRACE_SECONDS)


def retry_window() -> timedelta:
    """How long a row may stay undelivered before the auditor calls it stuck.

    Every backoff, one lease per try (a worker that died holding it), the sweeper's grace and
    one sweep interval.
    """
    tries = max_tries()
    waits = sum((backoff(n) for n in range(1, tries)), timedelta())
    return waits + lease() * tries + sweep_grace() + timedelta(seconds=settings.OMS_OUTBOX_SWEEP_INTERVAL_SECONDS)


def _task_apply(task, pk: int, countdown: float | None) -> bool:
    try:
        task.apply_async(args=[pk], countdown=countdown)
    except Exception:
        # The broker is unreachable (or the eager task failed): the row stays in the outbox and the
        # sweeper hands it over again. Never raise into the request that committed the business change.
        logger.warning("Could not hand %s(%s) to Celery; the outbox sweeper will retry", task.name, pk, exc_info=True)
        return False
    return True


def enqueue_on_commit(task, pk: int) -> None:
    """Deliver row `pk` with `task` once the current transaction commits (now, outside one)."""
    transaction.on_commit(partial(_task_apply, task, pk, None))


def enqueue_retry(task, pk: int, when: datetime, now: datetime) -> None:
    """Schedule a retry through the broker. In-process (eager) mode leaves retries to the sweeper,
    since an eager countdown would run at once and turn the backoff into a tight loop."""
    if task.app.conf.task_always_eager:
        return
    transaction.on_commit(partial(_task_apply, task, pk, max((when - now).total_seconds(), 0)))


def enqueue_now(task, pk: int) -> bool:
    return _task_apply(task, pk, None)


def attempt_settle(row, *, error: str, now: datetime, done_field: str, task) -> list[str]:
    """After a try of an e-mail or webhook row (locked by the caller): sent, failed for good once the
    tries are used up, or pending again with a backoff and a scheduled retry. Returns the changed fields."""
    row.lease_expires_at = None
    if not error:
        row.status, row.last_error = DeliveryStatus.SENT, ""
        setattr(row, done_field, now)
    elif row.tries >= max_tries():
        row.status, row.last_error = DeliveryStatus.FAILED, error
    else:
        row.status, row.last_error = DeliveryStatus.PENDING, error
        row.next_attempt_at = now + backoff(row.tries)
        enqueue_retry(task, row.pk, row.next_attempt_at, now)
    return ["status", done_field, "last_error", "next_attempt_at", "lease_expires_at"]


def requeue_failed(row, *, task) -> None:
    """Staff resend of a failed e-mail or webhook row (locked by the caller): pending again with a
    fresh set of tries, handed to Celery when the transaction commits."""
    row.status, row.tries, row.next_attempt_at = DeliveryStatus.PENDING, 0, timezone.now()
    row.queued_at = row.next_attempt_at
    row.save(update_fields=["status", "tries", "next_attempt_at", "queued_at"])
    enqueue_on_commit(task, row.pk)


# A broker countdown may fire a little before the stored due time; do not skip it for that.
EARLY_TOLERANCE = timedelta(seconds=2)
