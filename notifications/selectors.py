"""Read queries for the outbox, by topic (e.g. everything about one order)."""

from django.db.models import Count, Max, Q, QuerySet

from .models import DeliveryStatus, Message, WebhookDelivery, WebhookEndpoint


def message_list_for_topic(*, topic: str, topic_id: int) -> QuerySet[Message]:
    return Message.objects.filter(topic=topic, topic_id=topic_id).select_related("actor").order_by("-created_at", "-pk")


def webhook_delivery_list_for_topic(*, topic: str, topic_id: int) -> QuerySet[WebhookDelivery]:
    return (
        WebhookDelivery.objects.filter(topic=topic, topic_id=topic_id)
        .select_related("endpoint")
        .annotate(attempt_count=Count("attempts"))
        .order_by("-created_at", "-pk")
    )


def webhook_endpoint_summary_for_topic(*, topic: str, topic_id: int) -> list[dict]:
    """Per endpoint: how many of the topic's events were delivered, are pending, or failed.

    Endpoints that never received an event of the topic are listed too, so staff see who was not told.
    """
    of_topic = Q(deliveries__topic=topic, deliveries__topic_id=topic_id)
    rows = WebhookEndpoint.objects.annotate(
        total=Count("deliveries", filter=of_topic),
        delivered=Count("deliveries", filter=of_topic & Q(deliveries__status=DeliveryStatus.SENT)),
        failed=Count("deliveries", filter=of_topic & Q(deliveries__status=DeliveryStatus.FAILED)),
        last_delivered_at=Max("deliveries__delivered_at", filter=of_topic),
    ).order_by("name", "pk")
    summary = []
    for endpoint in rows:
        pending = endpoint.total - endpoint.delivered - endpoint.failed
        if endpoint.total == 0:
            state = "none"
        elif endpoint.failed:
            state = "failed"
        elif pending:
            state = "pending"
        else:
            state = "delivered"
        summary.append({"endpoint": endpoint, "pending": pending, "state": state})
    return summary
