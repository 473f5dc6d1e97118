from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from catalog.models import StockLevel, StockMovement
from oms.celery import app
from orders.models import Order, OrderEvent, PaymentTerms
from orders.services.expiry import reservations_expire
from orders.services.payments import order_payment_record
from orders.services.shipping import order_lines_ship
from orders.tasks import reservations_expire_task
from tests.factories import AddressFactory, CustomerFactory, stock

LATER = timedelta(hours=73)  # the shop's default reservation is 72 hours


@pytest.fixture
def mugs(product, location):
    return stock(product, location, 20)


@pytest.mark.django_db
def test_placing_an_unpaid_order_starts_the_reservation_clock(place_order, product, mugs, shop):
    # when
    order = place_order([(product, 2)])
    # then
    expected = order.placed_at + timedelta(hours=shop.reservation_expiry_hours)
    assert abs(order.reservation_expires_at - expected) < timedelta(seconds=5)


@pytest.mark.django_db
def test_an_expired_reservation_cancels_the_order_releases_stock_and_records_why(place_order, product, mugs):
    # given
    order = place_order([(product, 3)])
    # when
    expired = reservations_expire(now=timezone.now() + LATER)
    # then
    assert expired == [order.number]
    order.refresh_from_db()
    assert (order.status, order.cancel_reason, order.reservation_expires_at) == (
        Order.Status.CANCELED,
        "Reservation expired",
        None,
    )
    level = StockLevel.objects.get(pk=mugs.pk)
    assert (level.on_hand, level.allocated) == (20, 0)
    release = StockMovement.objects.filter(level=level, kind=StockMovement.Kind.RELEASE).get()
    assert (release.allocated_delta, release.reference) == (-3, order.number)
    events = list(order.events.filter(type__in=["canceled", "released", "reservation_expired"]).order_by("pk"))
    assert [(e.type, e.source, e.actor) for e in events] == [
        (OrderEvent.Type.CANCELED, OrderEvent.Source.BEAT, None),
        (OrderEvent.Type.RELEASED, OrderEvent.Source.BEAT, None),
        (OrderEvent.Type.RESERVATION_EXPIRED, OrderEvent.Source.BEAT, None),
    ]
    assert events[0].parameters == {"old_status": "placed", "reason": "Reservation expired"}
    assert events[2].parameters == {"hours": 73}


@pytest.mark.django_db
def test_a_reservation_before_its_deadline_is_kept(place_order, product, mugs):
    # given
    order = place_order([(product, 3)])
    # when
    expired = reservations_expire(now=timezone.now() + timedelta(hours=71))
    # then
    assert expired == []
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert StockLevel.objects.get(pk=mugs.pk).allocated == 3


@pytest.mark.django_db
@pytest.mark.parametrize("paid", ["full", "part"])
def test_paid_and_partly_paid_orders_are_not_expired(place_order, product, mugs, paid):
    # given
    order = place_order([(product, 2)])
    amount = order.total_gross if paid == "full" else Decimal("1.00")
    order_payment_record(order_id=order.pk, amount=amount, method="bank_transfer")
    # when
    expired = reservations_expire(now=timezone.now() + LATER)
    # then
    assert expired == []
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert StockLevel.objects.get(pk=mugs.pk).allocated == 2


@pytest.mark.django_db
def test_a_paid_order_whose_deadline_was_left_behind_is_still_not_expired(place_order, product, mugs):
    # given: a paid order that somehow kept its deadline
    order = place_order([(product, 2)])
    order_payment_record(order_id=order.pk, amount=order.total_gross, method="bank_transfer")
    Order.objects.filter(pk=order.pk).update(reservation_expires_at=timezone.now())
    # when
    expired = reservations_expire(now=timezone.now() + LATER)
    # then
    assert expired == []


@pytest.mark.django_db
def test_wholesale_orders_on_payment_terms_keep_their_reservation(place_order, product, mugs):
    # given
    wholesale = AddressFactory(customer=CustomerFactory(is_wholesale=True, payment_terms=PaymentTerms.NET_30)).customer
    order = place_order([(product, 4)], customer=wholesale)
    # when
    expired = reservations_expire(now=timezone.now() + timedelta(days=365))
    # then
    assert order.reservation_expires_at is None
    assert expired == []
    assert StockLevel.objects.get(pk=mugs.pk).allocated == 4


@pytest.mark.django_db
def test_partly_shipped_orders_are_not_expired(place_order, product, mugs):
    # given
    order = place_order([(product, 4)])
    order_lines_ship(order_id=order.pk, quantities={order.lines.get().pk: 1})
    Order.objects.filter(pk=order.pk).update(reservation_expires_at=timezone.now())
    # when
    expired = reservations_expire(now=timezone.now() + LATER)
    # then
    assert expired == []
    assert StockLevel.objects.get(pk=mugs.pk).allocated == 3


@pytest.mark.django_db
def test_running_expiry_twice_does_nothing_more(place_order, product, mugs):
    # given
    place_order([(product, 3)])
    later = timezone.now() + LATER
    reservations_expire(now=later)
    events, movements = OrderEvent.objects.count(), StockMovement.objects.count()
    # when
    expired = reservations_expire(now=later)
    # then
    assert expired == []
    assert (OrderEvent.objects.count(), StockMovement.objects.count()) == (events, movements)


@pytest.mark.django_db
def test_expiry_works_through_every_batch(place_order, product, mugs):
    # given
    orders = [place_order([(product, 1)]) for _ in range(5)]
    # when
    expired = reservations_expire(now=timezone.now() + LATER, batch_size=2)
    # then
    assert expired == [order.number for order in orders]
    assert StockLevel.objects.get(pk=mugs.pk).allocated == 0


@pytest.mark.django_db
def test_the_beat_task_expires_due_reservations(place_order, product, mugs):
    # given
    order = place_order([(product, 2)])
    Order.objects.filter(pk=order.pk).update(reservation_expires_at=timezone.now() - timedelta(minutes=1))
    # when
    result = reservations_expire_task.apply().get()
    # then
    assert result == [order.number]
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELED


def test_the_beat_schedule_runs_the_registered_expiry_task():
    # given
    entry = settings.CELERY_BEAT_SCHEDULE["expire-unpaid-reservations"]
    # then
    assert entry["task"] == reservations_expire_task.name == "orders.tasks.reservations_expire_task"
    assert entry["task"] in app.tasks
    assert 0 < entry["schedule"] <= 3600
