import re

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import EmailKind, Message, WebhookDelivery
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
    assert link_in(message) in queued.body_text and link_in(message) in queued.body_html
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
