"""Property tests: random orders, random sequences of edits, splits and shipments.

Whatever happens, no unit and no cent is created or lost, reservations equal the unshipped quantities,
and every order passes the invariant auditor's rules.
"""

from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from catalog.models import StockLevel
from oms.invariants import run_all
from orders.exceptions import OrderError
from orders.models import Allocation, Order, OrderLine, SplitReason
from orders.services.edit import CustomItem, EditChanges, order_edit_commit
from orders.services.payments import order_payment_record
from orders.services.placement import LineInput, OrderInput, order_create
from orders.services.split import order_split
from tests.factories import ProductFactory, StockLocationFactory, ship, stock

cents = st.integers(min_value=1, max_value=9999).map(lambda c: Decimal(c) / 100)
index = st.integers(min_value=0, max_value=20)
operation = st.one_of(  # splits are listed twice: they are the operation most worth exercising
    st.tuples(st.just("quantity"), index, index, st.integers(min_value=0, max_value=8)),
    st.tuples(st.just("shipping"), index, st.integers(min_value=0, max_value=1500).map(lambda c: Decimal(c) / 100)),
    st.tuples(st.just("custom"), index, cents, st.integers(min_value=1, max_value=3)),
    st.tuples(st.just("add"), index, st.integers(min_value=0, max_value=2), st.integers(min_value=1, max_value=4)),
    st.tuples(
        st.just("split"),
        index,
        st.lists(st.tuples(index, st.integers(min_value=0, max_value=2)), min_size=1, max_size=3),
    ),
    st.tuples(st.just("ship"), index, index, st.integers(min_value=1, max_value=3)),
    st.tuples(st.just("split"), index, st.lists(st.tuples(index, st.just(1)), min_size=1, max_size=2)),
)
order_spec = st.fixed_dictionaries(
    {
        "prices": st.lists(cents, min_size=3, max_size=3),
        "stock": st.lists(st.integers(min_value=0, max_value=15), min_size=6, max_size=6),
        "lines": st.lists(
            st.tuples(st.integers(min_value=0, max_value=2), st.integers(min_value=1, max_value=4)),
            min_size=1,
            max_size=4,
        ),
        "discount": st.integers(min_value=0, max_value=300).map(lambda c: Decimal(c) / 100),
        "shipping": st.integers(min_value=0, max_value=995).map(lambda c: Decimal(c) / 100),
        "paid": st.integers(min_value=0, max_value=20000).map(lambda c: Decimal(c) / 100),
        "operations": st.lists(operation, max_size=10),
    }
)


class _Rollback(Exception):
    pass


def _pick(items, i):
    return items[i % len(items)] if items else None


def _place(spec, channel, customer):
    products = [ProductFactory(unit_price=price) for price in spec["prices"]]
    locations = [StockLocationFactory(code="p-main", priority=10), StockLocationFactory(code="p-store", priority=20)]
    ordered = Counter()
    for p, quantity in spec["lines"]:
        ordered[p] += quantity
    for n, quantity in enumerate(spec["stock"]):
        # The main warehouse holds at least what is ordered, so placing works; the rest is random headroom.
        quantity += ordered[n // 2] if n % 2 == 0 else 0
        if quantity:
            stock(products[n // 2], locations[n % 2], quantity)
    data = OrderInput(
        channel=channel,
        customer=customer,
        lines=[LineInput(product=products[p], quantity=q) for p, q in spec["lines"]],
        shipping_fee=spec["shipping"],
        discount_amount=min(spec["discount"], sum(products[p].unit_price * q for p, q in spec["lines"])),
    )
    order = order_create(data=data, place=True)
    if spec["paid"]:
        order_payment_record(order_id=order.pk, amount=spec["paid"], method="card", allow_overpayment=True)
        order.refresh_from_db()
    return order, products


def _family(root):
    return list(Order.objects.filter(pk=root.pk) | Order.objects.filter(root=root))


def _units(root) -> Counter:
    """Active (ordered minus cancelled) units per product over the whole family."""
    lines = OrderLine.objects.filter(order__in=_family(root)).exclude(product=None)
    units = Counter()
    for product_id, quantity, canceled in lines.values_list("product_id", "quantity", "quantity_canceled"):
        units[product_id] += quantity - canceled
    return +units


def _apply(op, root, products):
    """Run one random operation; returns the change of the family's total and of each product's units."""
    kind, member = op[0], _pick(_family(root), op[1])
    member.refresh_from_db()
    lines = list(member.lines.order_by("pk"))
    before_total, before_units = member.total_gross, _units(root)
    if kind == "quantity":
        line = _pick(lines, op[2])
        order_edit_commit(
            order_id=member.pk, changes=EditChanges(quantities={line.pk: op[3]}), base_version=member.version
        )
    elif kind == "shipping":
        order_edit_commit(order_id=member.pk, changes=EditChanges(shipping_fee=op[2]), base_version=member.version)
    elif kind == "custom":
        item = CustomItem("Custom", op[2], Decimal("9"), op[3])
        order_edit_commit(order_id=member.pk, changes=EditChanges(custom_items=[item]), base_version=member.version)
    elif kind == "add":
        changes = EditChanges(added={products[op[2]].pk: op[3]})
        order_edit_commit(order_id=member.pk, changes=changes, base_version=member.version)
    elif kind == "split":
        quantities = {}
        for i, quantity in op[2]:
            line = _pick(lines, i)
            quantities[line.pk] = quantities.get(line.pk, 0) + quantity
        order_split(order_id=member.pk, quantities=quantities, reason=SplitReason.OTHER)
    else:
        line = _pick(lines, op[2])
        ship(member.pk, {line.pk: op[3]})  # through a shipment, the one way units leave
    member.refresh_from_db()
    total_change = member.total_gross - before_total if kind != "split" else Decimal("0")
    return total_change, _units(root) - before_units, before_units - _units(root)


def _check(root, expected_total, expected_units, paid):
    family = _family(root)
    assert sum(o.total_gross for o in family) == expected_total  # no cent created or lost
    assert sum(o.amount_paid for o in family) == paid
    assert _units(root) == expected_units  # no unit created or lost
    for line in OrderLine.objects.filter(order__in=family).exclude(product=None):
        held = sum(Allocation.objects.filter(line=line).values_list("quantity", flat=True))
        assert held == line.quantity_open, line
    allocated = StockLevel.objects.aggregate(total=Sum("allocated"))["total"] or 0
    open_units = sum(line.quantity_open for line in OrderLine.objects.filter(order__in=family).exclude(product=None))
    assert allocated == open_units
    broken = [(rule.name, rows) for rule, rows in run_all() if rows]
    assert broken == []


@pytest.mark.django_db
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(spec=order_spec)
def test_edits_and_splits_conserve_units_money_and_reservations(spec, channel, customer, shop, tax_rate):
    try:
        with transaction.atomic():
            root, products = _place(spec, channel, customer)
            expected_total, expected_units, paid = root.total_gross, _units(root), root.amount_paid
            for op in spec["operations"]:
                try:
                    with transaction.atomic():
                        total_change, gained, lost = _apply(op, root, products)
                except OrderError:
                    event(f"{op[0]} refused")
                    continue  # a refusal: it must have changed nothing, which the next check proves
                else:
                    event(f"{op[0]} done")
                    expected_total += total_change
                    expected_units = expected_units + gained - lost
                finally:
                    _check(root, expected_total, expected_units, paid)
            raise _Rollback
    except _Rollback:
        pass
