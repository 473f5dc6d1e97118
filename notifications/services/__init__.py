"""The notifications API other apps call: e-mails and webhooks through the outbox."""

from .email import email_deliver, email_enqueue, email_resend
from .rendering import email_render
from .sweep import outbox_sweep
from .webhooks import (
    webhook_deliver,
    webhook_event_enqueue,
    webhook_event_fanout,
    webhook_resend,
    webhook_signature,
)

__all__ = [
    "email_deliver",
    "email_enqueue",
    "email_render",
    "email_resend",
    "outbox_sweep",
    "webhook_deliver",
    "webhook_event_enqueue",
    "webhook_event_fanout",
    "webhook_resend",
    "webhook_signature",
]
