"""Customer e-mails through the outbox: enqueue in the business transaction, deliver after commit.

The business transaction writes only the event's data (the template context, a snapshot); no template
is read or rendered while its locks are held. The worker renders the message at its first claim and
stores subject and bodies; retries send that same text. A kind with a secret (`notifications.secrets`: the
password-reset link) is rendered at every attempt instead: the row stores the text with the secret
masked, and only the text handed to the SMTP server holds it. A template that fails to render fails the
message at once, visibly (its error in the attempt log and on the order's E-mails tab); it is kept, and
staff resend it after fixing the template, when it renders again.

Delivery is three steps, so no SMTP conversation ever runs inside a transaction:
1. claim (short transaction, row lock): a sent or failed message is left alone; the row becomes
   SENDING with a lease, is rendered if it was not yet, and an attempt is logged;
2. hand-over: open the SMTP connection, mark the attempt `handed_over_at` (committed), send;
3. record (short transaction): SENT, or the error with the next try after a backoff, or FAILED.

A worker killed in step 2 leaves the row SENDING. When its lease expires the next claim looks at the
attempt: without `handed_over_at` nothing reached the SMTP server and the message is tried again;
with it the server may have accepted the message, so it is not sent again but marked FAILED
("outcome unknown") for staff to check and resend. The window that cannot be closed is between the
server accepting the data (its 250 reply) and step 3 committing: a kill there leaves a delivered
message marked unknown, never a second copy. The stable Message-ID lets the receiving side spot a
copy if staff resend one that did arrive.
"""

import logging
from collections.abc import Sequence
from datetime import datetime

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from oms.inserts import rows_insert
from oms.models import ShopSettings

from ..models import AttemptOutcome, Message, MessageAttachment, MessageAttempt
from ..secrets import secret_provider
from . import dispatch
from .rendering import email_render

logger = logging.getLogger("notifications")
Status = Message.Status
UNKNOWN_OUTCOME = (
    "Outcome unknown: the worker stopped while handing the message to the SMTP server. It was not sent "
    "again automatically, to avoid a second copy; check with the recipient and resend if needed."
)


def _deliver_task():
    from ..tasks import email_deliver_task

    return email_deliver_task


