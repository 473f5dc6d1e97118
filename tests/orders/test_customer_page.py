"""The admin customer page: history with split orders, lifetime value, open balance, search, and the account
invitation (a set-password link by e-mail, never stored in the outbox)."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from notifications.models import EmailKind, Message
from orders.exceptions import CustomerNotInvitable
from orders.models import Customer, SplitReason
from orders.selectors.customer_staff import customer_overview
from orders.services.customers import customer_invite
from orders.services.payments import order_payment_record
from orders.services.split import order_split
from tests.conftest import staff_in
from tests.factories import StaffFactory, stock
from tests.outbox import outbox_work

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(customer, product, location, place_order):
    """A paid order of 2 mugs (25.00), an unpaid one of 3 (37.50) split into 1 + 2 (12.50 + 25.00), a draft."""
    stock(product, location, 100)
    paid = place_order([(product, 2)])
    order_payment_record(order_id=paid.pk, amount=paid.total_gross, method="bank_transfer", actor=None)
    unpaid = place_order([(product, 3)])
    line = unpaid.lines.get()
    child = order_split(order_id=unpaid.pk, quantities={line.pk: 2}, reason=SplitReason.BACKORDER, notify=False)
    draft = place_order([(product, 1)], place=False)
    return {"paid": paid, "unpaid": unpaid, "child": child, "draft": draft}


def test_the_overview_adds_up_lifetime_value_and_open_balance(customer, history):
    # when
    overview = customer_overview(customer=customer)
    # then: lifetime = 25.00 + 12.50 + 25.00 (placed orders, split parts counted once each), open = 37.50
    assert overview.lifetime == [("EUR", Decimal("62.50"))]
    assert overview.open_balance == [("EUR", Decimal("37.50"))]
    assert overview.orders_count == 4
    assert {order.pk for order in overview.orders} == {o.pk for o in history.values()}
    assert next(o for o in overview.orders if o.pk == history["child"].pk).parent_id == history["unpaid"].pk


def test_the_customer_page_shows_history_split_orders_and_the_figures(client, superuser, customer, history):
    # given
    client.force_login(superuser)
    # when
    page = client.get(reverse("admin:orders_customer_change", args=[customer.pk])).content.decode()
    # then
    assert f"split off #{history['unpaid'].number}" in page
    assert "EUR&nbsp;62.50" in page and "EUR&nbsp;37.50" in page
    assert "Send account invitation" in page
    assert "Wholesale terms" in page


def test_the_orders_figure_links_to_the_customers_orders(client, superuser, customer, history):
    # given
    client.force_login(superuser)
    url = customer_overview(customer=customer).orders_url
    # when
    listed = {o.pk for o in client.get(url).context["cl"].result_list}
    # then
    assert listed == {o.pk for o in history.values()}


@pytest.mark.parametrize("term", ["Ann", "ANN@EXAMPLE", "Teapots"])
def test_customers_are_found_by_name_e_mail_or_company(client, superuser, customer, term):
    # given
    Customer.objects.filter(pk=customer.pk).update(name="Ann Smith", email="ann@example.com", company="Teapots Ltd")
    Customer.objects.create(name="Bob", email="bob@example.org", company="Cups")
    client.force_login(superuser)
    # when
    found = client.get(reverse("admin:orders_customer_changelist"), {"q": term}).context["cl"].result_list
    # then
    assert [c.pk for c in found] == [customer.pk]


def _link(body: str) -> str:
    return re.search(r"https?://[^/]+(/account/password-reset/[^/\s]+/[^/\s]+/)", body).group(1)


def test_the_invitation_makes_an_account_and_mails_a_link_that_sets_the_password(client, customer, shop, desk):
    # given: a customer staff typed in, without an account
    assert customer.user_id is None
    # when
    message = customer_invite(customer_id=customer.pk, actor=desk)
    outbox_work()
    # then: an account without a password, linked; the outbox row holds the link masked
    customer.refresh_from_db()
    user = customer.user
    assert user.email == customer.email and not user.has_usable_password() and not user.is_staff
    assert (message.kind, message.to, message.topic, message.topic_id) == (
        EmailKind.ACCOUNT_INVITATION, customer.email, "account", user.pk)  # fmt: skip
    message.refresh_from_db()
    assert "/hidden/" in message.body_text
    [sent] = mail.outbox
    link = _link(sent.body)
    assert link.rstrip("/").rsplit("/", 1)[-1] not in str(Message.objects.filter(pk=message.pk).values().get())
    # when: the customer opens it and chooses a password
    form_page = client.get(link, follow=True)
    password = "Fresh-teapot-2041"
    saved = client.post(form_page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})
    # then
    assert saved["Location"] == reverse("storefront:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(password)


def test_inviting_a_staff_address_is_refused_and_changes_nothing(customer, desk):
    # given
    StaffFactory(email=customer.email)
    users = get_user_model().objects.count()
    # when
    with pytest.raises(CustomerNotInvitable):
        customer_invite(customer_id=customer.pk, actor=desk)
    # then
    customer.refresh_from_db()
    assert customer.user_id is None
    assert get_user_model().objects.count() == users
    assert not Message.objects.exists()


def test_inviting_an_account_that_has_a_password_is_refused(customer, desk):
    # given
    user = get_user_model().objects.create_user(email=customer.email, password="Has-one-already-1")
    Customer.objects.filter(pk=customer.pk).update(user=user)
    # when / then
    with pytest.raises(CustomerNotInvitable, match="Forgot your password"):
        customer_invite(customer_id=customer.pk, actor=desk)
    assert not Message.objects.exists()


def test_the_invite_button_needs_the_permission(client, customer, shop):
    # given
    warehouse = staff_in("Warehouse", "w@example.com")
    desk = staff_in("Order desk", "d@example.com")
    url = reverse("admin:orders_customer_invite", args=[customer.pk])
    # when
    client.force_login(warehouse)
    refused = client.post(url)
    client.force_login(desk)
    done = client.post(url)
    # then
    assert refused.status_code == 403
    assert done.status_code == 302
    assert Message.objects.filter(kind=EmailKind.ACCOUNT_INVITATION).count() == 1
    assert client.get(url).status_code == 405


def test_the_list_action_invites_the_selected_customers(client, customer, desk):
    # given
    other = Customer.objects.create(name="Bob", email="bob@example.org")
    client.force_login(desk)
    # when
    client.post(reverse("admin:orders_customer_changelist"),
                {"action": "invite_selected", "_selected_action": [customer.pk, other.pk]})  # fmt: skip
    # then
    assert sorted(Message.objects.filter(kind=EmailKind.ACCOUNT_INVITATION).values_list("to", flat=True)) == sorted(
        [customer.email, "bob@example.org"]
    )
