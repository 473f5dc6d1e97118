"""Messages carry data, the worker renders: what the business transaction writes, and what delivery does."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import AttemptOutcome, EmailTemplate, Message, WebhookDelivery, WebhookEndpoint, WebhookEvent
from notifications.services import email_deliver, webhook_event_fanout
from oms.config_cache import config_scope
from oms.models import ShopSettings
from orders.services.cancel import order_line_cancel

pytestmark = pytest.mark.django_db


def test_placing_an_order_stores_the_emails_data_and_reads_no_template_nor_endpoint(stocked_product, place_order):
    # given: an endpoint, and an earlier placement that filled the endpoint cache
    WebhookEndpoint.objects.create(name="ERP", url="https://erp.example/h", event_types=["order.placed"])
    place_order([(stocked_product, 1)])
    WebhookEvent.objects.all().delete()
    # when
    with CaptureQueriesContext(connection) as queries:
        order = place_order([(stocked_product, 2)])
    # then: one message row with the data, nothing rendered, no endpoint or template read
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "notifications_emailtemplate" not in sql
    assert "notifications_webhookendpoint" not in sql
    assert "notifications_webhookdelivery" not in sql
    message = Message.objects.get(topic_id=order.pk)
    assert (message.subject, message.body_text, message.rendered_at) == ("", "", None)
    assert message.context["order_number"] == order.number
    assert message.context["lines"] == [
        {"name": "Mug", "sku": "MUG-1", "quantity": 2, "unit_price": "12.50", "gross": "25.00"}
    ]
    assert message.context["total_gross"] == str(order.total_gross)
    [event] = WebhookEvent.objects.all()
    assert (event.event_type, event.payload["order_number"]) == ("order.placed", order.number)
    assert event.fanned_out_at is None
    assert not WebhookDelivery.objects.exists()


def test_no_webhook_event_is_written_when_no_endpoint_subscribes(stocked_product, place_order):
    # given: an endpoint for another event, and an inactive one
    WebhookEndpoint.objects.create(name="Other", url="https://a.example/h", event_types=["order.split"])
    WebhookEndpoint.objects.create(name="Off", url="https://b.example/h", event_types=["order.placed"], active=False)
    # when
    place_order([(stocked_product, 1)])
    # then
    assert not WebhookEvent.objects.exists()


def test_an_endpoint_added_later_is_seen_by_the_next_placement(stocked_product, place_order):
    # given: a placement cached "no endpoints"
    place_order([(stocked_product, 1)])
    assert not WebhookEvent.objects.exists()
    # when: an endpoint is saved (the cache is invalidated) and the next order is placed
    endpoint = WebhookEndpoint.objects.create(name="ERP", url="https://erp.example/h", event_types=["order.placed"])
    order = place_order([(stocked_product, 1)])
    # then: its event is fanned out to the new endpoint
    [event] = WebhookEvent.objects.all()
    [delivery] = webhook_event_fanout(event_pk=event.pk)
    assert (delivery.endpoint, delivery.topic_id, delivery.event_id) == (endpoint, order.pk, event.event_id)


def test_an_email_says_what_the_order_was_when_the_event_happened(stocked_product, place_order, mailoutbox):
    # given: an order of 2 mugs placed; its confirmation is not delivered yet
    order = place_order([(stocked_product, 2)])
    placed_total = order.total_gross
    message = Message.objects.get(topic_id=order.pk, kind="order_placed")
    # when: a mug is cancelled before the worker gets to the confirmation
    order_line_cancel(order_id=order.pk, line_id=order.lines.get().pk, quantity=1)
    order.refresh_from_db()
    assert order.total_gross != placed_total
    email_deliver(message_id=message.pk)
    # then: the confirmation shows the order as it was placed
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    [sent] = mailoutbox
    assert "2 x Mug (MUG-1)" in sent.body and f"EUR {placed_total}" in sent.body
    assert "1 x Mug" not in sent.body and f"EUR {order.total_gross}" not in sent.body
    assert sent.body == message.body_text  # what was sent is what staff see


def test_a_template_broken_after_queuing_fails_visibly_and_is_delivered_after_a_fix_and_resend(
    stocked_product, place_order, mailoutbox, admin_client
):
    # given: an order's confirmation queued, then its template broken (a bypass of the admin's validation)
    order = place_order([(stocked_product, 1)])
    message = Message.objects.get(topic_id=order.pk)
    EmailTemplate.objects.filter(kind="order_placed").update(body_text="Hello {% if %}")
    # when the worker takes it
    email_deliver(message_id=message.pk)
    # then: failed at once with the template error, logged, nothing sent, the message kept
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.last_error.startswith("Template error (Order placed (confirmation)): TemplateSyntaxError")
    assert list(message.attempts.values_list("outcome", "error")) == [(AttemptOutcome.FAILED, message.last_error)]
    assert mailoutbox == []
    page = admin_client.get(reverse("admin:orders_order_page", args=[order.pk, "emails"])).content.decode()
    assert "Template error" in page and f'name="resend" value="{message.pk}"' in page
    # when: staff fix the template and resend from the order's E-mails tab
    template = EmailTemplate.objects.get(kind="order_placed")
    template.body_text = "Thanks for order {{ order_number }}."
    template.save()
    response = admin_client.post(reverse("admin:orders_order_page", args=[order.pk, "emails"]), {"resend": message.pk})
    assert response.status_code == 302
    email_deliver(message_id=message.pk)
    # then: delivered with the fixed template and the data of the event
    message.refresh_from_db()
    assert (message.status, message.tries) == (Message.Status.SENT, 1)
    [sent] = mailoutbox
    assert sent.body.strip() == f"Thanks for order {order.number}."
    assert list(message.attempts.values_list("outcome", flat=True)) == [AttemptOutcome.FAILED, AttemptOutcome.SUCCEEDED]


def test_a_message_that_rendered_keeps_its_text_across_retries(mailoutbox, settings):
    # given: rendered at the first attempt, which failed in the mail backend
    from notifications.services import email_enqueue

    message = email_enqueue(kind="free_text", to="ann@example.com", context={"subject": "Hi", "message": "First"})
    settings.EMAIL_BACKEND = "tests.notifications.test_worker_rendering.BrokenBackend"
    email_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.subject) == (Message.Status.PENDING, "Hi")
    # when: the template changes before the retry
    template = EmailTemplate.objects.get(kind="free_text")
    template.subject = "Changed {{ subject }}"
    template.save()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Message.objects.filter(pk=message.pk).update(next_attempt_at=message.queued_at)
    email_deliver(message_id=message.pk)
    # then: the retry sends the text of the first rendering
    [sent] = mailoutbox
    assert sent.subject == "Hi"


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        raise ConnectionRefusedError("SMTP server down")

    def close(self):
        pass


def test_a_resend_of_a_render_failure_needs_the_resend_permission(stocked_product, place_order, client):
    # given
    from tests.factories import StaffFactory

    order = place_order([(stocked_product, 1)])
    message = Message.objects.get(topic_id=order.pk)
    Message.objects.filter(pk=message.pk).update(status=Message.Status.FAILED, last_error="Template error")
    staff = StaffFactory()
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(staff)
    # when
    response = client.post(reverse("admin:orders_order_page", args=[order.pk, "emails"]), {"resend": message.pk})
    # then
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED


def test_shop_settings_are_read_once_per_scope_and_a_save_is_seen_at_once(django_assert_num_queries):
    # given
    ShopSettings.load()
    # when / then: cached between scopes, one object within a scope, no query
    with config_scope(), django_assert_num_queries(0):
        first = ShopSettings.load()
        assert ShopSettings.load() is first
    # a write that bypasses save() is not seen (it is cached) ...
    ShopSettings.objects.filter(pk=1).update(name="Bypassed")
    assert ShopSettings.load().name != "Bypassed"
    # ... a save is, by every process: the shared entry is dropped
    shop = ShopSettings.objects.get(pk=1)
    shop.name = "Renamed"
    shop.save()
    assert ShopSettings.load().name == "Renamed"
