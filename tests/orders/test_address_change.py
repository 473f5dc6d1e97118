"""Changing a placed order's address: its own action, logged old and new, the customer told, refused once shipped."""

import pytest
from django.urls import reverse

from notifications.models import Message
from orders import hooks
from orders.exceptions import InvalidTransition, OrderValidationError
from orders.models import Order, OrderEvent
from orders.services.addresses import order_address_change
from orders.services.cancel import order_cancel
from orders.services.shipping import order_lines_ship
from tests import factories

NEW = {"name": "Ann Smit", "company": "", "street": "Dorpsstraat 9", "postal_code": "1234 AB", "city": "Ede",
       "country": "be"}  # fmt: skip


@pytest.fixture
def order(place_order, product, location):
    factories.stock(product, location, 10)
    return place_order([(product, 3)])


def snapshot(order):
    order.refresh_from_db()
    return (order.shipping_address(), order.billing_address(), order.version, order.events.count(),
            Message.objects.count())  # fmt: skip


def test_the_shipping_address_changes_with_the_old_and_new_in_the_timeline(order, staff):
    # given
    old = order.shipping_address()
    # when
    order_address_change(order_id=order.pk, actor=staff, addresses={"shipping": NEW})
    # then: the address, not the version, changed; the event holds both; billing is untouched
    order.refresh_from_db()
    assert order.shipping_address() == {**NEW, "country": "BE"}
    assert order.billing_address() == old
    assert order.version == 1
    event = order.events.get(type=OrderEvent.Type.ADDRESS_CHANGED)
    assert event.actor == staff
    assert event.parameters["changes"] == {"shipping": {"old": old, "new": {**NEW, "country": "BE"}}}


def test_the_customer_is_emailed_the_new_address(order, staff, mailoutbox, django_capture_on_commit_callbacks):
    # given
    mailoutbox.clear()
    # when: committed, the outbox delivers (tasks run in-process in tests)
    with django_capture_on_commit_callbacks(execute=True):
        order_address_change(order_id=order.pk, actor=staff, addresses={"shipping": NEW})
    # then
    message = Message.objects.filter(kind="order_edited").get()
    assert message.to == order.customer.email
    [email] = mailoutbox
    assert email.to == [order.customer.email] and "Dorpsstraat 9, 1234 AB Ede, BE" in email.body
    assert order.events.filter(type=OrderEvent.Type.EMAIL_QUEUED, parameters__kind="order_edited").count() == 1


def test_without_notifying_no_email_is_queued(order, staff):
    order_address_change(order_id=order.pk, actor=staff, addresses={"billing": NEW}, notify=False)
    assert not Message.objects.filter(kind="order_edited").exists()


def test_once_a_unit_shipped_the_change_is_refused_and_nothing_changes(order, staff):
    # given
    line = order.lines.get()
    order_lines_ship(order_id=order.pk, quantities={line.pk: 1})
    before = snapshot(order)
    # when / then
    with pytest.raises(InvalidTransition, match="has shipped units"):
        order_address_change(order_id=order.pk, actor=staff, addresses={"shipping": NEW})
    assert snapshot(order) == before


def test_a_guard_of_a_higher_app_refuses_with_its_reason(order, staff):
    # given: fulfilment's guard (a shipment handed to the warehouse)
    def handed_over(order, operation, change):
        return f"Order {order.number}'s shipment was handed to the warehouse."

    hooks.register_guard("address_change", "test.handed_over", handed_over)
    before = snapshot(order)
    try:
        # when / then
        with pytest.raises(InvalidTransition, match="handed to the warehouse"):
            order_address_change(order_id=order.pk, actor=staff, addresses={"shipping": NEW})
    finally:
        hooks.unregister("address_change", "test.handed_over")
    assert snapshot(order) == before


def test_a_cancelled_order_is_refused(order, staff):
    order_cancel(order_id=order.pk, actor=staff, reason="test")
    before = snapshot(order)
    with pytest.raises(InvalidTransition, match="cancelled"):
        order_address_change(order_id=order.pk, actor=staff, addresses={"shipping": NEW})
    assert snapshot(order) == before


@pytest.mark.parametrize(
    "addresses, message",
    [
        ({}, "Choose the billing or the shipping address"),
        ({"delivery": NEW}, "Choose the billing or the shipping address"),
        ({"shipping": {**NEW, "street": " "}}, "needs a street"),
    ],
)
def test_an_incomplete_request_is_refused_and_changes_nothing(order, staff, addresses, message):
    before = snapshot(order)
    with pytest.raises(OrderValidationError, match=message):
        order_address_change(order_id=order.pk, actor=staff, addresses=addresses)
    assert snapshot(order) == before


def test_the_same_address_again_is_refused(order, staff):
    with pytest.raises(OrderValidationError, match="nothing to change"):
        order_address_change(order_id=order.pk, actor=staff, addresses={"shipping": order.shipping_address()})


# --- the admin page
def address_url(order, kind="shipping"):
    return reverse("admin:orders_order_page", args=(order.pk, "address")) + f"?kind={kind}"


def test_staff_change_the_address_from_the_admin(client, desk, order):
    # given
    client.force_login(desk)
    # when
    response = client.post(address_url(order), {**NEW, "country": "BE", "notify": "on"})
    # then
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.shipping_street, order.shipping_country) == ("Dorpsstraat 9", "BE")
    general = client.get(reverse("admin:orders_order_change", args=(order.pk,))).content.decode()
    assert "Belgium" in general  # the country's name, not its code
    assert "changed the shipping address" in general


def test_an_invalid_country_keeps_the_form_and_changes_nothing(client, desk, order):
    client.force_login(desk)
    before = snapshot(order)
    response = client.post(address_url(order), {**NEW, "country": "XX"})
    assert response.status_code == 200
    assert "Dorpsstraat 9" in response.content.decode()  # what was typed stays
    assert snapshot(order) == before


def test_the_change_link_is_offered_only_while_allowed(client, desk, order):
    # given
    client.force_login(desk)
    general = reverse("admin:orders_order_change", args=(order.pk,))
    assert address_url(order).split("?")[0] in client.get(general).content.decode()
    # when: a unit ships
    line = order.lines.get()
    order_lines_ship(order_id=order.pk, quantities={line.pk: 1})
    # then
    assert address_url(order).split("?")[0] not in client.get(general).content.decode()


def test_staff_without_change_permission_may_not(client, warehouse, order):
    client.force_login(warehouse)
    before = snapshot(order)
    assert client.post(address_url(order), {**NEW, "country": "BE"}).status_code == 403
    assert snapshot(order) == before
    assert Order.objects.get(pk=order.pk).shipping_street != "Dorpsstraat 9"
