from decimal import Decimal

import pytest

from orders.exceptions import InvalidTransition, OrderValidationError
from orders.models import Order, OrderEvent, OrderPayment
from orders.services.cancel import order_cancel
from orders.services.payments import order_payment_record
from tests.factories import StaffFactory, stock

S = Order.PaymentStatus


@pytest.fixture
def order(place_order, product, location):
    stock(product, location, 10)
    return place_order([(product, 2)], shipping_fee=Decimal("5.00"))  # 25.00 + 5.00


def pay(order, amount: str, **kwargs) -> Order:
    order_payment_record(order_id=order.pk, amount=Decimal(amount), method=kwargs.pop("method", "bank"), **kwargs)
    order.refresh_from_db()
    return order


@pytest.mark.django_db
def test_a_part_payment_makes_the_order_partly_paid_and_keeps_the_reservation_clock(order):
    # given
    actor = StaffFactory()
    # when
    pay(order, "10.00", actor=actor, reference="TX-1")
    # then
    assert (order.payment_status, order.amount_paid, order.balance_due) == (
        S.PARTIALLY_PAID,
        Decimal("10.00"),
        Decimal("20.00"),
    )
    assert order.paid_at is None
    assert order.reservation_expires_at is not None
    event = order.events.get(type=OrderEvent.Type.PAYMENT_RECORDED)
    assert (event.actor, event.source) == (actor, OrderEvent.Source.ADMIN)
    assert event.parameters == {"amount": "10.00", "method": "bank", "reference": "TX-1", "balance": "20.00"}


@pytest.mark.django_db
def test_payments_adding_up_to_the_total_make_the_order_paid_and_stop_the_clock(order):
    # when
    pay(order, "10.00")
    pay(order, "20.00")
    # then
    assert (order.payment_status, order.balance_due) == (S.PAID, Decimal("0.00"))
    assert order.paid_at is not None
    assert order.reservation_expires_at is None
    assert list(OrderPayment.objects.filter(order=order).values_list("amount", flat=True)) == [
        Decimal("10.00"),
        Decimal("20.00"),
    ]


@pytest.mark.django_db
def test_paying_more_than_the_total_makes_a_refund_due_with_a_negative_balance(order):
    # when
    pay(order, "31.50")
    # then
    assert (order.payment_status, order.balance_due) == (S.REFUND_DUE, Decimal("-1.50"))
    assert order.paid_at is not None


@pytest.mark.django_db
def test_payment_amounts_are_rounded_half_up_to_the_cent(order):
    # when
    pay(order, "10.005")
    # then
    assert order.amount_paid == Decimal("10.01")


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["0", "-5.00", "0.004"])
def test_a_payment_that_is_not_positive_is_refused(order, amount):
    # when
    with pytest.raises(OrderValidationError):
        pay(order, amount)
    # then
    order.refresh_from_db()
    assert (order.amount_paid, order.payment_status) == (Decimal("0.00"), S.UNPAID)
    assert not OrderPayment.objects.exists()


@pytest.mark.django_db
def test_a_cancelled_order_takes_no_payment(order):
    # given
    order_cancel(order_id=order.pk)
    # when
    with pytest.raises(InvalidTransition):
        pay(order, "30.00")
    # then
    assert not OrderPayment.objects.exists()
