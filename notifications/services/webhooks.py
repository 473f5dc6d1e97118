"""Signed webhooks through the outbox: one delivery row per subscribed endpoint, retried with backoff.

The business transaction writes one WebhookEvent (the event's data), and only when some active endpoint
subscribes to its type (the endpoints are cached: oms.config_cache). After it commits, the fan-out task
turns the event into one delivery per endpoint subscribed at that moment, in its own short transaction;
the sweeper fans out events whose task was lost. No endpoint is read and no delivery row written while
the business change holds its locks.

Webhooks are delivered at least once: the receiver de-duplicates on the event id (the same id for
the event at every endpoint, and for every retry). The claim/lease steps mirror e-mail delivery, so
one delivery is not posted by two workers at once; the HTTP call runs outside any transaction.
"""

import hashlib
import hmac
import json
import logging
from datetime import datetime

import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from oms.config_cache import config_get

from ..models import AttemptOutcome, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from . import dispatch

logger = logging.getLogger("notifications")
Status = WebhookDelivery.Status


def _deliver_task():
    from ..tasks import webhook_deliver_task

    return webhook_deliver_task


def webhook_signature(secret: str, body: bytes) -> str:
    """The X-OMS-Signature header value: sha256=<hex HMAC-SHA256 of the raw body>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _fanout_task():
    from ..tasks import webhook_fanout_task

    return webhook_fanout_task


def _subscribed(event_type: str) -> list[WebhookEndpoint]:
    return [e for e in WebhookEndpoint.objects.filter(active=True).order_by("pk") if event_type in e.event_types]


def _load_subscriptions() -> list[tuple[int, list[str]]]:
    return [
        (pk, list(types or []))
        for pk, types in WebhookEndpoint.objects.filter(active=True).values_list("pk", "event_types")
    ]


def webhook_has_subscribers(event_type: str) -> bool:
    """Whether any active endpoint takes `event_type` (cached: once per request or task)."""
    return any(event_type in types for _, types in config_get("webhook_endpoints", _load_subscriptions))


def webhook_event_enqueue(
    *, event_type: str, payload: dict, topic: str = "", topic_id: int | None = None
) -> WebhookEvent | None:
    """Write the event in the caller's transaction (one INSERT), when an endpoint subscribes to its type.

    It is fanned out to the endpoints after that transaction commits. Returns the event, or None when no
    endpoint wants it (then nothing is written)."""
    if not webhook_has_subscribers(event_type):
        return None
    event = WebhookEvent.objects.create(event_type=event_type, payload=payload, topic=topic, topic_id=topic_id)
    dispatch.enqueue_on_commit(_fanout_task(), event.pk)
    return event


@transaction.atomic
def webhook_event_fanout(*, event_pk: int) -> list[WebhookDelivery]:
    """One delivery per active endpoint subscribed to the event now (once: a re-run finds it fanned out).

    Lock: the event row. Side effects: delivery rows, handed to Celery when this transaction commits."""
    event = WebhookEvent.objects.select_for_update().filter(pk=event_pk, fanned_out_at__isnull=True).first()
    if event is None:
        return []
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint,
            event_id=event.event_id,
            event_type=event.event_type,
            topic=event.topic,
            topic_id=event.topic_id,
            payload=event.payload,
            created_at=event.created_at,
        )
        for endpoint in _subscribed(event.event_type)
    )
    event.fanned_out_at = timezone.now()
    event.save(update_fields=["fanned_out_at"])
    for delivery in deliveries:
        dispatch.enqueue_on_commit(_deliver_task(), delivery.pk)
    return deliveries


def webhook_body(delivery: WebhookDelivery) -> bytes:
    document = {
        "id": str(delivery.event_id),
        "type": delivery.event_type,
        "created_at": delivery.created_at,
        "topic": delivery.topic,
        "topic_id": delivery.topic_id,
        "data": delivery.payload,
    }
    return json.dumps(document, cls=DjangoJSONEncoder, sort_keys=True).encode()


@transaction.atomic
def _claim(delivery_id: int, now: datetime) -> tuple[WebhookDelivery, WebhookAttempt] | None:
    delivery = WebhookDelivery.objects.select_for_update().select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status in (Status.SENT, Status.FAILED):
        return None
    if delivery.status == Status.SENDING:
        if delivery.lease_expires_at and delivery.lease_expires_at > now:
            return None
        # A worker died mid-post: posting again is safe, the receiver de-duplicates on the event id.
        delivery.attempts.filter(outcome=AttemptOutcome.STARTED).update(outcome=AttemptOutcome.UNKNOWN, finished_at=now)
    elif delivery.next_attempt_at > now + dispatch.EARLY_TOLERANCE:
        return None
    delivery.status = Status.SENDING
    delivery.tries += 1
    delivery.lease_expires_at = now + dispatch.lease()
    delivery.save(update_fields=["status", "tries", "lease_expires_at"])
    return delivery, WebhookAttempt.objects.create(delivery=delivery, started_at=now)


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST the signed body. Returns (status code, error); error is empty on a 2xx answer."""
    body = webhook_body(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "OMS-Webhooks/1",
        "X-OMS-Event-Id": str(delivery.event_id),
        "X-OMS-Event-Type": delivery.event_type,
        "X-OMS-Signature": webhook_signature(delivery.endpoint.secret, body),
    }
    try:
        response = requests.post(
            delivery.endpoint.url,
            data=body,
            headers=headers,
            timeout=settings.OMS_WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"[:2000]
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, f"HTTP {response.status_code}: {response.text[:500]}"


@transaction.atomic
def _record(delivery_id: int, attempt_id: int, status_code: int | None, error: str) -> WebhookDelivery:
    now = timezone.now()
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    outcome = AttemptOutcome.FAILED if error else AttemptOutcome.SUCCEEDED
    WebhookAttempt.objects.filter(pk=attempt_id).update(
        outcome=outcome, finished_at=now, error=error, status_code=status_code
    )
    fields = dispatch.attempt_settle(delivery, error=error, now=now, done_field="delivered_at", task=_deliver_task())
    delivery.save(update_fields=fields)
    return delivery


def webhook_deliver(*, delivery_id: int, now: datetime | None = None) -> WebhookDelivery | None:
    """Post one delivery (claim, post outside a transaction, record). None when there was nothing to do."""
    claim = _claim(delivery_id, now or timezone.now())
    if claim is None:
        return None
    delivery, attempt = claim
    status_code, error = _post(delivery)
    if error:
        logger.warning("Webhook %s to %s failed: %s", delivery.pk, delivery.endpoint.url, error)
    return _record(delivery.pk, attempt.pk, status_code, error)


@transaction.atomic
def webhook_resend(*, delivery_id: int, actor) -> WebhookDelivery:
    """Staff: queue a failed delivery again (same event id) with a fresh set of tries."""
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    if delivery.status != Status.FAILED:
        return delivery
    dispatch.requeue_failed(delivery, task=_deliver_task())
    logger.info("Webhook delivery %s resent by %s", delivery.pk, actor)
    return delivery
