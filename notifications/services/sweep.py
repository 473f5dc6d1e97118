"""The beat sweeper: hands over again what the on-commit fast path did not deliver."""

from datetime import datetime

from django.utils import timezone

from ..models import DeliveryStatus, Message, WebhookDelivery, WebhookEvent
from . import dispatch

SWEEP_BATCH = 500


def _due(model, now: datetime) -> list[int]:
    """Pending rows due for longer than the grace period, and rows whose worker's lease ran out."""
    pending = model.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - dispatch.sweep_grace())
    stale = model.objects.filter(status=DeliveryStatus.SENDING, lease_expires_at__lte=now)
    ids = list(pending.order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    return ids + list(stale.values_list("pk", flat=True)[:SWEEP_BATCH])


def outbox_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Re-enqueue due messages and deliveries, and webhook events still to fan out (counted as webhooks).
    Idempotent: delivery and fan-out lock and re-check each row."""
    from ..tasks import email_deliver_task, webhook_deliver_task, webhook_fanout_task

    now = now or timezone.now()
    counts = {}
    for name, model, task in (
        ("emails", Message, email_deliver_task),
        ("webhooks", WebhookDelivery, webhook_deliver_task),
    ):
        counts[name] = sum(dispatch.enqueue_now(task, pk) for pk in _due(model, now))
    waiting = WebhookEvent.objects.filter(fanned_out_at__isnull=True, created_at__lte=now - dispatch.sweep_grace())
    ids = list(waiting.order_by("created_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    counts["webhooks"] += sum(dispatch.enqueue_now(webhook_fanout_task, pk) for pk in ids)
    return counts
