"""Automatic mode with a real Celery worker on Redis: a cancellation's refund due is sent by the worker after
the commit, once; "Refund what is owed" afterwards is refused and changes nothing. And on PostgreSQL with real
threads: "Refund what is owed" clicked while a unit is cancelled refunds what is owed once, never more."""

import time
from decimal import Decimal

import pytest
from django.db import transaction

from invoicing.models import LocalProviderRefund
from oms.models import ShopSettings
from orders.exceptions import InvalidTransition
from orders.models import OrderEvent, OrderPayment
from orders.services.cancel import order_cancel
from orders.services.payments import order_payment_record
from returns.models import Refund
from returns.services.refunds import refund_due_settle
from tests import factories
from tests.notifications.conftest import celery_broker, worker_redis  # noqa: F401  (fixture)
from tests.workers import celery_worker

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _wait_until(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.1)


def test_a_cancelled_paid_order_is_refunded_by_the_worker_once_and_settle_is_refused_after(
    worker_redis,  # noqa: F811
    place_order, product, location, refund_mode, finance, tmp_path,
):  # fmt: skip
    # given: automatic mode, an order paid online (local provider), never invoiced
    refund_mode(ShopSettings.RefundMode.AUTOMATIC)
    factories.stock(product, location, 10)
    order = place_order([(product, 2)])
    order_payment_record(order_id=order.pk, amount=order.total_gross, method="card", idempotency_key="local:w1")
    with celery_broker(worker_redis), celery_worker(broker_url=worker_redis, log_path=tmp_path / "w.log"):
        # when: the order desk cancels it; the refund is made in the cancellation's transaction
        with transaction.atomic():
            order_cancel(order_id=order.pk, actor=None, reason="Customer changed their mind")
            assert Refund.objects.filter(order=order, status="approved").count() == 1
        # then: the worker sends it after the commit
        _wait_until(lambda: Refund.objects.filter(order=order, status="paid").exists())
    refund = Refund.objects.get(order=order)
    assert (refund.kind, refund.mode, refund.amount, refund.attempts) == (
        "refund_due",
        "automatic",
        Decimal("25.00"),
        1,
    )
    assert LocalProviderRefund.objects.get().amount == Decimal("25.00")
    assert list(OrderPayment.objects.filter(kind="refund").values_list("amount", flat=True)) == [Decimal("-25.00")]
    order.refresh_from_db()
    assert (order.amount_paid, order.refund_due, order.payment_status) == (Decimal("0.00"), Decimal("0.00"), "unpaid")
    # when finance clicks "Refund what is owed" afterwards: refused, nothing changes
    events = OrderEvent.objects.count()
    with pytest.raises(InvalidTransition):
        refund_due_settle(order_id=order.pk, actor=finance)
    assert (Refund.objects.count(), OrderEvent.objects.count(), LocalProviderRefund.objects.count()) == (1, events, 1)


@pytest.mark.django_db(transaction=True)
def test_refund_what_is_owed_clicked_while_the_order_is_cancelled_refunds_once(
    place_order, product, location, refund_mode, finance
):
    from orders.exceptions import OrderError
    from orders.services.cancel import order_line_cancel
    from tests.returns.test_races import run_each

    # given: manual mode; each round an order of 2 mugs paid 25.00 plus 12.50 too much (12.50 owed back)
    refund_mode(ShopSettings.RefundMode.MANUAL)
    factories.stock(product, location, 20)
    for n in range(8):
        order = place_order([(product, 2)])
        order_payment_record(order_id=order.pk, amount=Decimal("37.50"), method="card",
                             idempotency_key=f"local:race{n}", allow_overpayment=True)  # fmt: skip
        line = order.lines.get()
        # when: finance clicks "Refund what is owed" while the desk cancels a unit (12.50 more owed back)
        results = run_each(
            lambda: refund_due_settle(order_id=order.pk, actor=finance),
            lambda: order_line_cancel(order_id=order.pk, line_id=line.pk, quantity=1, actor=None),
        )
        # then: no error but a refusal, and the refunds add up to what is owed back, never more
        assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, OrderError)], results
        order.refresh_from_db()
        assert order.refund_due == Decimal("25.00")
        assert sum(Refund.objects.filter(order=order).values_list("amount", flat=True)) == Decimal("25.00")
