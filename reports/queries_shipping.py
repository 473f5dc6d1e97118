"""Shipping reports: shipments per carrier, time from order to shipment, partial shipments.

Which shipments: those shipped (or since delivered) with `shipped_at` in the range, of orders in the channel.
Time to ship is from the order's placement to the shipment leaving, in whole-day buckets compared in the
database (`shipped_at < placed_at + n days`), so SQLite and PostgreSQL count the same way.
"""

from datetime import timedelta

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from fulfillment.models import Shipment
from orders.models import Order

from .forms import Filters
from .tables import Page, Table, period_label, period_of, trend

SENT = (Shipment.Status.SHIPPED, Shipment.Status.DELIVERED)
# (label, shipped before placed_at + days); the last bucket takes the rest.
BUCKETS = (
    ("Same day or within 24 h", 1),
    ("1-2 days", 2),
    ("2-4 days", 4),
    ("4-7 days", 7),
    ("More than 7 days", None),
)
PARTIAL_MAX = 50


def shipped(filters: Filters) -> QuerySet[Shipment]:
    shipments = Shipment.objects.filter(status__in=SENT, shipped_at__gte=filters.start, shipped_at__lt=filters.end)
    return shipments.filter(order__channel_id=filters.channel_id) if filters.channel_id else shipments


def _bucket():
    whens = [
        When(shipped_at__lt=F("order__placed_at") + timedelta(days=days), then=Value(label))
        for label, days in BUCKETS
        if days is not None
    ]
    return Case(*whens, default=Value(BUCKETS[-1][0]), output_field=CharField())


def per_carrier(filters: Filters) -> Table:
    rows = (
        shipped(filters)
        .values("carrier")
        .annotate(
            shipments=Count("pk"),
            orders=Count("order", distinct=True),
            packages=Sum("packages"),
            within_2=Count("pk", filter=Q(shipped_at__lt=F("order__placed_at") + timedelta(days=2))),
        )
        .order_by("-shipments", "carrier")
    )
    table = Table("Shipments per carrier", ["Carrier", "Shipments", "Orders", "Packages", "Shipped within 2 days"])
    table.rows = [
        (r["carrier"] or "(none given)", r["shipments"], r["orders"], r["packages"] or 0, r["within_2"]) for r in rows
    ]
    return table


def time_to_ship(filters: Filters) -> Table:
    rows = dict(
        shipped(filters).annotate(bucket=_bucket()).values("bucket").annotate(n=Count("pk")).values_list("bucket", "n")
    )
    table = Table("Time from order to shipment", ["Time", "Shipments"])
    table.rows = [(label, rows.get(label, 0)) for label, _ in BUCKETS]
    return table


def shipments_per_period(filters: Filters) -> tuple[Table, list[dict]]:
    rows = list(
        shipped(filters)
        .annotate(period=period_of("shipped_at", filters))
        .values("period")
        .annotate(shipments=Count("pk"), orders=Count("order", distinct=True))
        .order_by("period")
    )
    table = Table(f"Shipments per {filters.period}", ["Period", "Shipments", "Orders"])
    table.rows = [(period_label(r["period"], filters.period), r["shipments"], r["orders"]) for r in rows]
    return table, [{**r, "series": "Shipments"} for r in rows]


def partial_shipments(filters: Filters) -> Table:
    """Orders shipped in part: some units left, the rest still to ship (oldest placement first)."""
    orders = Order.objects.filter(fulfillment_status=Order.FulfillmentStatus.PARTIALLY_FULFILLED).exclude(
        status=Order.Status.CANCELED
    )
    if filters.channel_id:
        orders = orders.filter(channel_id=filters.channel_id)
    rows = (
        orders.values("number", "customer__name", "placed_at")
        .annotate(
            ordered=Sum(F("lines__quantity") - F("lines__quantity_canceled")),
            shipped=Sum("lines__quantity_shipped"),
        )
        .order_by("placed_at", "number")[:PARTIAL_MAX]
    )
    table = Table(
        f"Partly shipped orders (oldest first, first {PARTIAL_MAX})",
        ["Order", "Customer", "Placed", "Units ordered", "Units shipped", "Units to ship"],
    )
    table.rows = [
        (r["number"], r["customer__name"], timezone.localdate(r["placed_at"]) if r["placed_at"] else None, r["ordered"],
         r["shipped"], r["ordered"] - r["shipped"])
        for r in rows
    ]  # fmt: skip
    return table


def report_shipping(filters: Filters) -> Page:
    per_period, rows = shipments_per_period(filters)
    tables = [per_period, per_carrier(filters), time_to_ship(filters), partial_shipments(filters)]
    page = Page("shipping", "Shipping", tables)
    page.chart = trend(f"Shipments per {filters.period}", filters, rows, lambda r: r["shipments"], key="series")
    page.notes.append("Partly shipped orders are those open now, whatever the date range.")
    return page
