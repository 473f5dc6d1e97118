"""Reads behind the order's General tab: a fixed number of queries, whatever the size of the order.

lines (1), the customer's order count and lifetime value (1), the split family (1), the timeline's events
with their actors (1), the memos (1) and the e-mails the events refer to (1).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from notifications.models import Message
from oms.money import quantize

from ..models import Order, OrderEvent, OrderLine, OrderMemo

ZERO = Decimal("0.00")


@dataclass
class OrderPage:
    order: Order
    lines: list[OrderLine]
    customer_orders: int
    customer_lifetime: Decimal
    family: list[Order]
    events: list[OrderEvent]  # newest first
    memos: dict[int, OrderMemo]
    messages: dict[int, Message]
    tax_by_rate: list[tuple[Decimal, Decimal]] = field(default_factory=list)


def _tax_by_rate(order: Order, lines: list[OrderLine]) -> list[tuple[Decimal, Decimal]]:
    """(rate, tax) per tax rate of the stored lines and the shipping; sums of stored, rounded amounts."""
    taxes: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        if line.quantity_active:
            taxes[line.tax_rate] += line.tax
    if order.shipping_tax:
        taxes[order.shipping_tax_rate] += order.shipping_tax
    return sorted(taxes.items(), reverse=True)


def _family(order: Order) -> list[Order]:
    root_id = order.root_id or order.pk
    family = Order.objects.filter(Q(pk=root_id) | Q(root_id=root_id)).only(
        "pk", "number", "parent_id", "root_id", "status", "payment_status", "fulfillment_status", "total_gross",
        "currency", "split_reason", "created_at",
    )  # fmt: skip
    members = list(family.order_by("created_at", "pk"))
    return members if len(members) > 1 else []


def order_timeline_for_staff(*, order: Order) -> tuple[list[OrderEvent], dict[int, OrderMemo], dict[int, Message]]:
    """The order's events newest first (with actors), its memos and its e-mails by id: three queries."""
    events = list(order.events.select_related("actor").order_by("-created_at", "-pk"))
    memos = {memo.pk: memo for memo in OrderMemo.objects.filter(order=order).select_related("author")}
    # Always one query (by the order's topic, indexed), also for an order without e-mails.
    outbox = Message.objects.filter(topic="order", topic_id=order.pk).only("pk", "status", "kind", "to")
    return events, memos, {message.pk: message for message in outbox}


def order_page_for_staff(*, order: Order) -> OrderPage:
    """Everything the General tab shows of `order` (loaded with customer and channel)."""
    lines = list(order.lines.order_by("position", "pk"))
    stats = Order.objects.filter(customer_id=order.customer_id).exclude(status=Order.Status.DRAFT).aggregate(
        count=Count("pk"), lifetime=Sum("total_gross", filter=~Q(status=Order.Status.CANCELED))
    )  # fmt: skip
    events, memos, messages = order_timeline_for_staff(order=order)
    return OrderPage(
        order=order,
        lines=lines,
        customer_orders=stats["count"],
        customer_lifetime=quantize(stats["lifetime"] or ZERO),  # SQLite sums decimals to 37.5
        family=_family(order),
        events=events,
        memos=memos,
        messages=messages,
        tax_by_rate=_tax_by_rate(order, lines),
    )
