"""Refunds in the admin: the order's Refunds tab, the refunds list, the batch review page, who may decide."""

from decimal import Decimal

import pytest
from django.urls import reverse

from invoicing.models import LocalProviderRefund
from oms.models import ShopSettings
from orders.models import OrderEvent
from returns.models import Refund, RefundBatch
from returns.services.refund_batches import refund_batch_create

pytestmark = pytest.mark.django_db
Mode = ShopSettings.RefundMode


def tab_url(order):
    return reverse("admin:orders_order_page", args=(order.pk, "refunds"))


def review_url(batch):
    return reverse("admin:returns_refundbatch_review", args=(batch.pk,))


def test_finance_approves_a_refund_on_the_order_tab_and_it_is_paid(
    client, finance, paid_order, credit, refund_mode, django_capture_on_commit_callbacks
):
    # given
    refund_mode(Mode.MANUAL)
    order, _ = paid_order
    credit("10.00")
    refund = Refund.objects.get()
    client.force_login(finance)
    html = client.get(tab_url(order)).content.decode()
    assert f'data-refund="{refund.pk}"' in html and "Approve and send" in html and "Pending approval" in html
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(tab_url(order), {"action": "approve", "refund": refund.pk})
    # then
    assert response.status_code == 302
    refund.refresh_from_db()
    assert refund.status == "paid"
    assert "Paid" in client.get(tab_url(order)).content.decode()


def test_a_clerks_hand_made_posts_are_refused_and_change_nothing(
    client, desk, paid_order, credit, refund_mode, django_capture_on_commit_callbacks
):
    # given: a pending refund and a batch; the clerk may look but not decide
    refund_mode(Mode.BATCHED)
    order, _ = paid_order
    credit("10.00")
    batch = refund_batch_create()
    refund = Refund.objects.get()
    events = OrderEvent.objects.count()
    client.force_login(desk)
    html = client.get(tab_url(order)).content.decode()
    assert "Approve and send" not in html
    assert "Approve batch" not in client.get(review_url(batch)).content.decode()
    # when the clerk posts anyway
    with django_capture_on_commit_callbacks(execute=True):
        responses = [
            client.post(tab_url(order), {"action": "approve", "refund": refund.pk}),
            client.post(tab_url(order), {"action": "settle"}),
            client.post(review_url(batch), {"action": "approve"}),
            client.post(review_url(batch), {"action": "hold", "refund": refund.pk}),
            client.post(reverse("admin:returns_refund_changelist"),
                        {"action": "approve_selected", "_selected_action": [refund.pk]}),
        ]  # fmt: skip
    # then: refused (403, or the action not offered), nothing changed
    assert [r.status_code for r in responses[:4]] == [403, 403, 403, 403]
    refund.refresh_from_db()
    batch.refresh_from_db()
    assert (refund.status, refund.batch_id, batch.status) == ("pending", batch.pk, "review")
    assert OrderEvent.objects.count() == events
    assert LocalProviderRefund.objects.count() == 0


def test_finance_reviews_the_batch_holds_one_and_approves_it_twice_which_sends_once(
    client, finance, paid_order, credit, refund_mode, django_capture_on_commit_callbacks
):
    # given
    refund_mode(Mode.BATCHED)
    credit("10.00")
    credit("4.00")
    batch = refund_batch_create()
    held = Refund.objects.get(amount=Decimal("4.00"))
    client.force_login(finance)
    html = client.get(review_url(batch)).content.decode()
    assert "Approve batch and send" in html and "2 refunds, 14.00 in all" in html
    # when
    client.post(review_url(batch), {"action": "hold", "refund": [held.pk]})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(review_url(batch), {"action": "approve"})
        client.post(review_url(batch), {"action": "approve"})
    # then
    assert RefundBatch.objects.get().status == "approved"
    assert list(Refund.objects.order_by("amount").values_list("status", flat=True)) == ["pending", "paid"]
    assert LocalProviderRefund.objects.count() == 1


def test_the_refunds_list_filters_by_status_with_a_fixed_number_of_queries(
    client, finance, paid_order, credit, refund_mode, django_assert_max_num_queries
):
    refund_mode(Mode.MANUAL)
    for amount in ("1.00", "2.00", "3.00"):
        credit(amount)
    client.force_login(finance)
    with django_assert_max_num_queries(14):
        html = client.get(reverse("admin:returns_refund_changelist") + "?status__exact=pending").content.decode()
    assert html.count("Pending approval") >= 3
