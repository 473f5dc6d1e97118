"""Fault tests on PostgreSQL and Redis with a real Celery worker: a refund is paid at most once."""

import time
from decimal import Decimal

import pytest
from django.db import transaction

from invoicing.models import LocalProviderRefund
from oms.models import ShopSettings
from orders.models import OrderPayment
from returns.models import Refund
from returns.services.refund_batches import refund_batch_approve, refund_batch_create
from returns.services.refunds import refund_approve, refunds_sweep
from tests.notifications.conftest import celery_broker, worker_redis  # noqa: F401  (fixture)
from tests.workers import celery_worker

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _wait_until(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.1)


def _status(refund) -> str:
    return Refund.objects.values_list("status", flat=True).get(pk=refund.pk)


def test_a_worker_killed_after_the_provider_call_does_not_pay_the_refund_twice(
    worker_redis,  # noqa: F811
    paid_order, credit, refund_mode, finance, tmp_path,
):  # fmt: skip
    # given: a refund waiting for approval; the worker pauses right after the provider paid, before saving
    refund_mode(ShopSettings.RefundMode.MANUAL)
    credit("10.00")
    refund = Refund.objects.get()
    marker = tmp_path / "after-provider-call"
    env = {"OMS_REFUND_FAULT_PAUSE_FILE": str(marker)}
    with celery_broker(worker_redis), celery_worker(broker_url=worker_redis, log_path=tmp_path / "1.log", env=env) as w:
        with transaction.atomic():
            refund_approve(refund_id=refund.pk, actor=finance)
        _wait_until(marker.exists)
        # when: the worker dies after the provider took the money, before the status was saved
        w.kill()
    assert LocalProviderRefund.objects.count() == 1
    assert (_status(refund), OrderPayment.objects.filter(kind="refund").count()) == ("approved", 0)
    # when: a new worker, and the sweeper finds the approved refund again
    with celery_broker(worker_redis), celery_worker(broker_url=worker_redis, log_path=tmp_path / "2.log"):
        assert refunds_sweep(older_than_seconds=0) == 1
        _wait_until(lambda: _status(refund) == "paid")
    # then: the provider answered the first result; the money left once and was recorded once
    refund.refresh_from_db()
    assert LocalProviderRefund.objects.count() == 1
    assert refund.provider_refund_id == LocalProviderRefund.objects.get().refund_id
    assert refund.attempts == 2
    assert list(OrderPayment.objects.filter(kind="refund").values_list("amount", flat=True)) == [Decimal("-10.00")]


def test_a_batch_approved_twice_through_the_worker_sends_each_refund_once(
    worker_redis,  # noqa: F811
    paid_order, credit, refund_mode, finance, tmp_path,
):  # fmt: skip
    # given: a batch of three refunds
    refund_mode(ShopSettings.RefundMode.BATCHED)
    for amount in ("3.00", "4.00", "5.00"):
        credit(amount)
    batch = refund_batch_create()
    with celery_broker(worker_redis), celery_worker(broker_url=worker_redis, log_path=tmp_path / "w.log"):
        # when: approved, then approved again (a second click), and the sweeper runs too
        with transaction.atomic():
            refund_batch_approve(batch_id=batch.pk, actor=finance)
        with pytest.raises(Exception, match="approved already"), transaction.atomic():
            refund_batch_approve(batch_id=batch.pk, actor=finance)
        refunds_sweep(older_than_seconds=0)
        _wait_until(lambda: set(Refund.objects.values_list("status", flat=True)) == {"paid"})
    # then
    assert LocalProviderRefund.objects.count() == 3
    assert OrderPayment.objects.filter(kind="refund").count() == 3
