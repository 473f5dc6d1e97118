"""Staff write to the customer from the order's E-mails tab, in Chromium."""

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
