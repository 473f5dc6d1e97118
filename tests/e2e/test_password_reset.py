"""A customer resets a forgotten password in Chromium; the link arrives through the outbox."""

import re

import pytest
from django.core import mail

from notifications.models import EmailKind, Message
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_customer_resets_the_password_with_the_link_from_the_outbox_message(live_server, page, shop):
    # given a customer account
    UserFactory(email="ann@example.com")
    # when she asks for a link on the sign-in page
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    page.fill("input[name=email]", "ann@example.com")
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/account/password-reset/sent/")
    # then the e-mail is an outbox message, sent; the link is in the e-mail, masked in the stored row
    message = Message.objects.get(kind=EmailKind.PASSWORD_RESET)
    assert (message.to, message.status) == ("ann@example.com", Message.Status.SENT)
    path = re.search(r"https?://[^/]+(/account/password-reset/\S+/\S+/)", mail.outbox[-1].body).group(1)
    assert path not in message.body_text
    # when she opens it and chooses a new password
    page.goto(f"{live_server.url}{path}")
    page.fill("input[name=new_password1]", "Fresh-teapot-2041")
    page.fill("input[name=new_password2]", "Fresh-teapot-2041")
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/account/password-reset/done/")
    # then the new password signs her in
    page.goto(f"{live_server.url}/account/login/")
    page.fill("input[name=username]", "ann@example.com")
    page.fill("input[name=password]", "Fresh-teapot-2041")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/account/orders/")
