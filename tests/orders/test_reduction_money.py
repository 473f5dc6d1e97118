"""The money rules of reductions (orders/pricing.py), with amounts computed by hand.

Prices include tax (the shop's default), so a line's gross is price × units − its discounts, to the cent.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from notifications.models import EmailKind, Message, WebhookDelivery, WebhookEndpoint
from oms.invariants import run_all
from orders.exceptions import OrderValidationError
from orders.models import Order, OrderEvent, OrderLine, SplitReason
from orders.services.cancel import order_cancel, order_line_cancel
from orders.services.edit import CustomItem, EditChanges, order_edit_commit
from orders.services.expiry import reservations_expire
from orders.services.payments import order_payment_record
from orders.services.split import order_split
from tests.factories import ProductFactory, stock
from tests.outbox import outbox_work

pytestmark = pytest.mark.django_db
D = Decimal
P = Order.PaymentStatus


@pytest.fixture
def products(tax_rate, location):
    made = {}
    for sku, price in (("A", "50.00"), ("B", "50.00"), ("C", "5.00"), ("E", "1.00"), ("F", "1.00")):
        made[sku] = ProductFactory(sku=sku, name=f"Product {sku}", unit_price=D(price), tax_rate=tax_rate)
        stock(made[sku], location, 50)
    return made


@pytest.fixture
def hooks_endpoint():
    return WebhookEndpoint.objects.create(
        name="ERP", url="https://erp.example.com/h", event_types=["order.cancelled", "order.edited"]
    )


def line(order, sku) -> OrderLine:
    return order.lines.get(sku=sku)


def rows(order) -> list[dict]:
    """Full snapshots of the order and its lines, to prove that nothing changed."""
    order.refresh_from_db()
    return [model_to_dict(order), *(model_to_dict(x) for x in order.lines.order_by("pk"))]


def broken() -> list:
    return [(rule.name, found) for rule, found in run_all() if found]


def test_cancelling_a_line_takes_its_share_of_the_order_discount_with_it(place_order, products):
    # given: A 50 + B 50 with a 20.00 order discount carry 10.00 each
    order = place_order([(products["A"], 1), (products["B"], 1)], discount_amount=D("20"), shipping_fee=D("4.95"))
    a_before = model_to_dict(line(order, "A"))
    # when
    order_line_cancel(order_id=order.pk, line_id=line(order, "B").pk, quantity=1)
    # then: 40.00 of goods stay (not 30.00), and line A is not touched
    order.refresh_from_db()
    assert (order.lines_gross, order.discount_amount, order.total_gross) == (D("40.00"), D("10.00"), D("44.95"))
    assert model_to_dict(line(order, "A")) == a_before
    b = line(order, "B")
    assert (b.order_discount_share, b.gross, b.quantity_canceled) == (D("0.00"), D("0.00"), 1)
    assert broken() == []


def test_the_line_that_carries_most_of_the_discount_can_be_cancelled(place_order, products):
    # given: A 50 + C 5 with a 10.00 discount: shares 9.09 and 0.91 (by value, largest remainder)
    order = place_order([(products["A"], 1), (products["C"], 1)], discount_amount=D("10"), shipping_fee=D("4.95"))
    assert (line(order, "A").order_discount_share, line(order, "C").order_discount_share) == (D("9.09"), D("0.91"))
    # when
    order_line_cancel(order_id=order.pk, line_id=line(order, "A").pk, quantity=1)
    # then: C keeps its 0.91 share: 5.00 - 0.91 = 4.09, plus shipping
    order.refresh_from_db()
    assert (line(order, "C").gross, order.discount_amount, order.total_gross) == (D("4.09"), D("0.91"), D("9.04"))
    assert broken() == []


def test_an_edit_of_a_split_child_does_not_reprice_its_untouched_lines(place_order, products):
    # given: E 2 × 1.00 + F 2 × 1.00 with a 0.08 discount (0.04 per line); one unit of E split off
    order = place_order([(products["E"], 2), (products["F"], 2)], discount_amount=D("0.08"))
    child = order_split(order_id=order.pk, quantities={line(order, "E").pk: 1}, reason=SplitReason.OTHER)
    e = line(child, "E")
    assert (e.order_discount_share, e.gross, child.discount_amount) == (D("0.02"), D("0.98"), D("0.02"))
    # when: a custom item is added to the child (re-sharing used to move E from 0.98 to 0.99)
    item = CustomItem("Gift wrap", D("1.00"), D("21"), 1)
    order_edit_commit(order_id=child.pk, changes=EditChanges(custom_items=[item]), base_version=child.version)
    # then: E is untouched, the new line is at full price and the child's discount is still 0.02
    child.refresh_from_db()
    assert model_to_dict(line(child, "E")) == model_to_dict(e)
    wrap = child.lines.get(name="Gift wrap")
    assert (wrap.order_discount_share, wrap.gross) == (D("0.00"), D("1.00"))
    assert (child.discount_amount, child.total_gross) == (D("0.02"), D("1.98"))
    assert broken() == []


def test_units_added_by_an_edit_come_at_full_price_and_the_discount_stays_where_it_was(place_order, products):
    # given: A 50 + C 5 with a 10.00 discount (9.09 / 0.91)
    order = place_order([(products["A"], 1), (products["C"], 1)], discount_amount=D("10"))
    # when: C goes from 1 to 3 units and 2 × B are added
    changes = EditChanges(quantities={line(order, "C").pk: 3}, added={products["B"].pk: 2})
    order_edit_commit(order_id=order.pk, changes=changes, base_version=order.version)
    # then: C 15.00 − 0.91 = 14.09, B 100.00, A 50.00 − 9.09 = 40.91
    order.refresh_from_db()
    assert [(x.sku, x.gross) for x in order.lines.order_by("pk")] == [
        ("A", D("40.91")),
        ("C", D("14.09")),
        ("B", D("100.00")),
    ]
    assert (order.discount_amount, order.lines_gross) == (D("10.00"), D("155.00"))


def test_editing_units_away_takes_their_share_pro_rata_in_whole_cents(place_order, products):
    # given: 3 × E at 1.00 with a 0.10 discount: E carries all of it
    order = place_order([(products["E"], 3), (products["A"], 0 + 1)], discount_amount=D("0.10"))
    e = line(order, "E")
    assert e.order_discount_share == D("0.01")  # 0.10 × 3 / 53, the rest on A
    # when: E goes from 3 units to 1
    order_edit_commit(order_id=order.pk, changes=EditChanges(quantities={e.pk: 1}), base_version=order.version)
    # then: 2 of 3 units take round(0.01 × 2 / 3) = 0.01; A keeps its 0.09
    order.refresh_from_db()
    assert (line(order, "E").order_discount_share, line(order, "E").gross) == (D("0.00"), D("1.00"))
    assert (line(order, "A").gross, order.discount_amount) == (D("49.91"), D("0.09"))


def test_cancelling_every_unit_line_by_line_cancels_the_order_and_drops_shipping(place_order, products, hooks_endpoint):
    # given: paid in full, 2 × C at 5.00 + shipping 4.95
    order = place_order([(products["C"], 2)], shipping_fee=D("4.95"))
    order_payment_record(order_id=order.pk, amount=D("14.95"), method="card")
    # when
    order_line_cancel(order_id=order.pk, line_id=line(order, "C").pk, quantity=2, reason="Out of stock")
    outbox_work()  # after commit: the worker renders the e-mail and fans the webhook out
    # then: cancelled, nothing owed, 14.95 to refund
    order.refresh_from_db()
    assert (order.status, order.shipping_fee, order.total_gross) == (Order.Status.CANCELED, D("0.00"), D("0.00"))
    assert (order.payment_status, order.refund_due, order.balance_due) == (P.REFUND_DUE, D("14.95"), D("-14.95"))
    types = list(order.events.values_list("type", flat=True))
    # the "line_cancel" hook of the returns app made the refund of what is owed (manual mode: pending)
    assert types[-5:] == ["line_canceled", "refund_created", "canceled", "email_queued", "released"]
    message = Message.objects.get(topic_id=order.pk, kind=EmailKind.ORDER_CANCELLED)
    assert "has been cancelled" in message.subject
    assert "We will refund this amount" in message.body_text and "14.95" in message.body_text
    delivery = WebhookDelivery.objects.get(topic_id=order.pk, event_type="order.cancelled")
    assert delivery.payload["status"] == "canceled" and delivery.payload["payment_status"] == "refund_due"
    assert broken() == []


def test_cancelling_a_paid_order_leaves_a_refund_due_and_says_so(place_order, products, hooks_endpoint):
    # given: A 50 with a 5.00 discount and 4.95 shipping, paid 49.95
    order = place_order([(products["A"], 1)], discount_amount=D("5"), shipping_fee=D("4.95"))
    order_payment_record(order_id=order.pk, amount=D("49.95"), method="card")
    # when
    order_cancel(order_id=order.pk, reason="Customer asked")
    outbox_work()
    # then
    order.refresh_from_db()
    a = line(order, "A")
    assert (a.quantity_canceled, a.discount_amount, a.order_discount_share, a.gross) == (1, 0, 0, 0)
    assert (order.total_gross, order.discount_amount, order.refund_due) == (D("0.00"), D("0.00"), D("49.95"))
    assert order.payment_status == P.REFUND_DUE
    assert WebhookDelivery.objects.filter(topic_id=order.pk, event_type="order.cancelled").count() == 1
    assert "49.95" in Message.objects.get(topic_id=order.pk, kind=EmailKind.ORDER_CANCELLED).body_text
    assert broken() == []


def test_an_unpaid_cancelled_order_is_unpaid_and_its_e_mail_mentions_no_refund(place_order, products):
    order = place_order([(products["C"], 1)])
    order_cancel(order_id=order.pk, reason="duplicate")
    outbox_work()
    order.refresh_from_db()
    assert (order.payment_status, order.refund_due) == (P.UNPAID, D("0.00"))
    assert "refund" not in Message.objects.get(topic_id=order.pk, kind=EmailKind.ORDER_CANCELLED).body_text


def test_an_expired_reservation_sends_the_cancelled_e_mail_and_webhook(place_order, products, hooks_endpoint):
    # given
    order = place_order([(products["C"], 1)])
    Order.objects.filter(pk=order.pk).update(reservation_expires_at=timezone.now() - timedelta(minutes=1))
    # when
    assert reservations_expire() == [order.number]
    outbox_work()
    # then
    assert Message.objects.filter(topic_id=order.pk, kind=EmailKind.ORDER_CANCELLED).count() == 1
    assert WebhookDelivery.objects.filter(topic_id=order.pk, event_type="order.cancelled").count() == 1


def test_an_edit_to_zero_units_everywhere_is_refused_and_changes_nothing(place_order, products):
    # given
    order = place_order([(products["A"], 1), (products["C"], 2)], discount_amount=D("3"))
    before, events = rows(order), OrderEvent.objects.count()
    changes = EditChanges(quantities={line(order, "A").pk: 0, line(order, "C").pk: 0})
    # when
    with pytest.raises(OrderValidationError, match='use "Cancel order"'):
        order_edit_commit(order_id=order.pk, changes=changes, base_version=order.version)
    # then
    assert rows(order) == before
    assert OrderEvent.objects.count() == events


def test_an_edit_that_lowers_the_total_below_what_was_paid_says_the_refund_in_its_e_mail(place_order, products):
    # given
    order = place_order([(products["A"], 1), (products["C"], 1)])
    order_payment_record(order_id=order.pk, amount=D("55.00"), method="card")
    # when
    changes = EditChanges(quantities={line(order, "C").pk: 0})
    order_edit_commit(order_id=order.pk, changes=changes, base_version=order.version)
    outbox_work()
    # then
    order.refresh_from_db()
    assert (order.payment_status, order.refund_due) == (P.REFUND_DUE, D("5.00"))
    text = Message.objects.get(topic_id=order.pk, kind=EmailKind.ORDER_EDITED).body_text
    assert "You have paid EUR 5.00 more than your order now costs. We will refund this amount to you." in text
