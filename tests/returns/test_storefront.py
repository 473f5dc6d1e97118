"""The customer's return requests in the storefront: only their own orders (404 otherwise), refusals shown."""

import pytest
from django.urls import reverse

from returns.models import ReturnRequest
from tests import factories
from tests.returns.conftest import lines_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(shipped):
    user = factories.UserFactory(email="shopper@example.com")
    customer = shipped.customer
    customer.user = user
    customer.save(update_fields=["user"])
    return user


def new_url(order):
    return reverse("storefront:return_request_new", args=[order.number])


def test_customer_registers_a_request_and_sees_its_status(client, account, shipped, reason):
    client.force_login(account)
    detail = client.get(reverse("storefront:order_detail", args=[shipped.number])).content.decode()
    assert 'id="return-items"' in detail
    mug = lines_of(shipped)["MUG-1"]
    response = client.post(new_url(shipped), {f"units_{mug.pk}": "2", "reason": reason.pk, "comment": "Cracked"})
    assert response.status_code == 302 and response.url.endswith("#returns")
    req = ReturnRequest.objects.get()
    assert req.customer == shipped.customer and req.lines.get().quantity == 2 and req.created_by == account
    detail = client.get(reverse("storefront:order_detail", args=[shipped.number])).content.decode()
    assert req.number in detail and "we expect your parcel" in detail and "2 × Mug" in detail


def test_refusal_is_shown_and_nothing_is_made(client, account, shipped, reason):
    client.force_login(account)
    mug = lines_of(shipped)["MUG-1"]
    response = client.post(new_url(shipped), {f"units_{mug.pk}": "7", "reason": reason.pk})
    assert response.status_code == 400 and "from 0 to 3" in response.content.decode()
    response = client.post(new_url(shipped), {f"units_{mug.pk}": "1", "reason": "", "comment": "x\x00"})
    assert response.status_code == 400 and "Reason" in response.content.decode()
    assert not ReturnRequest.objects.exists()


def test_other_customers_order_is_404(client, shipped, reason):
    stranger = factories.UserFactory(email="other@example.com")
    factories.CustomerFactory(user=stranger)
    client.force_login(stranger)
    mug = lines_of(shipped)["MUG-1"]
    assert client.get(new_url(shipped)).status_code == 404
    assert client.post(new_url(shipped), {f"units_{mug.pk}": "1", "reason": reason.pk}).status_code == 404
    assert client.get(reverse("storefront:return_request_new", args=["nope"])).status_code == 404
    assert not ReturnRequest.objects.exists()


def test_unshipped_order_offers_no_return(client, place_order, stocked, customer):
    user = factories.UserFactory(email="fresh@example.com")
    customer.user = user
    customer.save(update_fields=["user"])
    order = place_order([(stocked[0], 1)])
    client.force_login(user)
    detail = client.get(reverse("storefront:order_detail", args=[order.number])).content.decode()
    assert 'id="return-items"' not in detail and 'id="returns"' not in detail
    page = client.get(new_url(order)).content.decode()
    assert "Nothing of this order can be returned now" in page
