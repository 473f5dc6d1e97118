"""Sales channels: the API token a channel uses to import orders."""

import secrets

from django.db import transaction

from ..models import Channel


@transaction.atomic
def channel_token_issue(*, channel_id: int, actor) -> str:
    """Issue a new API token for a channel and return it; the old token stops working at once.

    Only the token's SHA-256 digest is stored, so the returned plain token can be shown exactly once.
    `actor` is taken for the audit trail of the caller (the admin logs the change under that user).
    Lock: the channel row, so that two simultaneous issues leave one consistent digest.
    """
    channel = Channel.objects.select_for_update().get(pk=channel_id)
    token = secrets.token_urlsafe(32)
    channel.api_token_digest = Channel.digest(token)
    channel.save(update_fields=["api_token_digest"])
    return token
