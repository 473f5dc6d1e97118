"""Channels: a new API token is shown once and only its digest is stored."""

from django.contrib.auth.models import Group
from django.urls import reverse

from orders.models import Channel
from orders.services.channels import channel_token_issue
from tests import factories


def test_issuing_a_token_stores_only_its_digest(channel):
    # when
    token = channel_token_issue(channel_id=channel.pk, actor=None)
    # then
    channel.refresh_from_db()
    assert channel.api_token_digest == Channel.digest(token)
    assert token not in channel.api_token_digest


def test_a_new_token_replaces_the_old_one(channel):
    # given
    old = channel_token_issue(channel_id=channel.pk, actor=None)
    # when
    new = channel_token_issue(channel_id=channel.pk, actor=None)
    # then
    channel.refresh_from_db()
    assert new != old and channel.api_token_digest == Channel.digest(new)


def test_the_admin_action_shows_the_token_once(client, superuser, channel):
    # given
    client.force_login(superuser)
    # when
    response = client.post(
        reverse("admin:orders_channel_changelist"),
        {"action": "issue_token", "_selected_action": [channel.pk]},
        follow=True,
    )
    # then
    message = next(str(m) for m in response.context["messages"] if "New API token" in str(m))
    token = message.split(": ", 1)[1].split(" ", 1)[0]
    channel.refresh_from_db()
    assert channel.api_token_digest == Channel.digest(token)
    assert token not in client.get(reverse("admin:orders_channel_change", args=(channel.pk,))).content.decode()


def test_issuing_a_token_needs_the_change_channel_permission(client, channel):
    # given: order desk staff may view channels but not change them
    clerk = factories.StaffFactory(email="clerk@example.com")
    clerk.groups.add(Group.objects.get(name="Order desk"))
    client.force_login(clerk)
    # when
    client.post(reverse("admin:orders_channel_changelist"), {"action": "issue_token", "_selected_action": [channel.pk]})
    # then
    channel.refresh_from_db()
    assert channel.api_token_digest == ""
