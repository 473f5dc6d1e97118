"""The channel import API: `POST /api/orders/` with `Authorization: Bearer <channel token>`.

A thin view: authenticate the channel, parse JSON (Decimal, never float), validate with forms,
call `order_import`, and turn domain errors into JSON with their HTTP status.
"""

import hmac
import json
import logging
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, connection, transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .api_forms import validate_order_payload
from .exceptions import ExternalReferenceInUse, IdempotencyConflict, OrderError, StockUnavailable
from .models import Channel, Order
from .services.channel_import import order_import

logger = logging.getLogger(__name__)

# PostgreSQL's answers when two transactions collide (deadlock, lock timeout or NOWAIT, serialisation), and
# SQLite's "locked".
LOCK_CONFLICTS = {"DeadlockDetected", "LockNotAvailable", "SerializationFailure"}
RETRY_AFTER_SECONDS = 2


def json_error(status: int, code: str, message: str, **extra) -> JsonResponse:
    return JsonResponse({"error": code, "message": message, **extra}, status=status)


def is_lock_conflict(exc: DatabaseError) -> bool:
    cause = exc.__cause__
    return type(cause).__name__ in LOCK_CONFLICTS or "database is locked" in str(exc)


def _body_too_large_answer() -> JsonResponse:
    limit = settings.OMS_API_MAX_BODY_BYTES
    return json_error(413, "body_too_large", f"The body is larger than {limit} bytes; send fewer lines per order.")


def _body_too_large(request) -> JsonResponse | None:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    return None if declared <= settings.OMS_API_MAX_BODY_BYTES else _body_too_large_answer()


def json_body_read(request):
    """The JSON body with Decimal numbers; raises ValueError for anything that is not one JSON document."""
    try:
        body = request.body
    except RequestDataTooBig:
        raise OverflowError
    if len(body) > settings.OMS_API_MAX_BODY_BYTES:
        raise OverflowError
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(str(exc)[:200])


def _import_once(*, channel: Channel, payload: dict):
    """One attempt in its own transaction, waiting at most OMS_API_LOCK_TIMEOUT_MS for any row lock: a row held
    by another transaction (a long edit, a stuck job) ends the wait with LockNotAvailable, a lock conflict."""
    with transaction.atomic():
        if connection.vendor == "postgresql":  # SQLite waits its own busy timeout and reports "locked"
            with connection.cursor() as cursor:  # SET LOCAL: the transaction's own setting, gone at its end
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{settings.OMS_API_LOCK_TIMEOUT_MS}ms"])
        return order_import(channel=channel, payload=payload, actor=None)


def _import_retrying(*, channel: Channel, payload: dict):
    """Run the import; a lock conflict rolls it back whole, so it is retried once, then refused (None)."""
    for attempt in (1, 2):
        try:
            return _import_once(channel=channel, payload=payload)
        except DatabaseError as exc:
            if not is_lock_conflict(exc):
                raise
            logger.warning("Import %s: lock conflict on attempt %d: %s", payload["external_id"], attempt, exc)
    return None


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number")


def bearer_token_owner(request, rows):
    """The active row of `rows` (with `api_token_digest` and `active`) whose token the request bears, or None.

    Used for channels here and for the warehouse connections of the fulfilment API: only digests are stored
    (`Channel.digest`). Token holders are few; comparing every digest in constant time leaks nothing about
    near misses."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    digest = Channel.digest(token)
    for row in rows.exclude(api_token_digest=""):
        if hmac.compare_digest(row.api_token_digest, digest):
            return row if row.active else None
    return None


def _channel_for(request) -> Channel | None:
    return bearer_token_owner(request, Channel.objects.only("code", "api_token_digest", "active"))


def order_json(order: Order) -> dict:
    lines = order.lines.order_by("position", "pk")
    return {
        "number": order.number,
        "external_id": order.external_reference,
        "status": order.status,
        "payment_status": order.payment_status,
        "fulfillment_status": order.fulfillment_status,
        "currency": order.currency,
        "prices_include_tax": order.prices_include_tax,
        "reservation_expires_at": order.reservation_expires_at.isoformat() if order.reservation_expires_at else None,
        "totals": {
            "lines_gross": str(order.lines_gross),
            "discount": str(order.discount_total),
            "shipping": str(order.shipping_gross),
            "net": str(order.total_net),
            "tax": str(order.total_tax),
            "gross": str(order.total_gross),
        },
        "lines": [
            {
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "discount": str(line.discount_amount),
                "tax_rate": str(line.tax_rate),
                "net": str(line.net),
                "tax": str(line.tax),
                "gross": str(line.gross),
            }
            for line in lines
        ],
    }


def _shortages_with_line_indexes(details: list[dict], lines: list[dict]) -> list[dict]:
    """Name short lines by their indexes in the request (the rolled-back line ids mean nothing to a channel).

    A SKU sent on several lines names all of them: the shortage is that SKU's.
    """
    return [
        {"lines": [i for i, line in enumerate(lines) if line.get("sku") == shortage["sku"]]}
        | {key: value for key, value in shortage.items() if key != "line_id"}
        for shortage in details
    ]


def _read_payload(request) -> tuple[dict | None, JsonResponse | None]:
    """The validated payload, or the answer that refuses the body: 413 too large, 400 not JSON or invalid."""
    too_large = _body_too_large(request)
    if too_large is not None:
        return None, too_large
    try:
        data = json_body_read(request)
    except OverflowError:
        return None, _body_too_large_answer()
    except ValueError as exc:
        return None, json_error(400, "invalid_json", f"The body is not valid JSON ({exc}).")
    payload, errors = validate_order_payload(data)
    if errors:
        return None, json_error(400, "invalid", "The order has errors.", errors=errors)
    return payload, None


@csrf_exempt
def order_import_view(request):
    if request.method != "POST":
        response = json_error(405, "method_not_allowed", "Use POST.")
        response["Allow"] = "POST"
        return response
    channel = _channel_for(request)
    if channel is None:
        response = json_error(401, "unauthorized", "A valid channel token is required (Authorization: Bearer <token>).")
        response["WWW-Authenticate"] = "Bearer"
        return response
    payload, refusal = _read_payload(request)
    if refusal is not None:
        return refusal
    try:
        result = _import_retrying(channel=channel, payload=payload)
    except StockUnavailable as exc:
        return json_error(
            exc.http_status, exc.code, exc.message, details=_shortages_with_line_indexes(exc.details, payload["lines"])
        )
    except (IdempotencyConflict, ExternalReferenceInUse) as exc:
        return json_error(exc.http_status, exc.code, exc.message, number=exc.details["number"])
    except OrderError as exc:
        return json_error(exc.http_status, exc.code, exc.message, details=exc.details)
    if result is None:
        response = json_error(503, "busy", "The order collided with other work on the same stock; nothing was saved.")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    order, created = result
    return JsonResponse(order_json(order), status=201 if created else 200)


def not_found_view(request, rest: str = ""):
    return json_error(404, "not_found", "There is no such API endpoint; orders are imported at /api/orders/.")
