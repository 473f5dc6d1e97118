"""Outbox invariants: nothing stuck beyond the retry window, nothing delivered twice."""

from django.db.models import Count, Q
from django.utils import timezone

from oms.invariants import rule

from .models import AttemptOutcome, DeliveryStatus, Message, WebhookDelivery, WebhookEvent
from .services.dispatch import retry_window

UNDELIVERED = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


@rule("no message is pending longer than the retry window allows")
def no_message_stuck() -> list[str]:
    cutoff = timezone.now() - retry_window()
    stuck = [
        f"{label} {pk}: {status} since {queued:%Y-%m-%d %H:%M}"
        for label, model in (("e-mail", Message), ("webhook delivery", WebhookDelivery))
        # queued_at restarts when staff resend, so a resent old message gets a fresh window.
        for pk, status, queued in model.objects.filter(status__in=UNDELIVERED, queued_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", "status", "queued_at")[:100]
    ]
    waiting = WebhookEvent.objects.filter(fanned_out_at__isnull=True, created_at__lt=cutoff).order_by("pk")
    stuck += [
        f"webhook event {pk}: not fanned out since {at:%Y-%m-%d %H:%M}"
        for pk, at in waiting.values_list("pk", "created_at")[:100]
    ]
    return stuck


@rule("no message is sent twice")
def no_message_sent_twice() -> list[str]:
    success = Q(attempts__outcome=AttemptOutcome.SUCCEEDED)
    twice = []
    for label, model in (("e-mail", Message), ("webhook delivery", WebhookDelivery)):
        rows = model.objects.annotate(successes=Count("attempts", filter=success)).filter(successes__gt=1)
        twice += [f"{label} {pk}: {n} successful attempts" for pk, n in rows.values_list("pk", "successes")[:100]]
    return twice
