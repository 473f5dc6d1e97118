"""Batched mode: the day's batch is made at the shop's batch time; finance holds items and approves it once."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from invoicing.models import LocalProviderRefund
from oms.models import ShopSettings
from orders.exceptions import InvalidTransition
from orders.models import OrderEvent
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


@pytest.mark.parametrize("count", [1, 3])
def test_approving_a_batch_takes_a_fixed_number_of_statements_and_leaves_history_and_events(
    batched, credit, finance, count
):
    # given: a batch of `count` refunds
    for _ in range(count):
        credit("1.00")
    batch = refund_batch_due(now=_at(18))
    ids = sorted(batch.refunds.values_list("pk", flat=True))
    # when finance approves it (sending is queued after the commit, not run here)
    # then: the same statements whatever the size: the batch locked and saved, the refunds approved with
    # their history in one, their events in one (and the permission lookups, the savepoint and its release)
    with CaptureQueriesContext(connection) as statements:
        assert refund_batch_approve(batch_id=batch.pk, actor=finance) == count
    expected = 8 if connection.vendor == "postgresql" else 10  # SQLite: the refunds read, updated, their history
    assert len(statements) == expected, "\n".join(q["sql"][:90] for q in statements)
    assert set(Refund.objects.filter(pk__in=ids).values_list("status", "approved_by")) == {("approved", finance.pk)}
    approved = Refund.history.filter(id__in=ids, status="approved")
    assert sorted(approved.values_list("id", flat=True)) == ids
    assert {(h.history_type, h.history_user_id, h.history_change_reason) for h in approved} == {
        ("~", finance.pk, f"approved with {batch}")
    }
    events = OrderEvent.objects.filter(type="refund_approved").order_by("pk")
    assert [e.parameters["refund_id"] for e in events] == ids
    summaries = [(finance.pk, f"approved refund {pk}") for pk in ids]
    assert [(e.actor_id, e.parameters["summary"]) for e in events] == summaries


def test_a_chunk_sends_refunds_given_with_or_without_their_order(batched, credit, finance):
    # given: an approved batch of two refunds (their sending not run: the chunk task is called below)
    credit("1.00")
    credit("2.00")
    batch = refund_batch_due(now=_at(18))
    refund_batch_approve(batch_id=batch.pk, actor=finance)
    first, second = batch.refunds.order_by("pk")
    # when a chunk names one with its order (a batch's approval) and one alone (the sweep)
    from returns.tasks import refund_execute_many_task

    assert refund_execute_many_task([[first.pk, first.order_id], second.pk]) == 2
    # then both are paid once, and a second run of the chunk sends nothing
    assert set(batch.refunds.values_list("status", flat=True)) == {"paid"}
    assert refund_execute_many_task([[first.pk, first.order_id], second.pk]) == 0
    assert LocalProviderRefund.objects.count() == 2
