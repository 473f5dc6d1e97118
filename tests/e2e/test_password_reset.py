"""A customer resets a forgotten password in Chromium; the link arrives through the outbox."""

import re

import pytest
from django.core import mail

from notifications.models import EmailKind, Message
from tests.factories import StaffFactory, UserFactory


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


@pytest.mark.django_db(transaction=True)
def test_staff_reading_the_reset_message_in_the_admin_see_the_link_masked(live_server, page, shop):
    # given: a customer asked for a link, and it went out
    UserFactory(email="ann@example.com")
    manager = StaffFactory(email="boss@example.com", is_superuser=True)
    page.goto(f"{live_server.url}/account/password-reset/")
    page.fill("input[name=email]", "ann@example.com")
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/account/password-reset/sent/")
    token = re.search(r"/account/password-reset/\S+/(\S+)/", mail.outbox[-1].body).group(1)
    message = Message.objects.get(kind=EmailKind.PASSWORD_RESET)
    # when: a staff member opens the message in the admin
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", manager.email)
    page.fill("#id_password", "pass-word-123")
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/notifications/message/{message.pk}/change/")
    page.screenshot(path="/tmp/core-reset-message.png", full_page=True)
    # then: the page shows the message with its link masked, never the token
    content = page.content()
    assert "/hidden/" in content and token not in content