def email_enqueue(
    *,
    kind: str,
    to: str,
    context: dict,
    topic: str = "",
    topic_id: int | None = None,
    actor=None,
    extra_note: str = "",
    from_email: str = "",
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> Message:
    """Write the `kind` message with its data to the outbox in the caller's transaction (one INSERT).

    `context` is plain data the caller already holds (stored as JSON: what the e-mail will say, whatever
    changes later); the worker renders the template with it. `from_email` defaults to the shop's sender.
    `attachments`: (filename, content type, bytes) stored with the message and attached at every attempt.

    It is handed to Celery when that transaction commits; if the broker is down then, the sweeper
    hands it over later.
    """
    message = Message(
        kind=kind,
        from_email=from_email or ShopSettings.load().sender_email,
        to=to,
        context={**context, "extra_note": extra_note},
        topic=topic,
        topic_id=topic_id,
        actor=actor,
    )
    rows_insert(Message, [message])
    if attachments:
        MessageAttachment.objects.bulk_create(
            MessageAttachment(message=message, filename=name, content_type=kind_, content=content)
            for name, kind_, content in attachments
        )
    dispatch.enqueue_on_commit(_deliver_task(), message.pk)
    return message


def _render(message: Message, now: datetime) -> str:
    """Render the stored data into the message (not saved here). Returns the error, empty on success.

    A kind with a secret also gets `message.sendable`: the text rendered with the provider's real values, kept
    in memory for the hand-over only."""
    provider = secret_provider(message.kind)
    try:
        message.subject, message.body_text, message.body_html = email_render(kind=message.kind, context=message.context)
        if provider is not None:
            message.sendable = email_render(kind=message.kind, context={**message.context, **provider(message)})
    except Exception as exc:  # a broken template: any error it raises fails this message, visibly
        logger.warning("E-mail %s could not be rendered: %s", message.pk, exc)
        return f"Template error ({message.get_kind_display()}): {type(exc).__name__}: {exc}"[:2000]
    message.rendered_at = now
    return ""


def _render_failed(message: Message, now: datetime, error: str) -> None:
    message.status, message.last_error, message.lease_expires_at = Status.FAILED, error, None
    message.save(update_fields=["status", "tries", "last_error", "lease_expires_at"])
    MessageAttempt.objects.create(
        message=message, started_at=now, finished_at=now, outcome=AttemptOutcome.FAILED, error=error
    )


RENDERED_FIELDS = ["subject", "body_text", "body_html", "rendered_at"]


@transaction.atomic
def _claim(message_id: int, now: datetime) -> tuple[Message, MessageAttempt | None] | None:
    message = Message.objects.select_for_update().filter(pk=message_id).first()
    if message is None or message.status in (Status.SENT, Status.FAILED):
        return None  # delivered once already, or given up: a re-run task does nothing
    if message.status == Status.SENDING:
        if message.lease_expires_at and message.lease_expires_at > now:
            return None  # another worker holds it
        if not _recover_stale(message, now):
            return None
    elif message.next_attempt_at > now + dispatch.EARLY_TOLERANCE:
        return None  # a retry that is not due yet
    message.tries += 1
    rendered = [] if message.rendered_at and secret_provider(message.kind) is None else RENDERED_FIELDS
    error = _render(message, now) if rendered else ""
    if error:
        _render_failed(message, now, error)
        return message, None
    message.status = Status.SENDING
    message.lease_expires_at = now + dispatch.lease()
    message.save(update_fields=["status", "tries", "lease_expires_at", *rendered])
    return message, MessageAttempt.objects.create(message=message, started_at=now)


def _recover_stale(message: Message, now: datetime) -> bool:
    """A worker died holding the message. True when it is safe to try again."""
    attempt = message.attempts.order_by("-pk").first()
    if attempt is not None and attempt.outcome == AttemptOutcome.STARTED and attempt.handed_over_at:
        attempt.outcome, attempt.finished_at, attempt.error = AttemptOutcome.UNKNOWN, now, UNKNOWN_OUTCOME
        attempt.save(update_fields=["outcome", "finished_at", "error"])
        message.status, message.last_error = Status.FAILED, UNKNOWN_OUTCOME
        message.save(update_fields=["status", "last_error"])
        return False
    if attempt is not None and attempt.outcome == AttemptOutcome.STARTED:
        attempt.outcome, attempt.finished_at = AttemptOutcome.ABANDONED, now
        attempt.save(update_fields=["outcome", "finished_at"])
    return True


def _build(message: Message, connection) -> EmailMultiAlternatives:
    domain = message.from_email.rpartition("@")[2] or "oms.local"
    subject, body_text, body_html = getattr(message, "sendable", None) or (
        message.subject, message.body_text, message.body_html
    )  # fmt: skip
    email = EmailMultiAlternatives(
        subject=subject,
        body=body_text,
        from_email=message.from_email,
        to=[message.to],
        connection=connection,
        headers={"Message-ID": f"<{message.uuid}@{domain}>"},
    )
    if body_html:
        email.attach_alternative(body_html, "text/html")
    for attachment in message.attachments.all():
        email.attach(attachment.filename, bytes(attachment.content), attachment.content_type)
    return email


def _hand_over(message: Message, attempt: MessageAttempt) -> None:
    connection = get_connection(fail_silently=False)
    connection.open()  # connection errors happen before the hand-over mark: safely retried
    try:
        MessageAttempt.objects.filter(pk=attempt.pk).update(handed_over_at=timezone.now())
        if connection.send_messages([_build(message, connection)]) != 1:
            raise RuntimeError("The mail backend did not accept the message.")
    finally:
        connection.close()


@transaction.atomic
def _record(message_id: int, attempt_id: int, error: str) -> Message:
    now = timezone.now()
    message = Message.objects.select_for_update().get(pk=message_id)
    outcome = AttemptOutcome.FAILED if error else AttemptOutcome.SUCCEEDED
    MessageAttempt.objects.filter(pk=attempt_id).update(outcome=outcome, finished_at=now, error=error)
    fields = dispatch.attempt_settle(message, error=error, now=now, done_field="sent_at", task=_deliver_task())
    message.save(update_fields=fields)
    return message


def email_deliver(*, message_id: int, now: datetime | None = None) -> Message | None:
    """Deliver one outbox message at most once (see the module docstring). Returns it, or None if skipped."""
    claim = _claim(message_id, now or timezone.now())
    if claim is None:
        return None
    message, attempt = claim
    if attempt is None:
        return message  # the template failed to render: FAILED, resend after fixing it
    try:
        _hand_over(message, attempt)
    except Exception as exc:
        logger.warning("E-mail %s to %s failed: %s", message.pk, message.to, exc)
        return _record(message.pk, attempt.pk, f"{type(exc).__name__}: {exc}"[:2000] or "error")
    return _record(message.pk, attempt.pk, "")


@transaction.atomic
def email_resend(*, message_id: int, actor) -> Message:
    """Staff: queue a failed message again with a fresh set of tries. Sent messages are not resent.
    One that failed to render is rendered again (with the template as it is now) when it is delivered."""
    message = Message.objects.select_for_update().get(pk=message_id)
    if message.status != Status.FAILED:
        return message
    dispatch.requeue_failed(message, task=_deliver_task())
    logger.info("E-mail %s resent by %s", message.pk, actor)
    return message
