"""Admin: staff with the returns permission accept or decline a request from its page and print its label;
others are refused and nothing changes."""

import pytest

from returns.models import ReturnLabelDownload, ReturnRequest
from returns.services.decisions import return_request_accept
from returns.services.requests import return_request_create
from tests.returns.conftest import lines_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def requested(shipped, reason):
    return return_request_create(
        order_id=shipped.pk, customer=shipped.customer, quantities={lines_of(shipped)["MUG-1"].pk: 1},
        reason_id=reason.pk,
    )  # fmt: skip


def decide(pk) -> str:
    return f"/admin/returns/returnrequest/{pk}/decide/"


def test_the_requests_tab_offers_the_decision_and_the_page_shows_both_forms(client, requested, desk):
    client.force_login(desk)
    tab = client.get(f"/admin/orders/order/{requested.order_id}/return-requests/")
    assert decide(requested.pk).encode() in tab.content
    page = client.get(decide(requested.pk))
    assert page.status_code == 200 and b"accept-request" in page.content and b"decline-reason" in page.content


def test_accept_from_the_admin(client, requested, desk):
    client.force_login(desk)
    response = client.post(decide(requested.pk), {"action": "accept", "note": ""})
    assert response.status_code == 302
    requested.refresh_from_db()
    assert requested.status == ReturnRequest.Status.ACCEPTED
    tab = client.get(f"/admin/orders/order/{requested.order_id}/return-requests/")
    assert f"/admin/returns/returnrequest/{requested.pk}/label.pdf".encode() in tab.content
    assert b"not printed yet" in tab.content


def test_decline_without_a_reason_is_refused_with_the_message(client, requested, desk):
    client.force_login(desk)
    response = client.post(decide(requested.pk), {"action": "decline", "reason": ""}, follow=True)
    requested.refresh_from_db()
    assert requested.status == ReturnRequest.Status.REQUESTED
    assert b"Reason: say why" in response.content


@pytest.mark.parametrize("who", ["warehouse", "finance"])
def test_staff_without_the_returns_permission_are_refused(client, requested, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(decide(requested.pk)).status_code == 403
    assert client.post(decide(requested.pk), {"action": "accept"}).status_code == 403
    requested.refresh_from_db()
    assert requested.status == ReturnRequest.Status.REQUESTED


def test_staff_print_the_label_of_an_accepted_request_only(client, requested, desk):
    client.force_login(desk)
    url = f"/admin/returns/returnrequest/{requested.pk}/label.pdf"
    assert client.get(url).status_code == 404  # not accepted yet
    return_request_accept(request_id=requested.pk, actor=desk)
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert ReturnLabelDownload.objects.get().source == "admin"
    assert client.get("/admin/returns/returnrequest/99999999999999/label.pdf").status_code == 404
