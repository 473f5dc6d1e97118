"""Recording and reversing payments: idempotency, the balance rule, dates and methods, e-mail and webhooks."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from notifications.models import Message, WebhookDelivery, WebhookEndpoint
from oms.invariants import run_all
from orders import hooks
from orders.exceptions import InvalidTransition, OrderValidationError
from orders.models import Order, OrderEvent, OrderPayment, SplitReason
from orders.services import payments as payments_module
from orders.services.cancel import order_cancel
from orders.services.payments import order_payment_record, order_payment_reverse
from orders.services.split import order_split
from tests.factories import StaffFactory, stock
from tests.outbox import outbox_work

S = Order.PaymentStatus


@pytest.fixture
def order(place_order, product, location):
    stock(product, location, 10)
    return place_order([(product, 2)], shipping_fee=Decimal("5.00"))  # 25.00 + 5.00


@pytest.fixture
def endpoint(db):
    return WebhookEndpoint.objects.create(
        name="ERP", url="https://erp.example.com/hook", event_types=["payment.received", "payment.reversed"]
    )


def pay(order, amount: str, **kwargs) -> Order:
    kwargs.setdefault("method", "bank_transfer")
    order_payment_record(order_id=order.pk, amount=Decimal(amount), **kwargs)
    order.refresh_from_db()
    return order


def snapshot(order) -> tuple:
    """Everything a refused payment operation must leave as it was."""
    order.refresh_from_db()
    return (
        order.amount_paid,
        order.payment_status,
        order.paid_at,
        order.reservation_expires_at,
        list(OrderPayment.objects.order_by("pk").values_list("pk", "amount")),
        OrderEvent.objects.count(),
        Message.objects.count(),
        WebhookDelivery.objects.count(),
    )


@pytest.mark.django_db
def test_a_part_payment_makes_the_order_partly_paid_and_keeps_the_reservation_clock(order):
    # given
    actor = StaffFactory()
    # when
    pay(order, "10.00", actor=actor, reference="TX-1")
    # then
    assert (order.payment_status, order.amount_paid, order.balance_due) == (S.PARTIALLY_PAID, Decimal("10.00"), 20)
    assert order.paid_at is None
    assert order.reservation_expires_at is not None
    payment = OrderPayment.objects.get()
    event = order.events.get(type=OrderEvent.Type.PAYMENT_RECORDED)
    assert (event.actor, event.source) == (actor, OrderEvent.Source.ADMIN)
    assert event.parameters == {
        "payment_id": payment.pk,
        "amount": "10.00",
        "method": "bank_transfer",
        "reference": "TX-1",
        "paid_on": timezone.localdate().isoformat(),
        "overpayment": False,
        "balance": "20.00",
    }


@pytest.mark.django_db
def test_payments_adding_up_to_the_total_make_the_order_paid_and_stop_the_clock(order):
    # when
    pay(order, "10.00")
    pay(order, "20.00")
    # then
    assert (order.payment_status, order.balance_due) == (S.PAID, Decimal("0.00"))
    assert order.paid_at is not None
    assert order.reservation_expires_at is None
    assert list(OrderPayment.objects.values_list("amount", flat=True)) == [Decimal("10.00"), Decimal("20.00")]


@pytest.mark.django_db
def test_a_payment_above_the_balance_due_is_refused_and_changes_nothing(order):
    # given
    pay(order, "10.00")
    before = snapshot(order)
    # when
    with pytest.raises(OrderValidationError) as refused:
        pay(order, "20.01")
    # then
    assert refused.value.details == {"field": "amount"}
    assert "more than the balance due (EUR 20.00)" in refused.value.message
    assert snapshot(order) == before


@pytest.mark.django_db
def test_an_overpayment_ticked_by_staff_is_recorded_and_shows_the_refund_due(order):
    # when
    pay(order, "31.50", allow_overpayment=True)
    outbox_work()
    # then
    assert (order.payment_status, order.balance_due) == (S.REFUND_DUE, Decimal("-1.50"))
    assert order.paid_at is not None
    assert order.events.get(type=OrderEvent.Type.PAYMENT_RECORDED).parameters["overpayment"] is True
    message = Message.objects.get(kind="payment_received")
    assert "EUR 1.50 more than the order total; we will pay it back" in message.body_text


@pytest.mark.django_db
def test_a_payment_amount_with_a_third_decimal_is_refused_not_rounded(order):
    # given: money received is exact; rounding 10.005 to 10.01 would book a cent nobody paid
    before = snapshot(order)
    # when
    with pytest.raises(OrderValidationError) as refused:
        pay(order, "10.005")
    # then
    assert refused.value.details == {"field": "amount"}
    assert snapshot(order) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "amount", ["0", "-5.00", "0.004", "NaN", "sNaN", "Infinity", "-Infinity", "1e400", "10000000000.00", "abc", ""]
)
def test_an_amount_that_is_not_a_positive_number_fitting_the_column_is_refused_naming_the_field(order, amount):
    # given
    before = snapshot(order)
    # when
    with pytest.raises(OrderValidationError) as refused:
        order_payment_record(order_id=order.pk, amount=amount, method="cash", allow_overpayment=True)
    # then
    assert refused.value.details == {"field": "amount"}
    assert refused.value.message.startswith("Amount: ")
    assert snapshot(order) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"method": "bitcoin"}, "method"),
        ({"method": ""}, "method"),
        ({"paid_on": timezone.localdate() + timedelta(days=1)}, "paid_on"),
        ({"paid_on": timezone.localdate() - timedelta(days=1)}, "paid_on"),  # the order was made today
        ({"reference": "TX\x00-1"}, "reference"),
        ({"reference": "x" * 101}, "reference"),
    ],
)
def test_a_bad_method_date_or_reference_is_refused_naming_the_field(order, fields, field):
    # given
    before = snapshot(order)
    # when
    with pytest.raises(OrderValidationError) as refused:
        order_payment_record(order_id=order.pk, amount=Decimal("5.00"), **{"method": "cash", **fields})
    # then
    assert refused.value.details == {"field": field}
    assert snapshot(order) == before


@pytest.mark.django_db
def test_a_payment_dated_on_the_order_day_is_kept_with_its_date(order):
    # given
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=3))
    day = timezone.localdate() - timedelta(days=3)
    # when
    pay(order, "5.00", paid_on=day, method="cash")
    # then
    assert OrderPayment.objects.get().paid_on == day


@pytest.mark.django_db
def test_a_cancelled_order_takes_no_payment(order):
    # given
    order_cancel(order_id=order.pk)
    before = snapshot(order)
    # when
    with pytest.raises(InvalidTransition):
        pay(order, "30.00")
    # then
    assert snapshot(order) == before


@pytest.mark.django_db
def test_the_same_submission_twice_records_one_payment_and_returns_the_first(order):
    # given
    first = order_payment_record(order_id=order.pk, amount=Decimal("30.00"), method="card", idempotency_key="k-1")
    before = snapshot(order)
    # when
    second = order_payment_record(order_id=order.pk, amount=Decimal("30.00"), method="card", idempotency_key="k-1")
    # then
    assert (first.replayed, second.replayed, second.pk) == (False, True, first.pk)
    assert snapshot(order) == before
    assert (order.amount_paid, OrderPayment.objects.count()) == (Decimal("30.00"), 1)


@pytest.mark.django_db
def test_a_key_reused_for_a_different_payment_is_refused(order):
    # given
    order_payment_record(order_id=order.pk, amount=Decimal("10.00"), method="card", idempotency_key="k-1")
    before = snapshot(order)
    # when
    with pytest.raises(OrderValidationError) as refused:
        order_payment_record(order_id=order.pk, amount=Decimal("12.00"), method="card", idempotency_key="k-1")
    # then
    assert refused.value.details == {"field": "idempotency_key"}
    assert snapshot(order) == before


@pytest.mark.django_db
def test_a_request_that_loses_the_race_at_the_unique_index_returns_the_winners_payment(order, monkeypatch):
    # given: the first submission is in; the second request's look-ups before the insert missed it
    first = order_payment_record(order_id=order.pk, amount=Decimal("10.00"), method="card", idempotency_key="k-1")
    before = snapshot(order)
    lookups = iter([None, None])
    real_replay = payments_module._replay
    monkeypatch.setattr(payments_module, "_replay", lambda *args: next(lookups, None) or real_replay(*args))
    # when
    second = order_payment_record(order_id=order.pk, amount=Decimal("10.00"), method="card", idempotency_key="k-1")
    # then
    assert (second.pk, second.replayed) == (first.pk, True)
    assert snapshot(order) == before


@pytest.mark.django_db
def test_a_payment_queues_the_payment_received_email_and_webhook(order, endpoint):
    # when
    pay(order, "10.00", method="card", reference="PSP-77")
    outbox_work()
    # then
    message = Message.objects.get(kind="payment_received")
    assert message.to == order.customer.email
    assert f"payment of EUR 10.00 for order {order.number} (Card, reference PSP-77," in message.body_text
    assert "Still to pay: EUR 20.00." in message.body_text
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event_type, delivery.endpoint) == ("payment.received", endpoint)
    assert delivery.payload["payment"] | {"payment_id": 0} == {
        "payment_id": 0,
        "kind": "payment",
        "amount": "10.00",
        "method": "Card",
        "method_code": "card",
        "reference": "PSP-77",
        "paid_on": timezone.localdate().isoformat(),
        "reason": "",
        "amount_paid": "10.00",
        "balance_due": "20.00",
        "refund_due": "0.00",
        "balance_state": "open",
    }
    assert order.events.filter(type=OrderEvent.Type.EMAIL_QUEUED, parameters__kind="payment_received").count() == 1


@pytest.mark.django_db
def test_a_reversal_takes_the_payment_back_with_a_reason_and_keeps_the_payment(order, endpoint, finance):
    # given
    pay(order, "30.00")
    payment = OrderPayment.objects.get()
    messages_before = Message.objects.count()
    # when
    reversal = order_payment_reverse(payment_id=payment.pk, reason="Booked on the wrong order", actor=finance)
    outbox_work()
    # then
    order.refresh_from_db()
    assert (reversal.kind, reversal.amount, reversal.reverses, reversal.reason, reversal.actor) == (
        OrderPayment.Kind.REVERSAL,
        Decimal("-30.00"),
        payment,
        "Booked on the wrong order",
        finance,
    )
    assert (order.amount_paid, order.payment_status, order.paid_at) == (Decimal("0.00"), S.UNPAID, None)
    assert OrderPayment.objects.filter(pk=payment.pk, amount=Decimal("30.00")).exists()
    event = order.events.get(type=OrderEvent.Type.PAYMENT_REVERSED)
    assert (event.actor, event.parameters) == (
        finance,
        {"payment_id": payment.pk, "amount": "30.00", "reason": "Booked on the wrong order", "balance": "30.00"},
    )
    delivery = WebhookDelivery.objects.get(event_type="payment.reversed")
    assert delivery.payload["payment"]["amount"] == "-30.00"
    assert Message.objects.count() == messages_before  # no e-mail to the customer
    assert {rule.name: rows for rule, rows in run_all() if rows} == {}


@pytest.mark.django_db
def test_a_payment_is_reversed_only_once(order, finance):
    # given
    pay(order, "30.00")
    payment = OrderPayment.objects.get()
    order_payment_reverse(payment_id=payment.pk, reason="Mistake", actor=finance)
    before = snapshot(order)
    # when
    with pytest.raises(InvalidTransition, match="already reversed"):
        order_payment_reverse(payment_id=payment.pk, reason="Again", actor=finance)
    # then
    assert snapshot(order) == before


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "   ", "x" * 201])
def test_a_reversal_without_a_reason_is_refused(order, reason):
    # given
    pay(order, "30.00")
    before = snapshot(order)
    # when
    with pytest.raises(OrderValidationError) as refused:
        order_payment_reverse(payment_id=OrderPayment.objects.get().pk, reason=reason)
    # then
    assert refused.value.details == {"field": "reason"}
    assert snapshot(order) == before


@pytest.mark.django_db
def test_reversing_a_payment_partly_moved_to_a_split_order_is_refused(place_order, product, location):
    # given: 30.00 paid on a 55.00 order, then one of its lines split off (the child takes its share)
    stock(product, location, 10)
    order = place_order([(product, 4)], shipping_fee=Decimal("5.00"))
    pay(order, "30.00")
    line = order.lines.get()
    order_split(order_id=order.pk, quantities={line.pk: 2}, reason=SplitReason.BACKORDER)
    payment = OrderPayment.objects.get(kind=OrderPayment.Kind.PAYMENT)
    transfer = OrderPayment.objects.get(kind=OrderPayment.Kind.TRANSFER_OUT)
    before = snapshot(order)
    # when / then
    with pytest.raises(InvalidTransition, match="reverse the payments there first"):
        order_payment_reverse(payment_id=payment.pk, reason="Mistake")
    with pytest.raises(InvalidTransition, match="Only a payment can be reversed"):
        order_payment_reverse(payment_id=transfer.pk, reason="Mistake")
    assert snapshot(order) == before


@pytest.mark.django_db
def test_a_partial_reversal_of_a_paid_order_makes_it_partly_paid_again(order):
    # given
    pay(order, "10.00")
    pay(order, "20.00")
    second = OrderPayment.objects.get(amount=Decimal("20.00"))
    # when
    order_payment_reverse(payment_id=second.pk, reason="Bounced")
    # then
    order.refresh_from_db()
    assert (order.amount_paid, order.payment_status, order.paid_at) == (Decimal("10.00"), S.PARTIALLY_PAID, None)


@pytest.mark.django_db
def test_recording_a_payment_takes_a_pinned_number_of_queries(order, django_assert_num_queries):
    # given
    pay(order, "1.00")
    # when / then: savepoint, key look-up, lock (order and root, one query), key re-check, insert in a savepoint (3),
    # lines (for the statuses and the e-mail), order update and its history row (one statement on PostgreSQL:
    # `row_update`), customer, message, the events
    # (payment recorded and e-mail queued, one insert), release (shop settings and webhook subscriptions come from
    # the config cache; the worker renders the e-mail), and the invoicing
    # "payment" hook's look-up of the order's issued invoices (none here)
    with django_assert_num_queries(14 if connection.vendor == "postgresql" else 15):
        order_payment_record(order_id=order.pk, amount=Decimal("5.00"), method="card", idempotency_key="q-1")


@pytest.mark.django_db
def test_reversing_a_payment_takes_a_pinned_number_of_queries(order, django_assert_num_queries):
    # given
    pay(order, "5.00")
    payment = OrderPayment.objects.get()
    # when / then: savepoint, order id, lock (order and root, one query), payment, reversed?, insert in a savepoint (3),
    # lines (for the statuses and the payload), order update and its history row (one statement on PostgreSQL),
    # customer, event, release, and
    # the invoicing "payment_reverse" hook's look-up of the order's issued invoices (none here)
    with django_assert_num_queries(14 if connection.vendor == "postgresql" else 15):
        order_payment_reverse(payment_id=payment.pk, reason="Bounced")


@pytest.mark.django_db
@pytest.mark.parametrize("operation", ["payment", "payment_reverse"])
def test_a_registered_guard_refuses_a_payment_or_reversal_with_its_sentence_and_nothing_changes(order, operation):
    # given
    pay(order, "10.00")
    payment = OrderPayment.objects.get()
    before = snapshot(order)
    seen = []
    hooks.register_guard(operation, "test.books_closed", lambda o, op, change: seen.append(change) or "Books closed.")
    try:
        # when
        with pytest.raises(InvalidTransition, match="Books closed."):
            if operation == "payment":
                pay(order, "5.00")
            else:
                order_payment_reverse(payment_id=payment.pk, reason="Mistake")
    finally:
        hooks.unregister(operation, "test.books_closed")
    # then: the guard saw the proposed change (the amount, or the payment to reverse)
    assert seen == [Decimal("5.00") if operation == "payment" else payment.pk]
    assert snapshot(order) == before
