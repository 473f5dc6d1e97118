"""Low-stock alerts: raised once per fall below the reorder point, cleared when stock is back, e-mailed once."""

import pytest
from django.core import mail

from catalog.models import StockAlert, StockLevel
from catalog.services import stock_adjust, stock_level_set_reorder_point, stock_receive
from notifications.models import EmailKind, Message
from orders.services.cancel import order_cancel
from orders.services.stock_alerts import stock_alerts_notify
from tests.factories import stock
from tests.outbox import outbox_work

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerting(shop):
    shop.low_stock_email = "buyer@example.com"
    shop.save()
    return shop


@pytest.fixture
def level(product, location):
    level = stock(product, location, 10)
    stock_level_set_reorder_point(level_id=level.pk, reorder_point=5)
    return level


def alerts(level: StockLevel) -> list[tuple[int, int, bool]]:
    rows = level.alerts.order_by("pk").values_list("sellable", "reorder_point", "cleared_at")
    return [(sellable, point, cleared_at is None) for sellable, point, cleared_at in rows]


def test_an_alert_is_raised_once_across_several_orders(level, product, place_order, alerting,
                                                       django_capture_on_commit_callbacks):  # fmt: skip
    # given: 10 sellable, reorder point 5
    # when: three orders take 4, 2 and 3 units (sellable 6, then 4 (falls below), then 1)
    with django_capture_on_commit_callbacks(execute=True):
        place_order([(product, 4)])
    assert alerts(level) == []
    with django_capture_on_commit_callbacks(execute=True):
        place_order([(product, 2)])
    with django_capture_on_commit_callbacks(execute=True):
        place_order([(product, 3)])
    # then: one open alert, from the order that crossed the point, e-mailed once
    assert alerts(level) == [(4, 5, True)]
    level.refresh_from_db()
    assert level.low_stock_alerted is True
    messages = Message.objects.filter(kind=EmailKind.LOW_STOCK)
    assert list(messages.values_list("to", "topic", "topic_id")) == [
        ("buyer@example.com", "stock_alert", level.alerts.get().pk)
    ]
    assert messages.get().context["sellable"] == 4
    assert StockAlert.objects.get().notified_at is not None


def test_the_e_mail_goes_out_through_the_outbox_with_the_level_named(level, product, place_order, alerting,
                                                                    django_capture_on_commit_callbacks):  # fmt: skip
    # given
    with django_capture_on_commit_callbacks(execute=True):
        place_order([(product, 7)])
    # when
    outbox_work()
    # then
    sent = [email for email in mail.outbox if email.to == ["buyer@example.com"]]
    assert len(sent) == 1
    assert sent[0].subject == "Low stock: MUG-1 at Main warehouse (3 left)"
    assert "/admin/catalog/stockalert/?status=open" in sent[0].body


def test_the_alert_clears_on_receipt_and_is_raised_again_after_a_new_fall(level, product, location, place_order,
                                                                         alerting):  # fmt: skip
    # given: an open alert
    place_order([(product, 8)])
    assert alerts(level) == [(2, 5, True)]
    # when: a receipt of 2 leaves sellable 4, still below: the alert stays open, nothing new
    stock_receive(product=product, location=location, quantity=2, reason="delivery")
    assert alerts(level) == [(2, 5, True)]
    # when: another receipt brings it to 9
    stock_receive(product=product, location=location, quantity=5, reason="delivery")
    # then: cleared
    assert alerts(level) == [(2, 5, False)]
    level.refresh_from_db()
    assert level.low_stock_alerted is False
    # when: a new fall
    place_order([(product, 6)])
    # then: a second alert, the first stays cleared
    assert alerts(level) == [(2, 5, False), (3, 5, True)]


def test_a_cancellation_that_brings_stock_back_clears_the_alert(level, product, place_order, alerting):
    # given
    order = place_order([(product, 8)])
    # when
    order_cancel(order_id=order.pk, actor=None, reason="test")
    # then
    assert alerts(level) == [(2, 5, False)]


def test_raising_the_reorder_point_above_stock_raises_an_alert_at_once(level, alerting):
    # when
    stock_level_set_reorder_point(level_id=level.pk, reorder_point=12)
    # then
    assert alerts(level) == [(10, 12, True)]
    # and lowering it again clears it
    stock_level_set_reorder_point(level_id=level.pk, reorder_point=3)
    assert alerts(level) == [(10, 12, False)]


def test_adjusting_stock_down_raises_and_up_clears(level, product, location):
    # when
    stock_adjust(product=product, location=location, quantity=-6, reason="broken")
    stock_adjust(product=product, location=location, quantity=-1, reason="broken")
    # then
    assert alerts(level) == [(4, 5, True)]
    stock_adjust(product=product, location=location, quantity=3, reason="found")
    assert alerts(level) == [(4, 5, False)]


def test_no_address_marks_the_alert_notified_without_an_e_mail(level, product, place_order, shop):
    # given: no low-stock address configured
    place_order([(product, 8)])
    # when
    queued = stock_alerts_notify()
    # then
    assert queued == 0
    assert not Message.objects.filter(kind=EmailKind.LOW_STOCK).exists()
    assert StockAlert.objects.get().notified_at is not None


def test_the_sweep_e_mails_each_alert_once_whatever_the_retries(level, product, place_order, alerting):
    # given: an alert whose after-commit hand-over never ran (no on-commit callbacks in this test)
    place_order([(product, 8)])
    # when: the beat sweep runs twice
    first, second = stock_alerts_notify(), stock_alerts_notify()
    # then
    assert (first, second) == (1, 0)
    assert Message.objects.filter(kind=EmailKind.LOW_STOCK).count() == 1


def test_an_alert_cleared_before_its_e_mail_left_is_not_e_mailed(level, product, location, place_order, alerting):
    # given
    place_order([(product, 8)])
    stock_receive(product=product, location=location, quantity=10, reason="delivery")
    # when
    queued = stock_alerts_notify()
    # then
    assert queued == 0
    assert not Message.objects.filter(kind=EmailKind.LOW_STOCK).exists()


def test_a_level_without_a_reorder_point_never_alerts(product, location, place_order):
    # given
    level = stock(product, location, 3)
    # when
    place_order([(product, 3)])
    # then
    assert alerts(level) == []
