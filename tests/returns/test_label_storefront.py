"""The customer prints the label of their own accepted return request; anything else is a 404."""

import subprocess

import pytest

from returns.models import ReturnLabelDownload
from returns.services.decisions import return_request_accept, return_request_decline
from returns.services.requests import return_request_create
from tests import factories
from tests.returns.conftest import lines_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer_user(shipped):
    user = factories.UserFactory(email="anna@example.com")
    customer = shipped.customer
    customer.user = user
    customer.save(update_fields=["user"])
    return user


@pytest.fixture
def request_of(shipped, reason):
    def _make():
        return return_request_create(
            order_id=shipped.pk, customer=shipped.customer, quantities={lines_of(shipped)["MUG-1"].pk: 1},
            reason_id=reason.pk,
        )  # fmt: skip

    return _make


def url(request_id) -> str:
    return f"/account/returns/{request_id}/label.pdf"


def test_the_customer_downloads_the_label_of_an_accepted_request(client, customer_user, request_of, desk, shop):
    # given
    request = return_request_accept(request_id=request_of().pk, actor=desk)
    client.force_login(customer_user)
    # when
    response = client.get(url(request.pk))
    # then
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=response.content, capture_output=True).stdout.decode()
    assert request.number in text and request.order.number in text and shop.name in text
    download = ReturnLabelDownload.objects.get()
    assert (download.request, download.user, download.source) == (request, customer_user, "storefront")


def test_no_label_before_acceptance_or_after_a_decline(client, customer_user, request_of, desk):
    waiting = request_of()
    client.force_login(customer_user)
    assert client.get(url(waiting.pk)).status_code == 404
    return_request_decline(request_id=waiting.pk, actor=desk, reason="Too late")
    assert client.get(url(waiting.pk)).status_code == 404
    assert not ReturnLabelDownload.objects.exists()


def test_someone_elses_label_is_not_found(client, customer_user, request_of, desk):
    request = return_request_accept(request_id=request_of().pk, actor=desk)
    other = factories.UserFactory(email="bob@example.com")
    factories.CustomerFactory(user=other, email="bob@example.com")
    client.force_login(other)
    assert client.get(url(request.pk)).status_code == 404
    assert not ReturnLabelDownload.objects.exists()


@pytest.mark.parametrize("raw", ["0", "99999999", "12345678901234567890", "abc", "-1"])
def test_odd_ids_are_not_found(client, customer_user, raw):
    client.force_login(customer_user)
    assert client.get(url(raw)).status_code == 404


def test_signed_out_goes_to_the_login(client, request_of, desk):
    request = return_request_accept(request_id=request_of().pk, actor=desk)
    response = client.get(url(request.pk))
    assert response.status_code == 302 and "login" in response["Location"]
