from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import AttemptOutcome, Message
from notifications.services import email_deliver, email_enqueue, email_resend, outbox_sweep
from oms.models import ShopSettings
from orders.models import OrderEvent

pytestmark = pytest.mark.django_db


def test_placing_an_order_sends_the_confirmation_to_a_real_smtp_server(
    smtp_settings, stocked_product, place_order, customer, django_capture_on_commit_callbacks
):
    # given
    shop = ShopSettings.load()
    shop.sender_email = "orders@shop.example"
    shop.save()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order([(stocked_product, 2)])
    # then
    smtp_settings.wait_for(1)
    received = smtp_settings.messages[0]
    assert received["Subject"] == f"Order {order.number} confirmed"
    assert received["From"] == "orders@shop.example"
    assert received["To"] == customer.email
    text = received.get_body(preferencelist=("plain",)).get_content()
    html = received.get_body(preferencelist=("html",)).get_content()
    assert f"Thank you for your order {order.number}" in text
    assert "2 x Mug (MUG-1)" in text
    assert f"EUR {order.total_gross}" in text
    assert order.number in html
    message = Message.objects.get(topic="order", topic_id=order.pk)
    assert received["Message-ID"] == f"<{message.uuid}@shop.example>"
    assert (message.status, message.kind, message.tries) == (Message.Status.SENT, "order_placed", 1)
    assert list(message.attempts.values_list("outcome", flat=True)) == [AttemptOutcome.SUCCEEDED]
    event = order.events.get(type=OrderEvent.Type.EMAIL_QUEUED)
    assert event.parameters == {"kind": "order_placed", "message_id": message.pk, "to": customer.email}


def test_the_message_is_written_in_the_business_transaction_and_sent_only_after_commit(
    stocked_product, place_order, django_capture_on_commit_callbacks, mailoutbox
):
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order = place_order([(stocked_product, 1)])
    # then: queued with the order, nothing sent before the commit
    message = Message.objects.get(topic_id=order.pk)
    assert message.status == Message.Status.PENDING
    assert mailoutbox == []
    # when the transaction commits
    for callback in callbacks:
        callback()
    # then
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert len(mailoutbox) == 1


def _enqueue(**kwargs) -> Message:
    context = {"customer_name": "Ann", "order_number": "10042", "subject": "Hello", "message": "About your order"}
    return email_enqueue(kind="free_text", to="ann@example.com", context=context, **kwargs)


def test_a_rerun_delivery_of_a_sent_message_sends_nothing(mailoutbox):
    # given
    message = _enqueue()
    email_deliver(message_id=message.pk)
    # when
    again = email_deliver(message_id=message.pk)
    # then
    assert again is None
    assert len(mailoutbox) == 1
    assert message.attempts.count() == 1


def test_an_smtp_failure_is_kept_and_retried_with_backoff_until_failed(settings, smtp_sink):
    # given: the SMTP server is gone
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    settings.OMS_OUTBOX_MAX_TRIES = 3
    message = _enqueue()
    # when
    before = timezone.now()
    email_deliver(message_id=message.pk)
    # then
    message.refresh_from_db()
    assert message.status == Message.Status.PENDING
    assert "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at >= before + timedelta(seconds=30)
    # when the later tries fail too
    email_deliver(message_id=message.pk, now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.next_attempt_at >= before + timedelta(seconds=60)  # the wait doubled
    email_deliver(message_id=message.pk, now=message.next_attempt_at)
    # then
    message.refresh_from_db()
    assert (message.status, message.tries) == (Message.Status.FAILED, 3)
    assert list(message.attempts.values_list("outcome", flat=True)) == [AttemptOutcome.FAILED] * 3


def test_staff_resend_a_failed_message_with_fresh_tries(mailoutbox, staff, django_capture_on_commit_callbacks):
    # given
    message = _enqueue()
    Message.objects.filter(pk=message.pk).update(status=Message.Status.FAILED, tries=6, last_error="boom")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        email_resend(message_id=message.pk, actor=staff)
    # then
    message.refresh_from_db()
    assert (message.status, message.tries) == (Message.Status.SENT, 1)
    assert len(mailoutbox) == 1


def test_a_message_not_yet_due_is_left_for_later(mailoutbox):
    # given
    message = _enqueue()
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    # when
    result = email_deliver(message_id=message.pk)
    # then
    assert result is None
    assert mailoutbox == []


def test_a_worker_that_died_before_the_hand_over_is_retried(mailoutbox):
    # given: claimed by a worker that died before it opened the SMTP conversation
    message = _enqueue()
    now = timezone.now()
    Message.objects.filter(pk=message.pk).update(status=Message.Status.SENDING, lease_expires_at=now, tries=1)
    message.attempts.create(started_at=now - timedelta(minutes=5))
    # when
    email_deliver(message_id=message.pk, now=now + timedelta(seconds=1))
    # then
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert list(message.attempts.values_list("outcome", flat=True)) == [
        AttemptOutcome.ABANDONED,
        AttemptOutcome.SUCCEEDED,
    ]
    assert len(mailoutbox) == 1


def test_a_worker_that_died_during_the_hand_over_is_not_sent_again(mailoutbox):
    # given: the worker had handed the data to the SMTP server when it died
    message = _enqueue()
    now = timezone.now()
    Message.objects.filter(pk=message.pk).update(status=Message.Status.SENDING, lease_expires_at=now, tries=1)
    message.attempts.create(started_at=now - timedelta(minutes=5), handed_over_at=now - timedelta(minutes=5))
    # when
    email_deliver(message_id=message.pk, now=now + timedelta(seconds=1))
    # then
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert "Outcome unknown" in message.last_error
    assert list(message.attempts.values_list("outcome", flat=True)) == [AttemptOutcome.UNKNOWN]
    assert mailoutbox == []


def test_a_message_held_by_a_live_worker_is_not_taken_over(mailoutbox):
    # given
    message = _enqueue()
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.SENDING, lease_expires_at=timezone.now() + timedelta(minutes=5)
    )
    # when
    result = email_deliver(message_id=message.pk)
    # then
    assert result is None
    assert mailoutbox == []


def test_the_sweeper_delivers_what_the_broker_never_got(fast_retries, mailoutbox):
    # given: queued, but the on-commit hand-over never happened (no commit callbacks run)
    message = _enqueue()
    # when
    counts = outbox_sweep()
    # then
    message.refresh_from_db()
    assert counts == {"emails": 1, "webhooks": 0}
    assert message.status == Message.Status.SENT
    assert len(mailoutbox) == 1


def test_the_sweeper_leaves_fresh_messages_to_the_fast_path(mailoutbox):
    # given
    _enqueue()
    # when
    counts = outbox_sweep()
    # then
    assert counts == {"emails": 0, "webhooks": 0}
    assert mailoutbox == []
