"""Staff write to the customer from the order's E-mails tab, in Chromium."""

import os

import pytest

from notifications.models import Message
from tests.factories import stock


@pytest.mark.django_db(transaction=True)
def test_staff_write_an_email_from_the_orders_emails_tab_and_see_it_sent(
    live_server, admin_login, superuser, place_order, product, location, mailoutbox
):
    # given: a placed order (its confirmation already sent) and a signed-in staff member
    stock(product, location, 5)
    order = place_order([(product, 1)])
    page = admin_login(superuser)
    # when: they open the order's E-mails tab and write to the customer
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/emails/")
    page.get_by_role("navigation", name="Order sections").get_by_role("link", name="E-mails").wait_for()
    page.fill("input[name=subject]", "About your mug")
    page.fill("textarea[name=message]", "It ships tomorrow.")
    page.click("button[type=submit]:has-text('Send e-mail')")
    page.wait_for_url(f"{live_server.url}/admin/orders/order/{order.pk}/emails/")
    # then: the page lists it as sent, next to the confirmation
    row = page.locator("tr.email-row", has_text="About your mug")
    assert "Sent" in row.locator(".email-status").inner_text()
    assert page.locator("tr.email-row", has_text=f"Order {order.number} confirmed").count() == 1
    assert "queued" in page.locator(".messagelist").inner_text()
    message = Message.objects.get(subject="About your mug")
    assert (message.status, message.actor, message.to) == (Message.Status.SENT, superuser, order.customer.email)
    assert [m.subject for m in mailoutbox] == [f"Order {order.number} confirmed", "About your mug"]


@pytest.mark.django_db(transaction=True)
def test_an_email_whose_template_broke_shows_the_error_and_is_sent_after_the_fix_and_a_resend(
    live_server, admin_login, superuser, place_order, product, location, mailoutbox
):
    # given: the confirmation template broken (around the admin's check), then an order placed: the worker
    # fails to render its confirmation
    from notifications.models import EmailTemplate

    EmailTemplate.objects.filter(kind="order_placed").update(body_text="Thanks {% if %}")
    stock(product, location, 5)
    order = place_order([(product, 1)])
    message = Message.objects.get(topic_id=order.pk)
    assert message.status == Message.Status.FAILED and mailoutbox == []
    page = admin_login(superuser)
    # when: staff open the order's E-mails tab
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/emails/")
    row = page.locator(f"tr.email-row[data-message-id='{message.pk}']")
    # then: the message is there, failed, with the template's error and a Resend button
    assert "Failed" in row.locator(".email-status").inner_text()
    assert "Template error" in row.locator(".email-error").inner_text()
    page.screenshot(path=os.environ.get("OMS_SCREENSHOT_DIR", "/tmp") + "/emails_failed.png", full_page=True)
    # when: the template is fixed and staff resend
    template = EmailTemplate.objects.get(kind="order_placed")
    template.body_text = "Thanks for order {{ order_number }}."
    template.save()
    row.get_by_role("button", name="Resend").click()
    page.wait_for_url(f"{live_server.url}/admin/orders/order/{order.pk}/emails/")
    # then: it was rendered with the fixed template and sent
    row = page.locator(f"tr.email-row[data-message-id='{message.pk}']")
    assert "Sent" in row.locator(".email-status").inner_text()
    assert "queued again" in page.locator(".messagelist").inner_text()
    page.screenshot(path=os.environ.get("OMS_SCREENSHOT_DIR", "/tmp") + "/emails_resent.png", full_page=True)
    assert [m.body.strip() for m in mailoutbox] == [f"Thanks for order {order.number}."]
