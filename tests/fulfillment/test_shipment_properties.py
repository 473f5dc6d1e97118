"""Property test: any sequence of prepare / ship / cancel shipment / edit / line cancel / split keeps
on_hand + shipped = received per product, and allocations = reservations (= open units), with every
auditor rule holding. Shipped units are counted here from the shipments each step shipped or took back."""

from collections import Counter

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from catalog.models import StockLevel
from fulfillment.models import Shipment
from fulfillment.services.shipments import shipment_cancel, shipment_ship, shipments_create
from oms.invariants import run_all
from orders.exceptions import OrderError
from orders.models import Allocation, Order, OrderLine, SplitReason
from orders.services.cancel import order_line_cancel
from orders.services.edit import EditChanges, order_edit_commit
from orders.services.placement import LineInput, OrderInput, order_create
from orders.services.split import order_split
from tests.factories import ProductFactory, StockLocationFactory, stock

index = st.integers(min_value=0, max_value=20)
operation = st.one_of(
    st.tuples(st.just("prepare"), index, st.one_of(st.none(), st.integers(min_value=1, max_value=3))),
    st.tuples(st.just("ship"), index),
    st.tuples(st.just("ship"), index),
    st.tuples(st.just("cancel_shipment"), index),
    st.tuples(st.just("edit"), index, st.integers(min_value=0, max_value=5)),
    st.tuples(st.just("line_cancel"), index, st.integers(min_value=1, max_value=2)),
    st.tuples(st.just("split"), index, st.integers(min_value=1, max_value=2)),
)
spec_strategy = st.fixed_dictionaries(
    {
        "stock": st.lists(st.integers(min_value=0, max_value=6), min_size=4, max_size=4),  # 2 products × 2 places
        "lines": st.lists(st.tuples(st.integers(0, 1), st.integers(1, 4)), min_size=1, max_size=3),
        "operations": st.lists(operation, max_size=12),
    }
)


class _Rollback(Exception):
    pass


def _pick(rows, i):
    return rows[i % len(rows)] if rows else None


def _family(root):
    return list(Order.objects.filter(pk=root.pk) | Order.objects.filter(root=root))


def _apply(op, root, shipped: Counter) -> None:
    """One operation; `shipped` (product id → units out of the building) follows what it shipped or took back."""
    kind, member = op[0], _pick(_family(root), op[1])
    lines = list(member.lines.order_by("pk"))
    shipments = list(Shipment.objects.filter(order__in=_family(root)).order_by("pk"))
    if kind == "prepare":
        line = _pick(lines, op[1])
        shipments_create(order_id=member.pk, quantities=None if op[2] is None else {line.pk: op[2]})
    elif kind == "ship":
        target = _pick([s for s in shipments if s.status == Shipment.Status.PENDING], op[1])
        if target is None:
            raise OrderError("nothing pending")
        units = [(row.order_line.product_id, row.quantity) for row in target.lines.select_related("order_line")]
        shipment_ship(shipment_id=target.pk)
        for product_id, quantity in units:
            shipped[product_id] += quantity
    elif kind == "cancel_shipment":
        target = _pick(shipments, op[1])
        if target is None:
            raise OrderError("no shipment")
        was_shipped = target.status == Shipment.Status.SHIPPED
        units = [(row.order_line.product_id, row.quantity) for row in target.lines.select_related("order_line")]
        shipment_cancel(shipment_id=target.pk, reason="Lost in transit")
        for product_id, quantity in units if was_shipped else ():
            shipped[product_id] -= quantity
    elif kind == "edit":
        line = _pick(lines, op[1])
        order_edit_commit(order_id=member.pk, changes=EditChanges(quantities={line.pk: op[2]}),
                          base_version=member.version)  # fmt: skip
    elif kind == "line_cancel":
        line = _pick(lines, op[1])
        order_line_cancel(order_id=member.pk, line_id=line.pk, quantity=op[2])
    else:
        line = _pick(lines, op[1])
        order_split(order_id=member.pk, quantities={line.pk: op[2]}, reason=SplitReason.OTHER)


def _check(received: Counter, shipped: Counter, products) -> None:
    for product in products:
        on_hand = StockLevel.objects.filter(product=product).aggregate(n=Sum("on_hand"))["n"] or 0
        assert on_hand + shipped[product.pk] == received[product.pk]
        allocations = Allocation.objects.filter(line__product=product).aggregate(n=Sum("quantity"))["n"] or 0
        reserved = StockLevel.objects.filter(product=product).aggregate(n=Sum("allocated"))["n"] or 0
        live = OrderLine.objects.filter(product=product, order__status=Order.Status.PLACED)
        assert allocations == reserved == sum(line.quantity_open for line in live)
    assert [(rule.name, rows) for rule, rows in run_all() if rows] == []


@pytest.mark.django_db
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(spec=spec_strategy)
def test_shipments_conserve_stock_and_keep_allocations_equal_to_reservations(spec, channel, customer, shop, tax_rate):
    try:
        with transaction.atomic():
            places = [StockLocationFactory(priority=10), StockLocationFactory(priority=20)]
            products = [ProductFactory(tax_rate=tax_rate) for _ in range(2)]
            received = Counter()
            for i, units in enumerate(spec["stock"]):
                if units:
                    stock(products[i // 2], places[i % 2], units)
                    received[products[i // 2].pk] += units
            lines = [LineInput(product=products[p], quantity=q) for p, q in spec["lines"]]
            try:
                with transaction.atomic():
                    root = order_create(data=OrderInput(channel=channel, customer=customer, lines=lines), place=True)
            except OrderError:
                event("not enough stock to place")
                raise _Rollback from None
            shipped = Counter()
            for op in spec["operations"]:
                try:
                    with transaction.atomic():
                        _apply(op, root, shipped)
                    event(f"{op[0]} done")
                except OrderError:
                    event(f"{op[0]} refused")
                _check(received, shipped, products)
            raise _Rollback
    except _Rollback:
        pass
