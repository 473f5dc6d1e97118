"""Accept or decline a return request: django-fsm transitions, the reason, the event, the customer's e-mail."""

import pytest
from django.core import mail

from notifications.models import Message
from orders.exceptions import InvalidTransition, OrderValidationError
from orders.models import OrderEvent
from returns.models import ReturnRequest
from returns.services.decisions import return_request_accept, return_request_decline
from returns.services.requests import return_request_create
from tests.outbox import outbox_work
from tests.returns.conftest import lines_of

pytestmark = pytest.mark.django_db
S = ReturnRequest.Status


@pytest.fixture
def requested(shipped, reason):
    return return_request_create(
        order_id=shipped.pk,
        customer=shipped.customer,
        quantities={lines_of(shipped)["MUG-1"].pk: 1},
        reason_id=reason.pk,
    )


def snapshot(request):
    request.refresh_from_db()
    return (request.status, request.decline_reason, request.decided_at, OrderEvent.objects.count(),
            Message.objects.count())  # fmt: skip


def test_accepting_lets_the_customer_print_the_label_and_emails_the_link(requested, desk):
    # when
    request = return_request_accept(request_id=requested.pk, actor=desk, note="Please use a sturdy box.")
    # then
    request.refresh_from_db()
    assert request.status == S.ACCEPTED and request.decided_at is not None
    event = OrderEvent.objects.get(order=request.order, type="return_request_accepted")
    assert event.actor == desk and event.parameters["number"] == request.number
    message = Message.objects.get(kind="return_accepted")
    assert message.to == request.order.customer.email
    outbox_work()
    [sent] = [m for m in mail.outbox if "accepted" in m.subject]
    assert request.number in sent.subject
    assert f"/returns/{request.pk}/label.pdf" in sent.body and "sturdy box" in sent.body


def test_declining_needs_a_reason_the_customer_reads(requested, desk):
    request = return_request_decline(request_id=requested.pk, actor=desk, reason="Bought more than 30 days ago")
    request.refresh_from_db()
    assert request.status == S.DECLINED and request.decline_reason == "Bought more than 30 days ago"
    event = OrderEvent.objects.get(order=request.order, type="return_request_declined")
    assert event.parameters["reason"] == "Bought more than 30 days ago"
    outbox_work()
    [sent] = [m for m in mail.outbox if "request" in m.subject and "accepted" not in m.subject]
    assert "Bought more than 30 days ago" in sent.body and "label" not in sent.body.lower()


@pytest.mark.parametrize("bad", ["", "   ", "a\x00b", "x" * 201, "line\nbreak"])
def test_a_decline_without_a_usable_reason_is_refused_and_changes_nothing(requested, desk, bad):
    before = snapshot(requested)
    with pytest.raises(OrderValidationError) as refused:
        return_request_decline(request_id=requested.pk, actor=desk, reason=bad)
    assert refused.value.details == {"field": "reason"}
    assert snapshot(requested) == before


@pytest.mark.parametrize(
    "first, second, allowed",
    [
        ("accept", "accept", False),
        ("accept", "decline", False),
        ("decline", "accept", False),
        ("decline", "decline", False),
        (None, "accept", True),
        (None, "decline", True),
    ],
)
def test_a_request_is_decided_once(requested, desk, first, second, allowed):
    actions = {
        "accept": lambda: return_request_accept(request_id=requested.pk, actor=desk),
        "decline": lambda: return_request_decline(request_id=requested.pk, actor=desk, reason="No"),
    }
    if first:
        actions[first]()
    before = snapshot(requested)
    if allowed:
        actions[second]()
        assert snapshot(requested)[0] == {"accept": S.ACCEPTED, "decline": S.DECLINED}[second]
    else:
        with pytest.raises(InvalidTransition):
            actions[second]()
        assert snapshot(requested) == before


@pytest.mark.parametrize("request_id", ["999999", "abc", "12345678901234567890", ""])
def test_an_unknown_request_is_not_found(db, desk, request_id):
    from orders.exceptions import OrderNotFound

    with pytest.raises(OrderNotFound):
        return_request_accept(request_id=request_id, actor=desk)
