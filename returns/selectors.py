"""Read queries of returns: what each order line can still return or request, an order's requests and
returns, the staff lists."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet, Sum

from orders.models import Order, OrderLine

from .models import Return, ReturnLine, ReturnReason, ReturnRequest, ReturnRequestLine


@dataclass(frozen=True)
class LineUnits:
    line: OrderLine
    shipped: int
    returned: int  # on live returns (drafts and processed)
    requested: int  # on open requests (requested or accepted, not yet processed)

    @property
    def returnable(self) -> int:
        """Staff may return what shipped and did not come back yet (requests do not hold units back from them)."""
        return max(self.shipped - self.returned, 0)

    @property
    def requestable(self) -> int:
        """A customer may announce what shipped, did not come back and is not announced already."""
        return max(self.shipped - self.returned - self.requested, 0)


def _sums(queryset, *, status_field: str, statuses) -> dict[int, int]:
    rows = (
        queryset.filter(**{f"{status_field}__in": statuses})
        .values("order_line_id")
        .annotate(units=Sum("quantity"))
        .values_list("order_line_id", "units")
    )
    return defaultdict(int, dict(rows))


def returned_units(order_id: int, *, exclude_return_id: int | None = None) -> dict[int, int]:
    lines = ReturnLine.objects.filter(order_line__order_id=order_id)
    if exclude_return_id:
        lines = lines.exclude(return_record_id=exclude_return_id)
    return _sums(lines, status_field="return_record__status", statuses=Return.LIVE)


def requested_units(order_id: int) -> dict[int, int]:
    lines = ReturnRequestLine.objects.filter(order_line__order_id=order_id)
    return _sums(lines, status_field="request__status", statuses=ReturnRequest.OPEN)


def line_units(order: Order) -> list[LineUnits]:
    """Every line of the order that shipped units, with what came back and what is announced (3 queries)."""
    lines = list(order.lines.filter(quantity_shipped__gt=0).select_related("product").order_by("position", "pk"))
    returned, requested = returned_units(order.pk), requested_units(order.pk)
    return [LineUnits(line, line.quantity_shipped, returned[line.pk], requested[line.pk]) for line in lines]


def reasons_active() -> list[ReturnReason]:
    return list(ReturnReason.objects.filter(active=True))


def _request_lines() -> Prefetch:
    return Prefetch("lines", queryset=ReturnRequestLine.objects.select_related("order_line").order_by("pk"))


def _return_lines() -> Prefetch:
    return Prefetch(
        "lines", queryset=ReturnLine.objects.select_related("order_line", "reason", "location").order_by("pk")
    )


def requests_of_order(order: Order) -> list[ReturnRequest]:
    return list(
        ReturnRequest.objects.filter(order=order).select_related("reason").prefetch_related(_request_lines())
        .order_by("-pk")
    )  # fmt: skip


def returns_of_order(order: Order) -> list[Return]:
    return list(
        Return.objects.filter(order=order).select_related("credit_invoice", "request", "created_by")
        .prefetch_related(_return_lines(), "credit_invoices").order_by("-pk")
    )  # fmt: skip


def request_for_customer(*, customer, order: Order) -> list[ReturnRequest]:
    """The customer's requests on one of their orders (the storefront shows them with their status)."""
    processed = Return.objects.filter(status=Return.Status.PROCESSED).prefetch_related(
        Prefetch("lines", queryset=ReturnLine.objects.select_related("order_line").order_by("pk"))
    )
    return list(
        ReturnRequest.objects.filter(order=order, customer=customer).select_related("reason")
        .prefetch_related(_request_lines(), Prefetch("returns", queryset=processed)).order_by("-pk")
    )  # fmt: skip


def return_request_list_for_staff() -> QuerySet:
    return ReturnRequest.objects.select_related("order", "customer", "reason")


def return_list_for_staff() -> QuerySet:
    return Return.objects.select_related("order", "credit_invoice")


def search(queryset: QuerySet, term: str) -> QuerySet:
    """A return's (or request's) number, whole or its start, or the order's number: index look-ups only."""
    term = term.strip().lstrip("#")
    if not term:
        return queryset
    return queryset.filter(Q(number__istartswith=term) | Q(order__number=term))


def quarantined_lines() -> QuerySet:
    """Processed return lines with units still in quarantine (released or written off later)."""
    from django.db.models import F

    return (
        ReturnLine.objects.filter(disposition=ReturnLine.Disposition.QUARANTINE, return_record__status="processed")
        .filter(quantity__gt=F("quarantine_released") + F("quarantine_written_off"))
        .select_related("return_record__order", "order_line", "location")
    )
