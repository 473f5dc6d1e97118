"""Read queries behind the staff admin: the order list's status tabs, its search, and the order pages."""

import re
from dataclasses import dataclass
from itertools import groupby

from django.db.models import Q, QuerySet
from django.http import Http404

from oms.admin_lists import CappedCount, capped_counts

from ..models import Customer, Order, OrderEvent, OrderLine, OrderMemo, PaymentTerms

S, P, F = Order.Status, Order.PaymentStatus, Order.FulfillmentStatus


@dataclass(frozen=True)
class OrderTab:
    slug: str
    label: str
    condition: Q


# The one definition of the order list's tabs; the changelist filters and counts with these. Each
# condition has a partial index on (created_at, id) with the same condition in Order.Meta.indexes
# (tests/orders/test_order_list_scale.py holds the two together), so a tab's page and its capped
# count are index range scans however many orders there are.
ORDER_TABS: tuple[OrderTab, ...] = (
    OrderTab("all", "All", Q()),
    OrderTab("draft", "Draft", Q(status=S.DRAFT)),
    OrderTab(
        "awaiting_payment", "Awaiting payment", Q(status=S.PLACED, payment_status__in=[P.UNPAID, P.PARTIALLY_PAID])
    ),
    OrderTab(
        "awaiting_fulfilment",
        "Awaiting fulfilment",
        # Paid orders, and orders on account (wholesale terms) that ship before they are paid.
        Q(status=S.PLACED, fulfillment_status=F.UNFULFILLED)
        & (Q(payment_status__in=[P.PAID, P.REFUND_DUE]) | ~Q(payment_terms=PaymentTerms.IMMEDIATE)),
    ),
    OrderTab("partially_shipped", "Partially shipped", Q(status=S.PLACED, fulfillment_status=F.PARTIALLY_FULFILLED)),
    OrderTab("shipped", "Shipped", Q(status=S.PLACED, fulfillment_status=F.FULFILLED)),
    # Cancelled or reduced orders holding more money than they need (orders/pricing.py rule 6).
    OrderTab("refund_due", "Refund due", Q(payment_status=P.REFUND_DUE)),
    OrderTab("cancelled", "Cancelled", Q(status=S.CANCELED)),
)
ORDER_TABS_BY_SLUG = {tab.slug: tab for tab in ORDER_TABS}


def order_list_for_staff() -> QuerySet[Order]:
    return Order.objects.select_related("customer", "channel")


def order_list_for_tab(queryset: QuerySet[Order], slug: str) -> QuerySet[Order]:
    """The tab's orders; an unknown tab is a 404, never the whole list under a wrong heading."""
    tab = ORDER_TABS_BY_SLUG.get(slug)
    if tab is None:
        raise Http404(f"The order list has no tab '{slug}'.")
    return queryset.filter(tab.condition)


def order_tab_counts() -> dict[str, CappedCount]:
    """Every tab's count in one query, each capped: "1,000+" beyond the cap (oms/admin_lists.py).

    Each count reads at most cap + 1 entries of its tab's partial index: a bounded cost at any size,
    exact below the cap, and no counter for the services to keep.
    """
    return capped_counts({tab.slug: Order.objects.filter(tab.condition) for tab in ORDER_TABS})


# "10150", "#10150", "# 10150", "10150-1": an order number, with or without "#", or a split number.
_ORDER_NUMBER = re.compile(r"#?\s*(\d+(?:-\d+)*)")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def order_search(queryset: QuerySet[Order], term: str) -> QuerySet[Order]:
    """The list's search box: each branch is an index lookup, never a scan of every order.

    - A number (with or without "#") finds that order and the orders split off it ("10150" also
      lists 10150-1, 10150-2), and a channel reference spelled the same way.
    - A whole e-mail address finds that customer's orders (and a channel reference starting with it).
    - Any other text finds orders whose channel reference starts with it (any case), and the orders
      of customers whose name, company or e-mail contains it (trigram indexes on PostgreSQL).
    The matches are one `id IN (… UNION …)` subquery, so each branch uses its own index.
    """
    term = " ".join(term.split())
    if not term:
        return queryset
    number = _ORDER_NUMBER.fullmatch(term)
    if number:
        digits = number.group(1)
        return queryset.filter(
            Q(number=digits) | Q(number__startswith=f"{digits}-") | Q(external_reference__iexact=term)
        )
    if _EMAIL.fullmatch(term):
        # A whole address names one customer: the unique index on the normalised e-mail finds it at once.
        # Its trigrams ("example.com" is in every address) made the trigram search read ~200 ms at 100k
        # customers.
        customers = Customer.objects.with_email(term).values("pk")
    else:
        customers = Customer.objects.filter(
            Q(name__icontains=term) | Q(company__icontains=term) | Q(email__icontains=term)
        ).values("pk")
    # No ORDER BY inside a UNION (SQLite refuses it, and it means nothing there).
    by_customer = Order.objects.filter(customer__in=customers).order_by().values("pk")
    by_reference = Order.objects.filter(external_reference__istartswith=term).order_by().values("pk")
    return queryset.filter(pk__in=by_customer.union(by_reference))


def order_get_for_staff(*, order_id: int) -> Order:
    return Order.objects.select_related("customer", "channel", "created_by").get(pk=order_id)


def order_lines_for_staff(*, order: Order) -> list[OrderLine]:
    return list(order.lines.select_related("product").order_by("position", "pk"))


def order_memos_for_staff(*, order: Order) -> list[OrderMemo]:
    return list(order.memos.select_related("author"))


def order_events_for_staff(*, order: Order) -> list[OrderEvent]:
    return list(order.events.select_related("actor").order_by("created_at", "pk"))


@dataclass(frozen=True)
class RowChange:
    record: object  # a simple-history record of the order or of one of its lines
    subject: str
    changes: list  # [(field, old, new)]


def _changed_fields(record, previous) -> list[tuple[str, object, object]]:
    # Not simple-history's diff_against: it skips fields the admin cannot edit (number, totals,
    # statuses), and those are exactly what services change.
    return [
        (field.name, getattr(previous, field.attname), getattr(record, field.attname))
        for field in record.tracked_fields
        if getattr(previous, field.attname) != getattr(record, field.attname)
    ]


def _with_changes(records, subject) -> list[RowChange]:
    """Pair each history record with the one before it of the same row; diffs need no queries then."""
    rows: list[RowChange] = []
    for _, group in groupby(sorted(records, key=lambda r: (r.id, r.history_date, r.history_id)), key=lambda r: r.id):
        previous = None
        for record in group:
            changes = [] if previous is None else _changed_fields(record, previous)
            rows.append(RowChange(record, subject(record), changes))
            previous = record
    return rows


def order_row_history_for_staff(*, order: Order) -> list[RowChange]:
    """simple-history rows of the order and of its lines, newest first, each with its changed fields."""
    order_rows = Order.history.filter(id=order.pk).select_related("history_user")
    line_rows = OrderLine.history.filter(order_id=order.pk).select_related("history_user")
    rows = _with_changes(order_rows, lambda r: "Order") + _with_changes(line_rows, lambda r: f"Line: {r.name}")
    return sorted(rows, key=lambda row: (row.record.history_date, row.record.history_id), reverse=True)
