"""Property test: random sequences of place, edit, split, cancel, line cancel, ship and manual moves over three
locations (one a shop counter excluded from automatic allocation), under either allocation rule.

The expectations come from a model kept beside the database, not from the services' answers: each line's
active and shipped units change by what the operation asked for. After every step (refused or not):
each live line's allocations add up to its open units (no orphan, no unallocated reserved unit), the stock
levels' allocated counts add up to the open units per product, on_hand + shipped = received per product,
the counter holds no more than was moved there by hand, and the invariant auditor finds nothing.
"""

from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from catalog.models import StockLevel, StockMovement
from oms.invariants import run_all
from orders.exceptions import OrderError
from orders.models import Allocation, Order, OrderLine, SplitReason
from orders.services.allocation_move import allocation_move
from orders.services.cancel import order_cancel, order_line_cancel
from orders.services.edit import EditChanges, order_edit_commit
from orders.services.placement import LineInput, OrderInput, order_create
from orders.services.shipping import order_lines_ship
from orders.services.split import order_split
from tests.factories import ProductFactory, StockLocationFactory, stock

PRODUCTS = 2
i = st.integers(min_value=0, max_value=30)
units = st.integers(min_value=1, max_value=4)
basket = st.lists(st.tuples(st.integers(min_value=0, max_value=PRODUCTS - 1), units), min_size=1, max_size=3)
operation = st.one_of(
    st.tuples(st.just("place"), basket),
    st.tuples(st.just("edit"), i, i, st.integers(min_value=0, max_value=6)),
    st.tuples(st.just("split"), i, i, units),
    st.tuples(st.just("cancel"), i),
    st.tuples(st.just("line_cancel"), i, i, units),
    st.tuples(st.just("ship"), i, i, units),
    st.tuples(st.just("move"), i, i, i, i, units),
)
scenario = st.fixed_dictionaries(
    {
        "whole_order_first": st.booleans(),
        # stock per (product, location): main, store, counter
        "stock": st.lists(st.integers(min_value=0, max_value=12), min_size=3 * PRODUCTS, max_size=3 * PRODUCTS),
        "first": basket,
        "operations": st.lists(operation, max_size=8),
    }
)


@dataclass
class Model:
    """What the operations asked for, per line id: [product index, active units, shipped units]."""

    lines: dict[int, list[int]] = field(default_factory=dict)
    orders: dict[int, list[int]] = field(default_factory=dict)  # order id -> its line ids
    canceled: set[int] = field(default_factory=set)
    moved_to_counter: int = 0

    def open_units(self, line_id: int) -> int:
        order_id = next(o for o, ids in self.orders.items() if line_id in ids)
        _, active, shipped = self.lines[line_id]
        return 0 if order_id in self.canceled else active - shipped


class _Rollback(Exception):
    pass


def _pick(items, n):
    items = list(items)
    return items[n % len(items)] if items else None


