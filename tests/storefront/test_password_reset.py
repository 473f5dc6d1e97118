import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from notifications.models import EmailKind, Message, WebhookDelivery
from notifications.services import email_deliver
from tests.factories import StaffFactory

RESET_URL = reverse("storefront:password_reset")


def link_in(message) -> str:
    return re.search(r"https?://[^/]+(/account/password-reset/[^/\s]+/[^/\s]+/)", message.body).group(1)


@pytest.mark.django_db
def test_password_reset_mails_a_link_that_lets_the_customer_choose_a_new_password(
    client, customer_user, shop, django_capture_on_commit_callbacks
):
    # when: the customer asks for a link
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESET_URL, {"email": "ann@example.com"})
    # then: one e-mail with the shop's name and a link, sent through the outbox like every customer e-mail
    assert response.status_code == 302
    assert response["Location"] == reverse("storefront:password_reset_done")
    queued = Message.objects.get()
    assert (queued.kind, queued.to, queued.topic, queued.topic_id) == (
        EmailKind.PASSWORD_RESET, "ann@example.com", "account", customer_user.pk,
    )  # fmt: skip
    assert queued.status == Message.Status.SENT
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    token = link_in(message).rstrip("/").rsplit("/", 1)[-1]
    assert token not in str(Message.objects.filter(pk=queued.pk).values().get())  # the row never holds it
    assert "/account/password-reset/" in queued.body_text and "/hidden/" in queued.body_text  # masked
    assert not WebhookDelivery.objects.exists()  # an account e-mail: no webhook carries the link
    assert message.to == ["ann@example.com"]
    assert message.subject == f"Reset your password at {shop.name}"
    # when: they open the link and save a new password
    form_page = client.get(link_in(message), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    new_password = "Fresh-teapot-2041"
    saved = client.post(form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    # then: the new password signs them in and the link is spent
    assert saved["Location"] == reverse("storefront:password_reset_complete")
    customer_user.refresh_from_db()
    assert customer_user.check_password(new_password)
    assert "This link no longer works" in client.get(link_in(message), follow=True).content.decode()
    signed_in = client.post(reverse("storefront:login"), {"username": "ann@example.com", "password": new_password})
    assert signed_in["Location"] == reverse("storefront:order_list")


@pytest.mark.django_db
def test_password_reset_for_an_unknown_or_staff_address_sends_nothing_and_says_the_same(client, shop):
    # given
    StaffFactory(email="desk@example.com")
    # when
    responses = [client.post(RESET_URL, {"email": email}) for email in ("desk@example.com", "nobody@example.com")]
    # then
    assert [r["Location"] for r in responses] == [reverse("storefront:password_reset_done")] * 2
    assert mail.outbox == []
    assert not Message.objects.exists()


def _request_link(client, django_capture_on_commit_callbacks) -> tuple[Message, str]:
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RESET_URL, {"email": "ann@example.com"})
    return Message.objects.get(kind=EmailKind.PASSWORD_RESET), link_in(mail.outbox[-1])


@pytest.mark.django_db
def test_staff_reading_the_outbox_in_the_admin_never_see_the_reset_token(
    client, customer_user, shop, superuser, django_capture_on_commit_callbacks
):
    # given: a customer asked for a link, and the e-mail went out
    queued, link = _request_link(client, django_capture_on_commit_callbacks)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    staff = Client()
    staff.force_login(superuser)
    # when: staff open the messages list and the message (its context, bodies and attempts)
    pages = [
        staff.get(reverse("admin:notifications_message_changelist")),
        staff.get(reverse("admin:notifications_message_change", args=(queued.pk,))),
    ]
    # then: the pages show the message with its link masked, never the token
    assert [page.status_code for page in pages] == [200, 200]
    assert all(token not in page.content.decode() for page in pages)
    assert "/hidden/" in pages[1].content.decode()
    # and the link the customer got works
    assert "Choose a new password" in client.get(link, follow=True).content.decode()


@pytest.mark.django_db
def test_a_failed_first_attempt_is_retried_with_a_working_link_and_the_row_stays_masked(
    client, customer_user, shop, django_capture_on_commit_callbacks, monkeypatch
):
    # given: the SMTP server refuses the first attempt
    import notifications.services.email as email_service

    real, calls = email_service._hand_over, []

    def flaky(message, attempt):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("SMTP server down")
        return real(message, attempt)

    monkeypatch.setattr(email_service, "_hand_over", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RESET_URL, {"email": "ann@example.com"})
    queued = Message.objects.get(kind=EmailKind.PASSWORD_RESET)
    assert (queued.status, mail.outbox) == (Message.Status.PENDING, [])
    # when: the retry runs
    email_deliver(message_id=queued.pk, now=queued.next_attempt_at)
    # then: the e-mail carries a working link; the row still holds only the masked one
    queued.refresh_from_db()
    assert queued.status == Message.Status.SENT and len(mail.outbox) == 1
    link = link_in(mail.outbox[0])
    assert link.rstrip("/").rsplit("/", 1)[-1] not in str(Message.objects.filter(pk=queued.pk).values().get())
    assert "Choose a new password" in client.get(link, follow=True).content.decode()


@pytest.mark.django_db
def test_a_link_for_an_account_whose_address_changed_before_delivery_is_not_sent(
    client, customer_user, shop, django_capture_on_commit_callbacks, monkeypatch
):
    # given: the request is queued, then the account's address changes before the worker runs
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(RESET_URL, {"email": "ann@example.com"})
    type(customer_user).objects.filter(pk=customer_user.pk).update(email="ann.new@example.com")
    # when
    for callback in callbacks:
        callback()
    # then: nothing goes to the old address; the message failed visibly
    queued = Message.objects.get(kind=EmailKind.PASSWORD_RESET)
    assert mail.outbox == []
    assert queued.status == Message.Status.FAILED and "no longer reset" in queued.attempts.get().error
