"""Fault tests on PostgreSQL and Redis with a real Celery worker subprocess."""

import time

import pytest
from django.db import transaction

from notifications.invariants import no_message_sent_twice
from notifications.models import AttemptOutcome, Message, WebhookDelivery, WebhookEndpoint
from notifications.services import email_enqueue, outbox_sweep, webhook_event_enqueue
from orders.models import Order
from tests.notifications.conftest import CLOSED_BROKER_URL, celery_broker
from tests.workers import celery_worker

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _worker_env(smtp_sink, tmp_path, **extra) -> dict:
    return {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_sink.port), "OMS_VAR_DIR": str(tmp_path), **extra}


def _wait_until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.1)


def _status(message: Message) -> str:
    return Message.objects.values_list("status", flat=True).get(pk=message.pk)


def test_with_the_broker_down_the_order_is_placed_and_its_email_arrives_after_the_sweeper(
    smtp_sink, worker_redis, stocked_product, place_order, tmp_path, settings
):
    # given: the broker is unreachable when the placement commits
    with celery_broker(CLOSED_BROKER_URL):
        # when
        order = place_order([(stocked_product, 1)])
    # then: the order is placed, its e-mail waits in the outbox
    assert Order.objects.get(pk=order.pk).status == Order.Status.PLACED
    message = Message.objects.get(topic="order", topic_id=order.pk)
    assert _status(message) == Message.Status.PENDING
    assert smtp_sink.messages == []
    # when the broker is back and the sweeper runs
    settings.OMS_OUTBOX_SWEEP_GRACE_SECONDS = 0
    env = _worker_env(smtp_sink, tmp_path)
    with celery_broker(worker_redis), celery_worker(broker_url=worker_redis, log_path=tmp_path / "w.log", env=env):
        assert outbox_sweep() == {"emails": 1, "webhooks": 0}
        smtp_sink.wait_for(1)
        _wait_until(lambda: _status(message) == Message.Status.SENT)
    # then
    assert smtp_sink.messages[0]["Subject"] == f"Order {order.number} confirmed"


def test_a_worker_killed_during_the_smtp_hand_over_does_not_cause_a_second_copy(
    smtp_sink, worker_redis, tmp_path, settings
):
    # given: the SMTP server takes the data and holds its answer, a worker is delivering
    smtp_sink.hold.set()
    env = _worker_env(smtp_sink, tmp_path, OMS_OUTBOX_LEASE_SECONDS="2")
    with celery_broker(worker_redis), celery_worker(broker_url=worker_redis, log_path=tmp_path / "1.log", env=env) as w:
        with transaction.atomic():
            message = email_enqueue(kind="free_text", to="ann@example.com", context={"subject": "Hi", "message": "m"})
        assert smtp_sink.received.wait(20)
        # when: the worker dies before it can record the result
        w.kill()
    smtp_sink.release.set()
    assert _status(message) == Message.Status.SENDING
    time.sleep(2.5)  # the dead worker's lease runs out
    # when: a new worker and the sweeper pick the message up again
    with celery_broker(worker_redis), celery_worker(broker_url=worker_redis, log_path=tmp_path / "2.log", env=env):
        outbox_sweep()
        _wait_until(lambda: _status(message) == Message.Status.FAILED)
    # then: one copy reached the server; the message is marked for staff to check, not sent again
    time.sleep(0.5)
    assert len(smtp_sink.messages) == 1
    assert list(message.attempts.values_list("outcome", flat=True)) == [AttemptOutcome.UNKNOWN]
    assert no_message_sent_twice() == []


def test_a_worker_retries_a_receiver_that_answers_500_twice_and_logs_three_attempts(
    receiver_factory, smtp_sink, worker_redis, tmp_path
):
    # given
    receiver = receiver_factory(statuses=[500, 500])
    WebhookEndpoint.objects.create(name="ERP", url=receiver.url, secret="s", event_types=["order.placed"])
    env = _worker_env(smtp_sink, tmp_path, OMS_OUTBOX_BACKOFF_SECONDS="0.3")
    with celery_broker(worker_redis), celery_worker(broker_url=worker_redis, log_path=tmp_path / "w.log", env=env):
        # when: the retries are scheduled through the broker with backoff
        with transaction.atomic():
            webhook_event_enqueue(event_type="order.placed", payload={"n": 1})
        # the worker fans the event out to the endpoint, then delivers
        _wait_until(lambda: WebhookDelivery.objects.filter(status=WebhookDelivery.Status.SENT).exists())
    delivery = WebhookDelivery.objects.get()
    # then
    assert list(delivery.attempts.values_list("status_code", flat=True)) == [500, 500, 200]
    assert len(receiver.requests) == 3