def _setup(spec):
    products = [ProductFactory() for _ in range(PRODUCTS)]
    locations = [
        StockLocationFactory(code="q-main", name="Main", priority=10),
        StockLocationFactory(code="q-store", name="Store", priority=20),
        StockLocationFactory(code="q-counter", name="Counter", priority=1, allocate_automatically=False),
    ]
    received = Counter()
    for n, quantity in enumerate(spec["stock"]):
        if quantity:
            stock(products[n // 3], locations[n % 3], quantity)
            received[n // 3] += quantity
    return products, locations, received


def _place(model, products, channel, customer, items):
    lines = [LineInput(product=products[p], quantity=q) for p, q in items]
    order = order_create(data=OrderInput(channel=channel, customer=customer, lines=lines), place=True)
    ids = list(order.lines.order_by("position").values_list("pk", flat=True))
    model.orders[order.pk] = ids
    for line_id, (p, q) in zip(ids, items, strict=True):
        model.lines[line_id] = [p, q, 0]


def _edit(model, order, line_id, quantity):
    changes = EditChanges(quantities={line_id: quantity})
    order_edit_commit(order_id=order.pk, changes=changes, base_version=order.version)
    model.lines[line_id][1] = quantity


def _split(model, order, line_id, quantity):
    child = order_split(order_id=order.pk, quantities={line_id: quantity}, reason=SplitReason.OTHER)
    [child_line] = child.lines.all()
    model.orders[child.pk] = [child_line.pk]
    if child_line.pk == line_id:  # a line moved whole changes order, with its units
        model.orders[order.pk].remove(line_id)
        return
    model.lines[line_id][1] -= quantity
    model.lines[child_line.pk] = [model.lines[line_id][0], quantity, 0]


def _move(model, order, line_id, locations, op):
    # Mostly from where the line holds units (else any location), to any other location.
    held = list(Allocation.objects.filter(line_id=line_id).values_list("location_id", flat=True))
    source = _pick([loc for loc in locations if loc.pk in held] or locations, op[3])
    target = _pick([loc for loc in locations if loc != source], op[4])
    allocation_move(
        order_id=order.pk, line_id=line_id, from_location_id=source.pk, to_location_id=target.pk,
        quantity=op[5], actor=None,
    )  # fmt: skip
    model.moved_to_counter += op[5] if target.code == "q-counter" else 0


def _units(model, line_id, asked: int) -> int:
    """Mostly a quantity the line has open (1..open), so that operations go through; `asked` when none is."""
    open_units = model.open_units(line_id)
    return 1 + (asked - 1) % open_units if open_units > 0 else asked


def _apply(op, model, products, locations, channel, customer):
    kind = op[0]
    if kind == "place":
        return _place(model, products, channel, customer, op[1])
    order = Order.objects.get(pk=_pick(model.orders, op[1]))
    line_id = _pick(model.orders[order.pk], op[2]) if len(op) > 2 else None
    quantity = _units(model, line_id, op[-1]) if kind in ("split", "line_cancel", "ship", "move") else None
    if kind == "edit":
        _edit(model, order, line_id, op[3])
    elif kind == "split":
        _split(model, order, line_id, quantity)
    elif kind == "cancel":
        order_cancel(order_id=order.pk, reason="property")
        model.canceled.add(order.pk)
    elif kind == "line_cancel":
        order_line_cancel(order_id=order.pk, line_id=line_id, quantity=quantity)
        model.lines[line_id][1] -= quantity
    elif kind == "ship":
        order_lines_ship(order_id=order.pk, quantities={line_id: quantity})
        model.lines[line_id][2] += quantity
    else:
        _move(model, order, line_id, locations, (*op[:5], quantity))
    if not any(model.lines[other][1] for other in model.orders[order.pk]):
        model.canceled.add(order.pk)  # the pricing rule: an order with no active unit left is cancelled


def _snapshot():
    return (
        sorted(Allocation.objects.values_list("line_id", "location_id", "quantity")),
        sorted(StockLevel.objects.values_list("pk", "on_hand", "allocated")),
        StockMovement.objects.count(),
    )


def _check(model, products, received, counter):
    held = dict(Allocation.objects.values("line").annotate(n=Sum("quantity")).values_list("line", "n"))
    for line_id in model.lines:
        assert held.get(line_id, 0) == model.open_units(line_id), line_id
    assert set(held) <= set(model.lines)  # no allocation of a line the model does not know
    shipped, open_units = Counter(), Counter()
    for line_id, (p, _, line_shipped) in model.lines.items():
        shipped[p] += line_shipped
        open_units[p] += model.open_units(line_id)
    for n, product in enumerate(products):
        levels = StockLevel.objects.filter(product=product)
        totals = levels.aggregate(on_hand=Sum("on_hand"), allocated=Sum("allocated"))
        assert (totals["on_hand"] or 0) + shipped[n] == received[n]
        assert (totals["allocated"] or 0) == open_units[n]
    assert sum(Allocation.objects.filter(location=counter).values_list("quantity", flat=True)) <= model.moved_to_counter
    assert (OrderLine.objects.aggregate(n=Sum("quantity_shipped"))["n"] or 0) == sum(shipped.values())
    assert [(rule.name, rows) for rule, rows in run_all() if rows] == []


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(spec=scenario)
def test_any_sequence_keeps_allocations_equal_to_reservations_and_stock_equal_to_receipts(
    spec, channel, customer, shop, tax_rate
):
    try:
        with transaction.atomic():
            shop.allocate_whole_order_first = spec["whole_order_first"]
            shop.save()
            products, locations, received = _setup(spec)
            model = Model()
            for op in [("place", spec["first"]), *spec["operations"]]:
                if not model.orders and op[0] != "place":
                    continue
                before = _snapshot()
                try:
                    with transaction.atomic():
                        _apply(op, model, products, locations, channel, customer)
                except OrderError:
                    event(f"{op[0]} refused")
                    assert _snapshot() == before  # a refusal changes nothing
                else:
                    event(f"{op[0]} done")
                _check(model, products, received, locations[2])
            raise _Rollback
    except _Rollback:
        pass
