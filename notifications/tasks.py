"""Celery tasks: fetch by id, call the service. The services make re-runs harmless."""

from celery import shared_task


@shared_task(acks_late=True)
def email_deliver_task(message_id: int) -> str:
    from .services import email_deliver

    message = email_deliver(message_id=message_id)
    return message.status if message else "skipped"


@shared_task(acks_late=True)
def webhook_deliver_task(delivery_id: int) -> str:
    from .services import webhook_deliver

    delivery = webhook_deliver(delivery_id=delivery_id)
    return delivery.status if delivery else "skipped"


@shared_task(acks_late=True)
def webhook_fanout_task(event_pk: int) -> int:
    from .services.webhooks import webhook_event_fanout

    return len(webhook_event_fanout(event_pk=event_pk))


@shared_task
def outbox_sweep_task() -> dict[str, int]:
    from .services import outbox_sweep

    return outbox_sweep()
