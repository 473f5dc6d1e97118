import hashlib
import hmac
import json

import pytest
from django.core.exceptions import ValidationError

from notifications.admin import WebhookEndpointForm
from notifications.models import AttemptOutcome, WebhookDelivery, WebhookEndpoint
from notifications.services import outbox_sweep, webhook_event_enqueue, webhook_event_fanout

pytestmark = pytest.mark.django_db


def _endpoint(url: str, **fields) -> WebhookEndpoint:
    fields.setdefault("event_types", ["order.placed"])
    return WebhookEndpoint.objects.create(name=fields.pop("name", "ERP"), url=url, secret="s3cret", **fields)


def _verify(secret: str, request: dict) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request["headers"]["X-OMS-Signature"])


def test_placing_an_order_posts_a_signed_event_the_receiver_can_verify(
    receiver_factory, stocked_product, place_order, django_capture_on_commit_callbacks
):
    # given
    receiver = receiver_factory()
    _endpoint(receiver.url)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order([(stocked_product, 2)])
    # then
    [request] = receiver.requests
    assert _verify("s3cret", request)
    body = json.loads(request["body"])
    delivery = WebhookDelivery.objects.get(topic="order", topic_id=order.pk)
    assert request["headers"]["X-OMS-Event-Id"] == body["id"] == str(delivery.event_id)
    assert body["type"] == "order.placed"
    assert body["data"]["order_number"] == order.number
    assert body["data"]["total_gross"] == str(order.total_gross)
    assert delivery.status == WebhookDelivery.Status.SENT


def test_a_tampered_body_fails_the_signature_check(receiver_factory, django_capture_on_commit_callbacks):
    # given
    receiver = receiver_factory()
    _endpoint(receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_enqueue(event_type="order.placed", payload={"order_number": "1"})
    [request] = receiver.requests
    # when
    tampered = {**request, "body": request["body"].replace(b'"1"', b'"2"')}
    # then
    assert _verify("s3cret", request)
    assert not _verify("s3cret", tampered)


def test_a_receiver_that_answers_500_twice_gets_the_event_on_the_third_try(
    receiver_factory, fast_retries, django_capture_on_commit_callbacks
):
    # given
    receiver = receiver_factory(statuses=[500, 500])
    _endpoint(receiver.url)
    # when: the fast path fails, then the sweeper retries twice
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_enqueue(event_type="order.placed", payload={"n": 1})
    [delivery] = WebhookDelivery.objects.all()  # fanned out to the endpoint after commit
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error[:8]) == (WebhookDelivery.Status.PENDING, "HTTP 500")
    outbox_sweep()
    outbox_sweep()
    # then
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SENT
    attempts = list(delivery.attempts.values_list("status_code", "outcome"))
    assert attempts == [
        (500, AttemptOutcome.FAILED),
        (500, AttemptOutcome.FAILED),
        (200, AttemptOutcome.SUCCEEDED),
    ]
    event_ids = {r["headers"]["X-OMS-Event-Id"] for r in receiver.requests}
    assert event_ids == {str(delivery.event_id)}  # the receiver can de-duplicate the retries


def test_a_timeout_is_recorded_and_retried(settings, receiver_factory, django_capture_on_commit_callbacks):
    # given: a socket that accepts and never answers
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    settings.OMS_WEBHOOK_TIMEOUT_SECONDS = 0.5
    _endpoint(f"http://127.0.0.1:{silent.getsockname()[1]}/hook")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_enqueue(event_type="order.placed", payload={})
    [delivery] = WebhookDelivery.objects.all()
    silent.close()
    # then
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert "Timeout" in delivery.last_error


def test_only_active_endpoints_subscribed_to_the_event_get_a_delivery(receiver_factory):
    # given
    url = receiver_factory().url
    erp = _endpoint(url, name="ERP")
    _endpoint(url, name="Off", active=False)
    _endpoint(url, name="Other", event_types=["order.shipment_sent"])
    # when: the event is written, then fanned out (after commit, by the worker)
    event = webhook_event_enqueue(event_type="order.placed", payload={})
    deliveries = webhook_event_fanout(event_pk=event.pk)
    # then
    assert [d.endpoint for d in deliveries] == [erp]
    assert webhook_event_fanout(event_pk=event.pk) == []  # a re-run fans out nothing twice


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "file:///etc/passwd", "javascript:alert(1)"])
def test_a_webhook_url_that_is_not_http_or_https_is_refused(url):
    # given
    form = WebhookEndpointForm(data={"name": "Bad", "url": url, "secret": "x", "event_types": [], "active": True})
    # when
    valid = form.is_valid()
    # then
    assert not valid
    assert "url" in form.errors
    assert not WebhookEndpoint.objects.exists()


def test_the_model_refuses_a_non_http_url_too():
    endpoint = WebhookEndpoint(name="Bad", url="ftp://example.com/hook", secret="x")
    with pytest.raises(ValidationError) as exc:
        endpoint.full_clean()
    assert "url" in exc.value.message_dict


def test_an_https_endpoint_with_known_event_types_is_accepted():
    form = WebhookEndpointForm(
        data={"name": "ERP", "url": "https://erp.example/hook", "secret": "x", "event_types": ["order.placed"]}
    )
    assert form.is_valid(), form.errors
    assert form.save().event_types == ["order.placed"]
