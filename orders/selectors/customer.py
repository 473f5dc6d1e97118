"""Customer-facing reads for the storefront account pages.

Every query here is filtered by the customer first: an order of someone else, or a draft that staff
have not placed yet, is simply not found. Callers turn "not found" into a 404, never a 403, so an
order number reveals nothing about whether it exists.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet

from oms.money import ZERO

from ..models import Customer, Order, OrderLine, PaymentTerms

ORDERS_PER_PAGE = 20


@dataclass(frozen=True)
class CustomerStatus:
    """One status the customer understands, combined from status, payment and fulfilment."""

    label: str
    tone: str  # "done", "active", "waiting" or "muted": a CSS hook, nothing else


def order_status_for_customer(order: Order) -> CustomerStatus:
    if order.status == Order.Status.CANCELED:
        return CustomerStatus("Cancelled", "muted")
    paid = order.payment_status in (Order.PaymentStatus.PAID, Order.PaymentStatus.REFUND_DUE)
    on_terms = order.payment_terms != PaymentTerms.IMMEDIATE  # wholesale pays later; nothing waits
    Fulfillment = Order.FulfillmentStatus
    if order.fulfillment_status == Fulfillment.FULFILLED:
        return CustomerStatus("Shipped" if paid or on_terms else "Shipped, payment due", "done")
    if order.fulfillment_status == Fulfillment.PARTIALLY_FULFILLED:
        return CustomerStatus("Partly shipped" if paid or on_terms else "Partly shipped, payment due", "active")
    if paid or on_terms:
        return CustomerStatus("Being prepared", "active")
    if order.payment_status == Order.PaymentStatus.PARTIALLY_PAID:
        return CustomerStatus("Partly paid, awaiting payment", "waiting")
    return CustomerStatus("Awaiting payment", "waiting")


def _lines() -> Prefetch:
    return Prefetch("lines", queryset=OrderLine.objects.order_by("position", "pk"))


def _visible_orders(customer: Customer) -> QuerySet[Order]:
    """The customer's own orders that have left the back office (drafts are staff-only)."""
    return Order.objects.filter(customer=customer).exclude(status=Order.Status.DRAFT)


def _number_key(number: str | None) -> list:
    """Sort "10001-2" before "10001-10": numeric parts compare as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", number or "")]


@dataclass(frozen=True)
class OrderRow:
    order: Order
    depth: int  # 0 for the order the customer placed, 1 for an order split off it, and so on

    @property
    def status(self) -> CustomerStatus:
        return order_status_for_customer(self.order)

    @cached_property
    def live_lines(self) -> list[OrderLine]:
        """The lines with units still on the order (the prefetched lines: no query)."""
        return [line for line in self.order.lines.all() if not line.is_removed]

    @cached_property
    def removed_count(self) -> int:
        return sum(1 for line in self.order.lines.all() if line.is_removed)


@dataclass(frozen=True)
class OrderGroup:
    """An order the customer placed, with the orders split off it beneath it."""

    original: OrderRow
    splits: list[OrderRow] = field(default_factory=list)


def _split_rows(root: Order, members: list[Order]) -> list[OrderRow]:
    """Depth-first rows of a family below its original, each parent's children in number order."""
    children = defaultdict(list)
    for member in members:
        children[member.parent_id].append(member)
    rows: list[OrderRow] = []

    def walk(parent_id: int, depth: int) -> None:
        for child in sorted(children.get(parent_id, ()), key=lambda o: _number_key(o.number)):
            rows.append(OrderRow(child, depth))
            walk(child.pk, depth + 1)

    walk(root.pk, 1)
    return rows


def order_list_for_customer(*, customer: Customer, page_number: int | str | None = 1) -> tuple[Page, list[OrderGroup]]:
    """One page of the customer's orders, newest first, each split family grouped under its original.

    Queries do not grow with the number of orders or lines: the page's originals, their lines, all
    their split orders and those orders' lines are four queries (plus the paginator's count).
    """
    visible = _visible_orders(customer)
    originals = (
        visible.filter(root__isnull=True)
        .order_by("-created_at", "-id")
        .prefetch_related(
            _lines(),
            Prefetch(
                "family",
                queryset=visible.prefetch_related(_lines()),
                to_attr="visible_family",
            ),
        )
    )
    page = Paginator(originals, ORDERS_PER_PAGE).get_page(page_number)
    groups = [OrderGroup(OrderRow(order, 0), _split_rows(order, order.visible_family)) for order in page]
    return page, groups


@dataclass(frozen=True)
class CustomerOrderDetail:
    order: Order
    lines: list[OrderLine]
    parent: OrderRow | None
    siblings: list[OrderRow]
    children: list[OrderRow]

    @property
    def edit_count(self) -> int:
        """Version 1 is the order as placed; each committed edit adds one."""
        return self.order.version - 1

    @property
    def balance_due(self) -> Decimal:
        return max(self.order.balance_due, ZERO)

    @property
    def owed_to_customer(self) -> Decimal:
        """Paid above the (edited or split) total: refunding it is the returns app's work."""
        return max(-self.order.balance_due, ZERO)

    @property
    def shipped_lines(self) -> list[OrderLine]:
        return [line for line in self.lines if line.quantity_shipped]

    @property
    def status(self) -> CustomerStatus:
        return order_status_for_customer(self.order)


def order_get_for_customer(*, customer: Customer, number: str) -> CustomerOrderDetail | None:
    """The customer's order `number` with its lines and split family, or None (the caller 404s).

    Three queries whatever the size of the order or its family.
    """
    order = _visible_orders(customer).prefetch_related(_lines()).filter(number=number).first()
    if order is None:
        return None
    root_id = order.root_id or order.pk
    family = list(
        _visible_orders(customer).filter(Q(pk=root_id) | Q(root_id=root_id)).exclude(pk=order.pk).order_by("pk")
    )
    by_number = sorted(family, key=lambda o: _number_key(o.number))
    return CustomerOrderDetail(
        order=order,
        lines=list(order.lines.all()),
        parent=next((OrderRow(o, 0) for o in family if o.pk == order.parent_id), None),
        siblings=[OrderRow(o, 1) for o in by_number if order.parent_id and o.parent_id == order.parent_id],
        children=[OrderRow(o, 1) for o in by_number if o.parent_id == order.pk],
    )
