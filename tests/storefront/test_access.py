import pytest
from django.urls import reverse

from orders.models import Order
from tests.factories import StaffFactory, UserFactory

from .conftest import PASSWORD

LIST_URL = reverse("storefront:order_list")
LOGIN_URL = reverse("storefront:login")


def main_of(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def detail_url(number: str) -> str:
    return reverse("storefront:order_detail", args=[number])


@pytest.mark.django_db
def test_a_customer_gets_404_for_every_order_number_that_is_not_theirs(
    customer_client, customer, other_customer, place_order, stocked
):
    # given: Bob's orders, a draft of Ann's that staff have not placed, and numbers that do not exist
    bobs = [place_order([(stocked, 1)], customer=other_customer) for _ in range(3)]
    draft = place_order([(stocked, 1)], place=False)
    assert draft.customer == customer and draft.status == Order.Status.DRAFT
    own = place_order([(stocked, 1)])
    tried = [o.number for o in bobs] + [draft.number, "99999", "0", f"{own.number}-1", "x' OR 1=1 --"]
    # when
    responses = {number: customer_client.get(detail_url(number)) for number in tried}
    # then: the same 404 each time, and nothing of the order in it
    assert {number: r.status_code for number, r in responses.items()} == dict.fromkeys(tried, 404)
    mains = {main_of(r.content.decode()) for r in responses.values()}
    assert len(mains) == 1  # the same page whatever was tried: it tells nothing about the number
    assert "Order not found" in mains.pop()
    for response in responses.values():
        html = response.content.decode()
        assert "Bob Other" not in html and "Other lane 9" not in html
    assert customer_client.get(detail_url(own.number)).status_code == 200


@pytest.mark.django_db
def test_the_order_list_shows_only_the_customers_own_placed_orders(
    customer_client, other_customer, place_order, stocked
):
    # given
    own = place_order([(stocked, 1)])
    draft = place_order([(stocked, 1)], place=False)
    bobs = place_order([(stocked, 1)], customer=other_customer)
    # when
    html = customer_client.get(LIST_URL).content.decode()
    # then
    assert f"Order {own.number}" in html
    assert f"Order {draft.number}" not in html
    assert f"Order {bobs.number}" not in html and "Bob Other" not in html


@pytest.mark.django_db
def test_a_split_order_of_another_customer_never_shows_in_a_family(
    customer_client, other_customer, place_order, stocked
):
    # given: a corrupt family (the invariant auditor reports it) whose child belongs to Bob
    own = place_order([(stocked, 1)])
    bobs = place_order([(stocked, 1)], customer=other_customer)
    Order.objects.filter(pk=bobs.pk).update(parent=own, root=own)
    # when
    list_html = customer_client.get(LIST_URL).content.decode()
    detail_html = customer_client.get(detail_url(own.number)).content.decode()
    # then
    assert bobs.number not in list_html and bobs.number not in detail_html


@pytest.mark.django_db
@pytest.mark.parametrize("url", [LIST_URL, detail_url("10001")])
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    # when
    response = client.get(url)
    # then
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={url}"


@pytest.mark.django_db
def test_a_customer_signs_in_with_e_mail_and_password(client, customer_user, shop):
    # when: the address typed in another case
    response = client.post(LOGIN_URL, {"username": "Ann@Example.com", "password": PASSWORD})
    # then
    assert response.status_code == 302 and response["Location"] == LIST_URL
    assert client.get(LIST_URL).status_code == 200


@pytest.mark.django_db
def test_a_wrong_password_is_refused(client, customer_user, shop):
    # when
    response = client.post(LOGIN_URL, {"username": customer_user.email, "password": "wrong"})
    # then
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Please enter a correct e-mail address and password" in response.content.decode()


@pytest.mark.django_db
def test_staff_signing_in_here_are_refused_and_pointed_to_the_admin(client, shop):
    # given
    staff = StaffFactory(email="desk@example.com")
    # when
    response = client.post(LOGIN_URL, {"username": staff.email, "password": PASSWORD})
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Staff sign in to the admin" in html
    assert f'href="{reverse("admin:login")}"' in html


@pytest.mark.django_db
def test_staff_signed_in_to_the_admin_see_no_customer_pages(client, place_order, stocked):
    # given
    order = place_order([(stocked, 1)])
    client.force_login(StaffFactory(email="desk@example.com"))
    # when
    responses = [client.get(LIST_URL), client.get(detail_url(order.number))]
    # then
    for response in responses:
        assert response.status_code == 403
        assert "This is a staff account" in response.content.decode()
        assert order.number not in response.content.decode()


@pytest.mark.django_db
def test_a_user_without_a_customer_profile_sees_a_friendly_page(client, shop):
    # given
    client.force_login(UserFactory(email="nobody@example.com"))
    # when
    response = client.get(LIST_URL)
    # then
    assert response.status_code == 403
    assert "not linked to a customer account" in response.content.decode()


@pytest.mark.django_db
def test_signing_out_ends_the_session(customer_client):
    # when
    response = customer_client.post(reverse("storefront:logout"))
    # then
    assert response.status_code == 302 and response["Location"] == LOGIN_URL
    assert customer_client.get(LIST_URL).status_code == 302
