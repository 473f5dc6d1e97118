"""Telling the customer and downstream systems about an order: e-mail context and enqueueing.

Callers are order services, inside their transaction and after locking the order: the outbox rows
and the email_queued event commit (or roll back) with the change that caused them.

The outbox stores data, not text: the context is built from what the service holds in memory (the
order and its lines; pass `lines` to spare a read) and the worker renders the template with it at
delivery. That data is a snapshot: an edit after the event does not change what the earlier e-mail says.
"""

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse

from notifications.models import EmailKind, webhook_event_type
from notifications.previews import register_preview_provider
from notifications.services import email_enqueue, webhook_event_enqueue
from oms.models import ShopSettings
from oms.selects import rows_select

from . import events
from .models import Customer, Order, OrderEvent
from .services.locks import order_lock


def _address_lines(address: dict) -> list[str]:
    city = " ".join(part for part in (address["postal_code"], address["city"]) if part)
    return [line for line in (address["name"], address["company"], address["street"], city, address["country"]) if line]


def _account_url(order: Order) -> str:
    try:
        path = reverse("storefront:order_detail", args=[order.number])
    except NoReverseMatch:
        path = "/account/"
    return f"{settings.OMS_SITE_URL}{path}"


def _customer_query(customer_id: int):
    return Customer.objects.filter(pk=customer_id)


def _customer(order: Order) -> Customer:
    """The order's customer; read by a statement compiled once (`rows_select`) when not loaded yet."""
    if not Order.customer.is_cached(order):
        order.customer = rows_select("order_customer", _customer_query, order.customer_id)[0]
    return order.customer


def order_email_context(order: Order, shop: ShopSettings | None = None, lines=None) -> dict:
    """Plain data for the e-mail templates: amounts are strings, nothing a template could call.

    `lines`: the order's lines as the caller holds them (any order; the edit preview's are not stored);
    read from the database when None."""
    if lines is None:
        lines = order.lines.order_by("position", "pk")
    else:
        lines = sorted(lines, key=lambda line: (line.position, line.pk or 0))
    return {
        "order_number": order.number,
        "customer_name": _customer(order).name,
        "shop_name": (shop or ShopSettings.load()).name,
        "account_url": _account_url(order),
        "currency": order.currency,
        "lines": [
            {
                "name": line.name,
                "sku": line.sku,
                "quantity": line.quantity_active,
                "unit_price": str(line.unit_price),
                "gross": str(line.gross),
            }
            for line in lines
            if line.quantity_active
        ],
        "lines_gross": str(order.lines_gross),
        "shipping": str(order.shipping_gross),
        "discount": str(order.discount_total),
        "total_tax": str(order.total_tax),
        "total_gross": str(order.total_gross),
        "refund_due": str(order.refund_due) if order.refund_due else "",
        "billing_address": _address_lines(order.billing_address()),
        "shipping_address": _address_lines(order.shipping_address()),
    }


def _webhook_payload(order: Order, kind: str, context: dict) -> dict:
    return {
        "order_id": order.pk,
        "order_number": order.number,
        "kind": kind,
        "status": order.status,
        "payment_status": order.payment_status,
        "fulfillment_status": order.fulfillment_status,
        "version": order.version,
        "currency": context["currency"],
        "total_gross": context["total_gross"],
        "lines": context["lines"],
        **({"payment": context["payment"]} if "payment" in context else {}),
        **({"shipment": context["shipment"]} if "shipment" in context else {}),  # fulfilment's shipment events
        **({"invoice": context["invoice"]} if "invoice" in context else {}),
    }


def order_notify(
    *,
    order: Order,
    kind: str,
    actor=None,
    extra_note: str = "",
    send_email: bool = True,
    extra_context: dict | None = None,
    source: str = OrderEvent.Source.SYSTEM,
    lines=None,
    attachments=(),
):
    """Queue the customer's `kind` e-mail and the webhook event ("order_edited" -> "order.edited") for this order.

    Call inside the service's transaction, after it locked the order; pass the `lines` it holds (all of the
    order's lines, current values) to spare re-reading them. Writes at most one message, one email_queued
    event (in the caller's event batch, if any) and one webhook event (`attachments`, e.g. an invoice PDF, go with
    the e-mail: (filename, content type, bytes)); renders nothing, reads no endpoint
    (both happen in the worker). Free-text e-mails are a conversation with the customer, not an order
    event, so they raise no webhook. Returns the queued message (None when no e-mail was queued).
    """
    shop = ShopSettings.load()
    context = {**order_email_context(order, shop, lines), **(extra_context or {})}
    message = None
    if send_email and _customer(order).email:
        message = email_enqueue(
            from_email=shop.sender_email,
            kind=kind,
            to=order.customer.email,
            context=context,
            topic="order",
            topic_id=order.pk,
            actor=actor,
            extra_note=extra_note,
            attachments=attachments,
        )
        events.order_email_queued_event(
            order=order, actor=actor, source=source, kind=kind, message_id=message.pk, to=message.to
        )
    if kind != EmailKind.FREE_TEXT:
        webhook_event_enqueue(
            event_type=webhook_event_type(kind),
            payload=_webhook_payload(order, kind, context),
            topic="order",
            topic_id=order.pk,
        )
    return message


@transaction.atomic
def order_email_customer(*, order_id: int, actor, subject: str, message: str) -> Order:
    """Staff write to the customer about an order: a free-text e-mail from the shop address, via the outbox.

    Lock: the order row. Side effects: an outbox message and an email_queued event.
    """
    order = order_lock(order_id, operation="email", actor=actor).order
    order_notify(
        order=order,
        kind=EmailKind.FREE_TEXT,
        actor=actor,
        extra_context={"subject": subject, "message": message},
        source=OrderEvent.Source.ADMIN,
    )
    return order


def _preview_context(reference: str) -> dict | None:
    order = Order.objects.select_related("customer").filter(number=reference).first()
    return order_email_context(order) if order else None


register_preview_provider("order", _preview_context)
