"""Batched mode: the day's batch is made at the shop's batch time; finance holds items and approves it once."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from invoicing.models import LocalProviderRefund
from oms.models import ShopSettings
from orders.exceptions import InvalidTransition
from returns.models import Refund, RefundBatch
from returns.services.refund_batches import refund_batch_approve, refund_batch_due, refund_batch_hold

pytestmark = pytest.mark.django_db


def _at(hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(hour, minute)))


@pytest.fixture
def batched(refund_mode, shop):
    refund_mode(ShopSettings.RefundMode.BATCHED)
    shop.refund_batch_time = datetime.time(17, 0)
    shop.save()
    return shop


def test_the_batch_is_made_once_after_the_batch_time_with_the_waiting_refunds(batched, credit):
    # given: two credits make two refunds waiting for the batch
    credit("10.00")
    credit("5.00")
    assert set(Refund.objects.values_list("status", "mode", "batch")) == {("pending", "batched", None)}
    # when the beat ticks before the batch time: nothing
    assert refund_batch_due(now=_at(16, 59)) is None
    # when it ticks after it, twice
    batch = refund_batch_due(now=_at(17, 1))
    assert refund_batch_due(now=_at(17, 2)) is None
    # then one batch holds both refunds, still pending
    assert RefundBatch.objects.count() == 1
    assert batch.refunds.count() == 2
    assert set(batch.refunds.values_list("status", flat=True)) == {"pending"}


def test_no_batch_in_manual_mode(refund_mode, credit):
    refund_mode(ShopSettings.RefundMode.MANUAL)
    credit("10.00")
    assert refund_batch_due(now=_at(23, 59)) is None
    assert RefundBatch.objects.count() == 0


def test_finance_holds_one_item_and_approves_the_batch_which_sends_the_rest_once(
    batched, credit, finance, manager, desk, django_capture_on_commit_callbacks
):
    # given: a batch of two refunds
    credit("10.00")
    credit("5.00")
    batch = refund_batch_due(now=_at(18))
    held, sent = batch.refunds.order_by("amount")
    # when a clerk tries: refused, nothing changes
    with pytest.raises(PermissionDenied):
        refund_batch_approve(batch_id=batch.pk, actor=desk)
    with pytest.raises(PermissionDenied):
        refund_batch_hold(batch_id=batch.pk, refund_ids=[held.pk], actor=desk)
    assert batch.refunds.count() == 2
    # when finance holds the 5.00 refund and approves the batch
    assert refund_batch_hold(batch_id=batch.pk, refund_ids=[held.pk], actor=finance) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert refund_batch_approve(batch_id=batch.pk, actor=finance) == 1
    # then: the approved refund is paid, the held one waits for the next batch
    sent.refresh_from_db()
    held.refresh_from_db()
    assert (sent.status, sent.approved_by) == ("paid", finance)
    assert (held.status, held.batch) == ("pending", None)
    batch.refresh_from_db()
    assert (batch.status, batch.approved_by) == ("approved", finance)
    # when a manager approves the same batch again (a second click)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidTransition):
        refund_batch_approve(batch_id=batch.pk, actor=manager)
    # then nothing more was sent
    assert LocalProviderRefund.objects.count() == 1
    assert LocalProviderRefund.objects.get().amount == Decimal("10.00")
    # and the held refund joins tomorrow's batch
    tomorrow = refund_batch_due(now=_at(18) + datetime.timedelta(days=1))
    assert list(tomorrow.refunds.all()) == [held]
