"""The order page's buttons: each checks its permission, calls one service, reports domain errors."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from catalog.models import StockLevel
from orders.models import Order, OrderEvent, OrderPayment
from tests import factories


def page_url(order, slug):
    return reverse("admin:orders_order_page", args=(order.pk, slug))


def test_place_button_places_the_draft_and_reserves_its_stock(client, desk, place_order, product, location):
    # given
    factories.stock(product, location, 5)
    draft = place_order([(product, 2)], place=False)
    client.force_login(desk)
    # when
    response = client.post(page_url(draft, "place"))
    # then
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Order.Status.PLACED
    assert StockLevel.objects.get(product=product).allocated == 2
    assert draft.events.filter(type=OrderEvent.Type.PLACED, actor=desk, source="admin").exists()


def test_place_without_enough_stock_names_the_line_and_changes_nothing(client, desk, place_order, product, location):
    # given
    factories.stock(product, location, 1)
    draft = place_order([(product, 3)], place=False)
    client.force_login(desk)
    # when
    response = client.post(page_url(draft, "place"), follow=True)
    # then
    messages = [str(m) for m in response.context["messages"]]
    assert any("MUG-1 (Mug): 3 needed, 1 available" in m for m in messages)
    draft.refresh_from_db()
    assert draft.status == Order.Status.DRAFT
    assert StockLevel.objects.get(product=product).allocated == 0
    assert not draft.events.filter(type=OrderEvent.Type.PLACED).exists()


def test_place_without_permission_is_forbidden_and_changes_nothing(client, warehouse, place_order, product, location):
    # given
    factories.stock(product, location, 5)
    draft = place_order([(product, 1)], place=False)
    client.force_login(warehouse)
    # when
    response = client.post(page_url(draft, "place"))
    # then
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == Order.Status.DRAFT


def test_cancel_with_a_reason_cancels_and_releases_stock(client, desk, place_order, product, location):
    # given
    factories.stock(product, location, 5)
    order = place_order([(product, 2)])
    client.force_login(desk)
    # when
    response = client.post(page_url(order, "cancel"), {"reason": "customer called"})
    # then
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELED
    assert order.cancel_reason == "customer called"
    assert StockLevel.objects.get(product=product).allocated == 0


def test_cancel_needs_a_reason(client, desk, place_order, product, location):
    # given
    factories.stock(product, location, 5)
    order = place_order([(product, 2)])
    client.force_login(desk)
    # when
    response = client.post(page_url(order, "cancel"), {"reason": ""})
    # then
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED


def test_cancel_without_permission_is_forbidden_and_changes_nothing(client, finance, place_order, product, location):
    # given
    factories.stock(product, location, 5)
    order = place_order([(product, 2)])
    client.force_login(finance)
    # when
    response = client.post(page_url(order, "cancel"), {"reason": "no"})
    # then
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert StockLevel.objects.get(product=product).allocated == 2


def test_record_payment_pays_the_order(client, finance, place_order, product, location):
    # given
    factories.stock(product, location, 5)
    order = place_order([(product, 2)])
    client.force_login(finance)
    # when
    response = client.post(
        page_url(order, "payment"),
        {
            "amount": str(order.total_gross),
            "method": "bank_transfer",
            "reference": "TX1",
            "paid_on": str(timezone.localdate()),
            "idempotency_key": "form-1",
        },
    )
    # then
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID
    payment = OrderPayment.objects.get(order=order)
    assert (payment.amount, payment.method, payment.reference, payment.actor) == (
        Decimal("25.00"),
        "bank_transfer",
        "TX1",
        finance,
    )


def test_record_payment_on_a_draft_is_reported_and_records_nothing(client, finance, place_order, product):
    # given
    draft = place_order([(product, 1)], place=False)
    client.force_login(finance)
    # when
    form = {"amount": "5.00", "method": "cash", "paid_on": str(timezone.localdate()), "idempotency_key": "form-1"}
    response = client.post(page_url(draft, "payment"), form, follow=True)
    # then
    assert any("payments need a placed order" in str(m) for m in response.context["messages"])
    assert not OrderPayment.objects.exists()


def test_record_payment_without_permission_is_forbidden(client, desk, place_order, product, location):
    # given
    factories.stock(product, location, 5)
    order = place_order([(product, 1)])
    client.force_login(desk)
    # when
    response = client.post(page_url(order, "payment"), {"amount": "5.00", "method": "cash"})
    # then
    assert response.status_code == 403
    assert not OrderPayment.objects.exists()


@pytest.mark.parametrize("transition", ["cancel", "place", "set_payment_status"])
def test_a_hand_made_fsm_transition_post_changes_nothing(
    client, desk, warehouse, place_order, product, location, transition
):
    # given: a clerk without cancel/place rights who may change orders
    factories.stock(product, location, 5)
    order = place_order([(product, 1)], place=transition != "cancel")
    user = factories.StaffFactory(email="changer@example.com")
    user.user_permissions.add(
        *Group.objects.get(name="Order desk").permissions.exclude(codename__in=["place_order", "cancel_order"])
    )
    client.force_login(user)
    before = Order.objects.values("status", "payment_status").get(pk=order.pk)
    # when
    client.post(reverse("admin:orders_order_change", args=(order.pk,)), {"_fsm_transition_to": transition})
    # then
    assert Order.objects.values("status", "payment_status").get(pk=order.pk) == before


def test_buttons_show_only_what_the_user_may_do(client, desk, finance, place_order, product, location):
    # given
    factories.stock(product, location, 5)
    order = place_order([(product, 1)])
    url = reverse("admin:orders_order_change", args=(order.pk,))
    # when
    client.force_login(desk)
    desk_page = client.get(url).content.decode()
    client.force_login(finance)
    finance_page = client.get(url).content.decode()
    # then
    assert "Cancel order" in desk_page and "Record payment" not in desk_page
    assert "Record payment" in finance_page and "Cancel order" not in finance_page
