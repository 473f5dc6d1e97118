"""The channel import API: `POST /api/orders/` with `Authorization: Bearer <channel token>`.

A thin view: authenticate the channel, parse JSON (Decimal, never float), validate with forms,
call `order_import`, and turn domain errors into JSON with their HTTP status.
"""

import hmac
import json
from decimal import Decimal

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .api_forms import validate_order_payload
from .exceptions import ExternalReferenceInUse, IdempotencyConflict, OrderError, StockUnavailable
from .models import Channel, Order
from .services.channel_import import order_import


def _error(status: int, code: str, message: str, **extra) -> JsonResponse:
    return JsonResponse({"error": code, "message": message, **extra}, status=status)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number")


def _channel_for(request) -> Channel | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    digest = Channel.digest(token)
    # Channels are few; comparing every digest in constant time leaks nothing about near misses.
    for channel in Channel.objects.exclude(api_token_digest="").only("code", "api_token_digest", "active"):
        if hmac.compare_digest(channel.api_token_digest, digest):
            return channel if channel.active else None
    return None


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


@csrf_exempt
def order_import_view(request):
    if request.method != "POST":
        response = _error(405, "method_not_allowed", "Use POST.")
        response["Allow"] = "POST"
        return response
    channel = _channel_for(request)
    if channel is None:
        response = _error(401, "unauthorized", "A valid channel token is required (Authorization: Bearer <token>).")
        response["WWW-Authenticate"] = "Bearer"
        return response
    try:
        data = json.loads(request.body, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "invalid_json", "The body is not valid JSON.")
    payload, errors = validate_order_payload(data)
    if errors:
        return _error(400, "invalid", "The order has errors.", errors=errors)
    try:
        order, created = order_import(channel=channel, payload=payload, actor=None)
    except StockUnavailable as exc:
        return _error(
            exc.http_status, exc.code, exc.message, details=_shortages_with_line_indexes(exc.details, payload["lines"])
        )
    except (IdempotencyConflict, ExternalReferenceInUse) as exc:
        return _error(exc.http_status, exc.code, exc.message, number=exc.details["number"])
    except OrderError as exc:
        return _error(exc.http_status, exc.code, exc.message, details=exc.details)
    return JsonResponse(order_json(order), status=201 if created else 200)
