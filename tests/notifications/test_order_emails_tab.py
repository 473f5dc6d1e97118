import pytest
from django.contrib.auth.models import Permission
from django.test import RequestFactory

from notifications.models import Message
from orders.admin_pages import PAGES
from orders.models import OrderEvent
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order_admin():
    from django.contrib import admin

    from orders.models import Order

    return admin.site._registry[Order]


def _staff(*perms):
    user = StaffFactory()
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


def _request(user, method="get", data=None):
    request = getattr(RequestFactory(), method)("/admin/orders/order/1/emails/", data or {})
    request.user = user
    request._messages = _Messages()
    return request


class _Messages(list):
    def add(self, level, message, extra_tags=""):
        self.append(message)


def test_the_emails_tab_lists_the_orders_messages_with_constant_queries(
    order_admin, stocked_product, place_order, django_assert_num_queries
):
    # given
    order = place_order([(stocked_product, 1)])
    user = _staff("orders.view_order", "orders.email_customer")
    view = PAGES["emails"].view
    response = view(_request(user), order, order_admin)
    response.render()
    count = len(response.context_data["email_messages"])
    # when two more messages exist, the page costs the same queries
    from orders.notify import order_email_customer

    order_email_customer(order_id=order.pk, actor=user, subject="a", message="b")
    order_email_customer(order_id=order.pk, actor=user, subject="c", message="d")
    response = view(_request(user), order, order_admin)
    with django_assert_num_queries(_queries_of(view, user, order, order_admin)):
        view(_request(user), order, order_admin).render()
    # then
    response.render()
    assert len(response.context_data["email_messages"]) == count + 2
    assert b"Order " + order.number.encode() + b" confirmed" in response.content


def _queries_of(view, user, order, order_admin) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        view(_request(user), order, order_admin).render()
    return len(ctx.captured_queries)


def test_staff_write_a_free_email_from_the_tab(
    order_admin, stocked_product, place_order, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    order = place_order([(stocked_product, 1)])
    user = _staff("orders.view_order", "orders.email_customer")
    # when: queued by the view, rendered and sent by the (in-process) worker after commit
    with django_capture_on_commit_callbacks(execute=True):
        response = PAGES["emails"].view(
            _request(user, "post", {"subject": "Your delivery", "message": "It comes Tuesday."}), order, order_admin
        )
    # then
    assert response.status_code == 302
    message = Message.objects.get(topic_id=order.pk, kind="free_text")
    assert (message.subject, message.to, message.actor) == ("Your delivery", order.customer.email, user)
    assert "It comes Tuesday." in message.body_text
    event = order.events.filter(type=OrderEvent.Type.EMAIL_QUEUED).last()
    assert (event.actor, event.source, event.parameters["kind"]) == (user, "admin", "free_text")


def test_staff_without_the_email_permission_get_403_and_nothing_is_queued(order_admin, stocked_product, place_order):
    # given
    from django.core.exceptions import PermissionDenied

    order = place_order([(stocked_product, 1)])
    user = _staff("orders.view_order")
    before = Message.objects.count()
    # when / then
    with pytest.raises(PermissionDenied):
        PAGES["emails"].view(_request(user, "post", {"subject": "x", "message": "y"}), order, order_admin)
    assert Message.objects.count() == before
