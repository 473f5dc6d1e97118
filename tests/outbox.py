"""What the outbox worker does after a commit, run by hand inside a test's transaction (where on-commit
hand-overs never fire): fan webhook events out to their endpoints and deliver (render, then send to the
test mail backend) the queued e-mails. Webhook deliveries are not posted."""

from notifications.models import Message, WebhookEvent
from notifications.services import email_deliver, webhook_event_fanout


def outbox_work() -> None:
    for event_pk in WebhookEvent.objects.filter(fanned_out_at__isnull=True).order_by("pk").values_list("pk", flat=True):
        webhook_event_fanout(event_pk=event_pk)
    for message_id in Message.objects.filter(status=Message.Status.PENDING).order_by("pk").values_list("pk", flat=True):
        email_deliver(message_id=message_id)
