"""Staff accept or decline a customer's return request, with a reason; the customer is e-mailed either way.

Accepting lets the customer print the return label from the storefront (the e-mail links to it); declining
needs a reason, which the e-mail and the storefront show. Neither changes stock or money: the units
come back through a return that staff process (returns.services.returns), which completes the request.

Lock: `order_lock(operation="return_request")` (the order and its family root; no stock levels), then the
request row. Transitions on django-fsm (`ReturnRequest.accept` / `.decline`); a request decided already is
refused with a sentence saying what it is, and nothing changes.
"""

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django_fsm import can_proceed

from notifications.models import EmailKind
from oms import bounds
from orders.models import OrderEvent
from orders.notify import order_notify

from .. import events
from ..exceptions import InvalidTransition, OrderNotFound, refuse
from ..models import ReturnRequest
from .common import lock, parse_text

Source = OrderEvent.Source
DECLINE_REASON_MAX = 200


def label_url(request: ReturnRequest) -> str:
    """The storefront address of the request's label (absolute: it goes into an e-mail)."""
    try:
        path = reverse("storefront:return_label", args=[request.pk])
    except NoReverseMatch:
        path = "/account/"
    return f"{settings.OMS_SITE_URL}{path}"


def _locked_request(request_id, actor) -> ReturnRequest:
    raw = str(request_id or "")
    order_id = None
    if raw.isdigit() and len(raw) < 10:
        order_id = ReturnRequest.objects.filter(pk=int(raw)).values_list("order_id", flat=True).first()
    if order_id is None:
        raise OrderNotFound(f"Return request {raw[:20]} does not exist.")
    lock(order_id, operation="return_request", actor=actor)
    return ReturnRequest.objects.select_for_update(of=("self",)).select_related("order__customer").get(pk=int(raw))


def _refuse_decided(request: ReturnRequest, transition) -> None:
    if not can_proceed(transition):
        raise InvalidTransition(f"{request} is {request.get_status_display().lower()}; it was decided already.")


def _email(request: ReturnRequest, kind: str, *, note: str, actor, source: str) -> None:
    context = {
        "number": request.number,
        "reason": request.reason.name,
        "decline_reason": request.decline_reason,
        "label_url": label_url(request) if request.status == ReturnRequest.Status.ACCEPTED else "",
    }
    order_notify(order=request.order, kind=kind, actor=actor, source=source, extra_note=note,
                 extra_context={"request": context})  # fmt: skip


@transaction.atomic
def return_request_accept(*, request_id, actor, note: str = "", source: str = Source.ADMIN) -> ReturnRequest:
    """Accept a requested return: the customer can print its label. E-mails the customer (with `note`)."""
    note = parse_text(note, label="Note to the customer", field="note", limit=bounds.RETURN_COMMENT_MAX)
    request = _locked_request(request_id, actor)
    _refuse_decided(request, request.accept)
    request.accept()
    request.save(update_fields=["status", "decided_at", "updated_at"])
    events.return_request_accepted_event(request=request, note=note, actor=actor, source=source)
    _email(request, EmailKind.RETURN_ACCEPTED, note=note, actor=actor, source=source)
    return request


@transaction.atomic
def return_request_decline(
    *, request_id, reason: str, actor, note: str = "", source: str = Source.ADMIN
) -> ReturnRequest:
    """Decline a requested return with a `reason` the customer reads. E-mails the customer."""
    reason = parse_text(reason, label="Reason", field="reason", limit=DECLINE_REASON_MAX, multiline=False)
    if not reason:
        raise refuse("reason", "Reason: say why the return is declined; the customer reads it.")
    note = parse_text(note, label="Note to the customer", field="note", limit=bounds.RETURN_COMMENT_MAX)
    request = _locked_request(request_id, actor)
    _refuse_decided(request, request.decline)
    request.decline(reason)
    request.save(update_fields=["status", "decline_reason", "decided_at", "updated_at"])
    events.return_request_declined_event(request=request, note=note, actor=actor, source=source)
    _email(request, EmailKind.RETURN_DECLINED, note=note, actor=actor, source=source)
    return request
