from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.invariants import no_message_sent_twice, no_message_stuck
from notifications.models import AttemptOutcome, Message
from notifications.services import email_enqueue
from notifications.services.dispatch import retry_window

pytestmark = pytest.mark.django_db


def _message() -> Message:
    return email_enqueue(kind="free_text", to="ann@example.com", context={"subject": "s", "message": "m"})


def test_a_message_pending_past_the_retry_window_breaks_the_rule():
    # given
    _fresh, old = _message(), _message()
    Message.objects.filter(pk=old.pk).update(queued_at=timezone.now() - retry_window() - timedelta(minutes=1))
    # when
    broken = no_message_stuck()
    # then
    assert broken == [f"e-mail {old.pk}: pending since {Message.objects.get(pk=old.pk).queued_at:%Y-%m-%d %H:%M}"]


def test_a_message_with_two_successful_attempts_breaks_the_rule():
    # given
    once, twice = _message(), _message()
    once.attempts.create(outcome=AttemptOutcome.SUCCEEDED)
    twice.attempts.create(outcome=AttemptOutcome.SUCCEEDED)
    twice.attempts.create(outcome=AttemptOutcome.SUCCEEDED)
    # when
    broken = no_message_sent_twice()
    # then
    assert broken == [f"e-mail {twice.pk}: 2 successful attempts"]


def test_the_retry_window_covers_every_backoff_and_lease(settings):
    settings.OMS_OUTBOX_MAX_TRIES = 3
    settings.OMS_OUTBOX_BACKOFF_SECONDS = 10
    settings.OMS_OUTBOX_LEASE_SECONDS = 100
    settings.OMS_OUTBOX_SWEEP_GRACE_SECONDS = 5
    # 10 + 20 of backoff, 3 leases, grace and one sweep interval
    assert retry_window() == timedelta(seconds=10 + 20 + 300 + 5 + 60)
