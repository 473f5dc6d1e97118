"""The warehouse API: `POST /api/shipments/<id>/events` with `Authorization: Bearer <warehouse token>`.

A thin view: authenticate the warehouse connection, read and check the JSON body (every refusal names the
field), find the shipment among the connection's locations, and let `warehouse_event_receive` apply it once
per event id. Answers are JSON: 200 applied (a repeat answers the first answer again), 400 a bad field, 401
a wrong token, 404 an unknown shipment, 409 refused by the shipment's state or an event id reused with
another body, 413 a body over `OMS_API_MAX_BODY_BYTES`.
"""

from datetime import timedelta

from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from oms.bounds import text_problem
from orders.api import bearer_token_owner, json_body_read, json_error
from orders.exceptions import OrderError, OrderNotFound

from .models import Shipment, WarehouseConnection, WarehouseEvent, http_url
from .services.warehouse_events import shipment_for_connection, warehouse_event_receive

# Field → the longest value the column holds (the event id is the warehouse's idempotency key).
TEXT_LIMITS = {
    "event_id": WarehouseEvent._meta.get_field("event_id").max_length,
    "carrier": Shipment._meta.get_field("carrier").max_length,
    "tracking_code": Shipment._meta.get_field("tracking_code").max_length,
    "tracking_url": Shipment._meta.get_field("tracking_url").max_length,
    "status_text": Shipment._meta.get_field("warehouse_status").max_length,
}
FIELDS = {"type", "occurred_at", *TEXT_LIMITS}
FUTURE_SLACK = timedelta(days=1)  # clocks differ; an event a day ahead is a wrong date, not a skewed clock


def _text(data: dict, name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("must be a string.")
    value = value.strip()
    problem = text_problem(value, multiline=False)
    if problem:
        raise ValueError(problem)
    if len(value) > TEXT_LIMITS[name]:
        raise ValueError(f"at most {TEXT_LIMITS[name]} characters.")
    return value


def _occurred_at(value):
    if value is None:
        return None
    try:
        moment = parse_datetime(value) if isinstance(value, str) and len(value) <= 40 else None
    except (ValueError, OverflowError):
        moment = None  # well formed but impossible: month 13, hour 25
    if moment is None or timezone.is_naive(moment):
        raise ValueError("give an ISO 8601 time with its zone, e.g. 2026-11-30T16:05:00Z.")
    if moment > timezone.now() + FUTURE_SLACK or moment.year < 2000:
        raise ValueError("the time is not plausible (in the future or before 2000).")
    return moment


def _checked(data) -> tuple[dict, dict]:
    """(event, errors by field): the body's fields checked one by one."""
    if not isinstance(data, dict):
        return {}, {"body": "send one JSON object."}
    errors = dict.fromkeys(sorted(set(data) - FIELDS), "unknown field.")
    event = {}
    for name in TEXT_LIMITS:
        try:
            event[name] = _text(data, name)
        except ValueError as exc:
            errors[name] = str(exc)
    try:
        event["occurred_at"] = _occurred_at(data.get("occurred_at"))
    except ValueError as exc:
        errors["occurred_at"] = str(exc)
    kind = data.get("type")
    if kind not in WarehouseEvent.Type.values:
        errors["type"] = f"choose one of {', '.join(WarehouseEvent.Type.values)}."
    event["type"] = kind
    _check_combinations(event, errors)
    return event, errors


def _check_combinations(event: dict, errors: dict) -> None:
    if "event_id" not in errors and not event.get("event_id"):
        errors["event_id"] = "required: your unique id of this event (a repeat with it is applied once)."
    if event.get("tracking_url") and "tracking_url" not in errors:
        try:
            http_url(event["tracking_url"])
        except Exception:  # noqa: BLE001  (a ValidationError; any other failure of the check is a bad URL too)
            errors["tracking_url"] = "enter an http:// or https:// address."
    if event.get("type") == WarehouseEvent.Type.STATUS and not event.get("status_text") and "status_text" not in errors:
        errors["status_text"] = "required for a status event."


def _invalid(errors: dict) -> JsonResponse:
    message = "; ".join(f"{name}: {text}" for name, text in errors.items())
    return json_error(400, "invalid", message, errors=errors)


def _read_event(request) -> tuple[dict | None, JsonResponse | None]:
    limit = settings.OMS_API_MAX_BODY_BYTES
    too_large = json_error(413, "body_too_large", f"The body is larger than {limit} bytes.")
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
            return None, too_large
    except ValueError:
        pass
    try:
        data = json_body_read(request)
    except OverflowError:
        return None, too_large
    except ValueError as exc:
        return None, json_error(400, "invalid_json", f"body: not valid JSON ({exc}).", errors={"body": "not JSON."})
    event, errors = _checked(data)
    return (None, _invalid(errors)) if errors else (event, None)


@csrf_exempt
def shipment_events_view(request, shipment_id: int):
    if request.method != "POST":
        response = json_error(405, "method_not_allowed", "Use POST.")
        response["Allow"] = "POST"
        return response
    connection = bearer_token_owner(request, WarehouseConnection.objects.only("api_token_digest", "active"))
    if connection is None:
        response = json_error(
            401, "unauthorized", "A valid warehouse token is required (Authorization: Bearer <token>)."
        )
        response["WWW-Authenticate"] = "Bearer"
        return response
    event, refusal = _read_event(request)
    if refusal is not None:
        return refusal
    shipment = shipment_for_connection(connection, shipment_id)
    if shipment is None:
        return json_error(404, "not_found", f"There is no shipment {shipment_id} for this warehouse.")
    try:
        row, repeated = warehouse_event_receive(connection=connection, shipment=shipment, event=event)
    except OrderNotFound as exc:
        return json_error(404, exc.code, exc.message)
    except OrderError as exc:
        # The body was checked above, so what is left is a conflict with the shipment's state (or the event id).
        return json_error(409, exc.code, exc.message, details=exc.details)
    response = JsonResponse(row.answer, status=200)
    response["Idempotent-Replayed"] = "true" if repeated else "false"
    return response
