"""The staff view of one customer (the admin's customer page): order history with split orders, lifetime
value, open balance and returns.

Returns live in an app above orders, which orders never imports: they are found through the reverse
relations other apps declare to Order (related names), so the page lists them once the returns app has them.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, F, Q, Sum
from django.urls import NoReverseMatch, reverse

from oms.admin_lists import CappedCount, capped_counts
from oms.money import quantize

from ..models import Customer, Order

HISTORY_ROWS = 25  # the page shows the newest orders; the link opens the order list filtered to the customer
RETURN_ROWS = 5
S, P = Order.Status, Order.PaymentStatus
OWING = (P.UNPAID, P.PARTIALLY_PAID)


@dataclass
class CustomerReturns:
    label: str
    count: int
    rows: list = field(default_factory=list)  # [(str(row), admin url or "")]


@dataclass
class CustomerOverview:
    orders: list[Order]
    orders_count: CappedCount
    orders_url: str
    lifetime: list[tuple[str, Decimal]]  # per currency: placed orders' totals (a cancelled order's is 0)
    open_balance: list[tuple[str, Decimal]]  # per currency: what placed, not fully paid orders still owe
    returns: list[CustomerReturns]


def _money(rows, key: str) -> list[tuple[str, Decimal]]:
    # quantize: SQLite sums decimals as floats ("62.5"); PostgreSQL keeps the cents.
    return [(row["currency"], quantize(Decimal(str(row[key])))) for row in rows if row[key]]


def _returns(customer: Customer) -> list[CustomerReturns]:
    found = []
    for relation in Order._meta.related_objects:
        model = relation.related_model
        if model._meta.app_label != "returns" or relation.many_to_many:
            continue
        rows = model._default_manager.filter(**{f"{relation.field.name}__customer": customer}).order_by("-pk")
        count = rows.count()
        items = []
        for row in rows[:RETURN_ROWS]:
            try:
                url = reverse(f"admin:returns_{model._meta.model_name}_change", args=[row.pk])
            except NoReverseMatch:
                url = ""
            items.append((str(row), url))
        found.append(CustomerReturns(str(model._meta.verbose_name_plural).capitalize(), count, items))
    return found


def customer_overview(*, customer: Customer) -> CustomerOverview:
    """Four queries whatever the customer's history: totals per currency, the capped order count, the newest
    orders (with the order each was split off), and per returns model a count and its newest rows."""
    orders = Order.objects.filter(customer=customer)
    totals = list(
        orders.order_by()
        .values("currency")
        .annotate(
            placed=Count("pk", filter=Q(status=S.PLACED)),
            lifetime=Sum("total_gross", filter=Q(status=S.PLACED)),
            owing=Sum(F("total_gross") - F("amount_paid"), filter=Q(status=S.PLACED, payment_status__in=OWING)),
        )
        .order_by("currency")
    )
    count = capped_counts({"orders": orders})["orders"]
    recent = list(orders.select_related("parent", "channel").order_by("-created_at", "-pk")[:HISTORY_ROWS])
    return CustomerOverview(
        orders=recent,
        orders_count=count,
        orders_url=f"{reverse('admin:orders_order_changelist')}?{urlencode({'q': customer.email})}",
        lifetime=_money(totals, "lifetime"),
        open_balance=_money(totals, "owing"),
        returns=_returns(customer),
    )
