"""Property test of the money rules (orders/pricing.py): random sequences of place, edit, split, line cancel,
cancel, pay (within the balance, or over it with and without the "overpayment" tick), a repeated payment
submission (same idempotency key), payment reversal and ship on one split family, checked after every step
against an independent model.

The model below knows the rules, not the code: it works in integer cents, shares discounts with its own
largest-remainder and half-up arithmetic, and predicts which operations must be refused. After every step
the database must equal the model line by line; units and cents are conserved across the family (its
total moves only by what edits and cancellations changed, its units only by what they added or took);
amount paid is the sum of payment rows and equals the model's standing payments (paid, minus reversed, moved
by splits); exactly the payments the model reversed have a reversal row; a repeated submission returns the
first payment and changes nothing; no amount is negative; every invariant rule passes. A refused
operation must leave every row as it was (full snapshots compared).

Prices include tax (the shop's default), so a line's gross is exactly price × units − its discounts; the
tax split itself is covered by test_pricing_properties.py.
"""

import copy
import os
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Q
from django.forms.models import model_to_dict
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from catalog.models import StockLevel
from notifications.models import Message
from oms.invariants import run_all
from orders.exceptions import OrderError
from orders.models import Allocation, Order, OrderEvent, OrderLine, OrderPayment, SplitReason
from orders.services.cancel import order_cancel, order_line_cancel
from orders.services.edit import CustomItem, EditChanges, order_edit_commit
from orders.services.payments import order_payment_record, order_payment_reverse
from orders.services.placement import LineInput, OrderInput, order_create
from orders.services.shipping import order_lines_ship
from orders.services.split import order_split
from tests.factories import ProductFactory, StockLocationFactory, stock

PLACED, CANCELED = "placed", "canceled"


# --- the model: integer cents, the rules written out again -------------------------------------------------


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half-up, for non-negative numerators."""
    return (2 * numerator + denominator) // (2 * denominator)


def share_of(amount: int, units: int, of: int) -> int:
    """The part of `amount` that `units` of `of` units carry: pro rata, half-up, all of it for every unit."""
    return amount if units >= of else half_up(amount * units, of)


def largest_remainder(amount: int, weights: list[int]) -> list[int]:
    """Share `amount` cents over `weights` by largest remainder, ties to the earliest (equal when all are 0)."""
    if sum(weights) == 0:
        weights = [1] * len(weights)
    total = sum(weights)
    parts = [amount * w // total for w in weights]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % total), i))
    for i in by_remainder[: amount - sum(parts)]:
        parts[i] += 1
    return parts


@dataclass
class MLine:
    product: int | None  # index into the products, None for a custom item
    price: int
    quantity: int
    canceled: int = 0
    shipped: int = 0
    discount: int = 0
    share: int = 0
    gross: int = 0

    @property
    def active(self) -> int:
        return self.quantity - self.canceled

    @property
    def open(self) -> int:
        return self.active - self.shipped

    def reprice(self) -> None:
        self.gross = self.price * self.active - self.discount - self.share

    def lose(self, units: int) -> None:
        """Rule 1: `units` active units leave; the line and order discounts go with them pro rata."""
        self.discount -= share_of(self.discount, units, self.active)
        self.share -= share_of(self.share, units, self.active)

    def as_row(self) -> tuple:
        return (self.quantity, self.canceled, self.shipped, self.discount, self.share, self.gross)


@dataclass
class MOrder:
    fee: int
    status: str = PLACED
    paid: int = 0
    lines: dict[int, MLine] = field(default_factory=dict)  # position -> line

    @property
    def total(self) -> int:
        return sum(line.gross for line in self.lines.values()) + self.fee

    @property
    def discount(self) -> int:
        return sum(line.share for line in self.lines.values())

    @property
    def fulfilled(self) -> bool:
        shipped = sum(line.shipped for line in self.lines.values())
        return shipped > 0 and shipped >= sum(line.active for line in self.lines.values())

    @property
    def payment_status(self) -> str:
        if self.paid > self.total:
            return "refund_due"
        if self.paid <= 0:
            return "unpaid" if self.total > 0 or self.status == CANCELED else "paid"
        return "partially_paid" if self.paid < self.total else "paid"

    def has_units(self) -> bool:
        return any(line.active for line in self.lines.values())


@dataclass
class MPayment:
    """One recorded submission: the order it was recorded on, its key and cents; `pk` is filled in once the
    service returned the row (an identity only: every amount is the model's own)."""

    order: int
    key: str
    cents: int
    pk: int | None = None
    reversed: bool = False


class Refused(Exception):
    """The model's prediction: the service must refuse this operation."""


@dataclass
class Model:
    """One split family. `expected_total` and `expected_units` move only with edits and cancellations."""

    prices: list[int]
    on_hand: Counter
    orders: dict[int, MOrder] = field(default_factory=dict)  # order pk -> order
    expected_total: int = 0
    expected_units: Counter = field(default_factory=Counter)
    payments: int = 0  # cents of every payment row of the family: payments minus reversals
    ledger: list[MPayment] = field(default_factory=list)

    def free(self, product: int) -> int:
        held = sum(
            line.open
            for order in self.orders.values()
            if order.status == PLACED
            for line in order.lines.values()
            if line.product == product
        )
        return self.on_hand[product] - held

    def place(self, pk: int, lines: list[tuple[int, int, int]], discount: int, fee: int) -> None:
        order = MOrder(fee=fee)
        for position, (product, quantity, line_discount) in enumerate(lines, start=1):
            order.lines[position] = MLine(product, self.prices[product], quantity, discount=line_discount)
        bases = [line.price * line.quantity - line.discount for line in order.lines.values()]
        for line, share in zip(order.lines.values(), largest_remainder(discount, bases), strict=True):
            line.share = share
            line.reprice()
        self.orders[pk] = order
        self.expected_total = order.total
        for line in order.lines.values():
            self.expected_units[line.product] += line.quantity

    def _changed(self, order: MOrder, before: int) -> None:
        self.expected_total += order.total - before

    def edit_quantity(self, order: MOrder, position: int, quantity: int) -> None:
        line = order.lines[position]
        self._editable(order)
        if quantity < line.shipped or (quantity == 0 and line.shipped):
            raise Refused
        if quantity == line.active:
            raise Refused  # nothing to commit
        if line.product is not None and quantity - line.active > self.free(line.product):
            raise Refused  # not enough stock
        if all(other.active == 0 for p, other in order.lines.items() if p != position) and quantity == 0:
            raise Refused  # an edit never empties an order: "Cancel order" does
        before = order.total
        self.expected_units[line.product] += quantity - line.active
        if quantity < line.active:
            line.lose(line.active - quantity)
        if quantity == 0:
            line.canceled = line.quantity
        else:
            line.quantity = quantity + line.canceled
        line.reprice()
        self._changed(order, before)

    def edit_fee(self, order: MOrder, fee: int) -> None:
        self._editable(order)
        if fee == order.fee:
            raise Refused
        before, order.fee = order.total, fee
        self._changed(order, before)

    def edit_add(self, order: MOrder, product: int | None, price: int, quantity: int) -> None:
        self._editable(order)
        if product is not None and quantity > self.free(product):
            raise Refused
        before = order.total
        line = MLine(product, price, quantity)  # rule 4: full price, no part of the order discount
        line.reprice()
        order.lines[max(order.lines) + 1] = line
        self.expected_units[product] += quantity
        self._changed(order, before)

    def _editable(self, order: MOrder) -> None:
        if order.status != PLACED or order.fulfilled:
            raise Refused

    def split(self, order: MOrder, moves: dict[int, int]) -> MOrder:
        self._editable(order)
        moves = {p: m for p, m in moves.items() if m}
        if not moves or any(m > order.lines[p].open for p, m in moves.items()):
            raise Refused
        if sum(moves.values()) == sum(line.active for line in order.lines.values()):
            raise Refused
        child = MOrder(fee=0)
        for position, moved in sorted(moves.items()):
            line = order.lines[position]
            if moved == line.active:
                child.lines[position] = order.lines.pop(position)
                continue
            part = MLine(line.product, line.price, moved)
            for name in ("gross", "discount", "share"):
                taken = share_of(getattr(line, name), moved, line.active)
                setattr(part, name, taken)
                setattr(line, name, getattr(line, name) - taken)
            line.quantity -= moved
            child.lines[position] = part
        if order.paid:
            child.paid = largest_remainder(order.paid, [order.total, child.total])[1]
            order.paid -= child.paid
        return child

    def line_cancel(self, order: MOrder, position: int, quantity: int) -> None:
        line = order.lines[position]
        if order.status != PLACED or not 1 <= quantity <= line.open:
            raise Refused
        before = order.total
        line.lose(quantity)
        line.canceled += quantity
        line.reprice()
        self.expected_units[line.product] -= quantity
        if not order.has_units():
            order.status, order.fee = CANCELED, 0  # rule 5
        self._changed(order, before)

    def cancel(self, order: MOrder) -> None:
        if order.status != PLACED or any(line.shipped for line in order.lines.values()):
            raise Refused
        before = order.total
        for line in order.lines.values():
            self.expected_units[line.product] -= line.active
            line.lose(line.active)
            line.canceled = line.quantity
            line.reprice()
        order.status, order.fee = CANCELED, 0
        self._changed(order, before)

    def ship(self, order: MOrder, position: int, quantity: int) -> None:
        line = order.lines[position]
        if order.status != PLACED or not 1 <= quantity <= line.open:
            raise Refused
        line.shipped += quantity
        if line.product is not None:
            self.on_hand[line.product] -= quantity

    def pay(self, pk: int, amount: int, overpay: bool) -> None:
        """Rule: a placed order only; above the balance due only with the "overpayment" tick."""
        order = self.orders[pk]
        if order.status != PLACED or (amount > order.total - order.paid and not overpay):
            raise Refused
        order.paid += amount
        self.payments += amount
        self.ledger.append(MPayment(pk, f"key-{len(self.ledger)}", amount))

    def reverse(self, payment: MPayment) -> None:
        """Rule: once per payment, and never below what its order still holds of it (split moved some)."""
        order = self.orders[payment.order]
        if payment.reversed or order.paid < payment.cents:
            raise Refused
        order.paid -= payment.cents
        self.payments -= payment.cents
        payment.reversed = True


# --- the operations, drawn by hypothesis -------------------------------------------------------------------

index = st.integers(min_value=0, max_value=20)
quantity_op = st.tuples(st.just("quantity"), index, index, st.integers(min_value=0, max_value=6))
split_op = st.tuples(st.just("split"), index, st.lists(st.tuples(index, st.integers(0, 2)), min_size=1, max_size=3))
line_cancel_op = st.tuples(st.just("line_cancel"), index, index, st.integers(min_value=1, max_value=3))
# cents, or "balance" (exactly what is due), "over" (one cent more), "part" (half of it), resolved against the
# model; the overpayment tick
pay_op = st.tuples(
    st.just("pay"), index, st.sampled_from(["balance", "over", "part"]) | st.integers(min_value=1, max_value=20000),
    st.booleans(),
)  # fmt: skip
repeat_op = st.tuples(st.just("repeat"), index)  # the submission of payment i again, with its key
reverse_op = st.tuples(st.just("reverse"), index)
ship_op = st.tuples(st.just("ship"), index, index, st.integers(min_value=1, max_value=3))
operation = st.one_of(  # reductions and splits listed more than once: they are what the rules are about
    quantity_op,
    split_op,
    line_cancel_op,
    pay_op,
    st.tuples(st.just("fee"), index, st.integers(min_value=0, max_value=995)),
    st.tuples(st.just("custom"), index, st.integers(min_value=1, max_value=9999), st.integers(1, 3)),
    st.tuples(st.just("add"), index, st.integers(min_value=0, max_value=2), st.integers(1, 4)),
    ship_op,
    split_op,
    quantity_op,
    line_cancel_op,
    split_op,
    pay_op,
    st.tuples(st.just("cancel"), index),
    repeat_op,
    reverse_op,
    pay_op,
    reverse_op,
    repeat_op,
    reverse_op,
    split_op,
)
order_spec = st.fixed_dictionaries(
    {
        "prices": st.lists(st.integers(min_value=1, max_value=9999), min_size=3, max_size=3),
        "headroom": st.lists(st.integers(min_value=0, max_value=8), min_size=3, max_size=3),
        "lines": st.lists(
            st.tuples(st.integers(0, 2), st.integers(1, 5), st.integers(0, 100)),  # product, units, discount %
            min_size=1,
            max_size=4,
        ),
        "discount": st.integers(min_value=0, max_value=100),  # % of the goods' value
        "fee": st.integers(min_value=0, max_value=995),
        "payments": st.lists(pay_op, max_size=2),  # first, so that repeats and reversals have payments to act on
        "operations": st.lists(operation, min_size=1, max_size=14),
    }
)


def _place(spec, channel, customer) -> tuple[Model, Order, list]:
    products = [ProductFactory(unit_price=Decimal(price) / 100) for price in spec["prices"]]
    locations = [StockLocationFactory(code="m-main", priority=10), StockLocationFactory(code="m-store", priority=20)]
    ordered = Counter()
    for product, quantity, _ in spec["lines"]:
        ordered[product] += quantity
    model = Model(prices=spec["prices"], on_hand=Counter())
    for n, product in enumerate(products):
        if ordered[n]:
            stock(product, locations[0], ordered[n])  # what is ordered, so placing works
        if spec["headroom"][n]:
            stock(product, locations[1], spec["headroom"][n])
        model.on_hand[n] = ordered[n] + spec["headroom"][n]
    lines = [(p, q, spec["prices"][p] * q * pct // 100) for p, q, pct in spec["lines"]]
    value = sum(spec["prices"][p] * q - d for p, q, d in lines)
    discount = value * spec["discount"] // 100
    data = OrderInput(
        channel=channel,
        customer=customer,
        lines=[LineInput(product=products[p], quantity=q, discount_amount=Decimal(d) / 100) for p, q, d in lines],
        shipping_fee=Decimal(spec["fee"]) / 100,
        discount_amount=Decimal(discount) / 100,
    )
    root = order_create(data=data, place=True)
    model.place(root.pk, lines, discount, spec["fee"])
    return model, root, products


def _family(root: Order) -> list[Order]:
    # one filter, not a UNION: SQLite refuses the ORDER BY that the model's default ordering puts in each part
    return list(Order.objects.filter(Q(pk=root.pk) | Q(root=root)).order_by("pk"))


@dataclass
class Step:
    """One drawn operation, resolved against the family as it is now."""

    kind: str
    member: Order
    positions: list[int]
    position: int | None
    line_ids: dict[int, int]  # position -> line id
    cents: int = 0  # a payment's amount, resolved against the model
    payment: int = 0  # index into the model's ledger (repeat, reverse)


def _resolve(op, root: Order, model: Model) -> Step:
    family = _family(root)
    member = family[op[1] % len(family)]
    positions = sorted(model.orders[member.pk].lines)
    position = positions[op[2] % len(positions)] if op[0] in ("quantity", "line_cancel", "ship") else None
    step = Step(op[0], member, positions, position, dict(member.lines.values_list("position", "pk")))
    if op[0] == "pay":
        state = model.orders[member.pk]
        due = state.total - state.paid
        wanted = {"balance": due, "over": due + 1, "part": due // 2}
        step.cents = op[2] if isinstance(op[2], int) else max(wanted[op[2]], 1)
    elif op[0] in ("repeat", "reverse"):
        step.payment = op[1] % len(model.ledger)
    return step


def _split_moves(op, step: Step) -> dict[int, int]:
    moves = Counter()
    for i, units in op[2]:
        moves[step.positions[i % len(step.positions)]] += units
    return dict(moves)


def _predict(op, step: Step, model: Model, products) -> MOrder | None:
    """Apply the operation to the model; raises Refused when the rules say the service must refuse."""
    state = model.orders[step.member.pk]
    kind = step.kind
    if kind == "quantity":
        model.edit_quantity(state, step.position, op[3])
    elif kind == "fee":
        model.edit_fee(state, op[2])
    elif kind == "custom":
        model.edit_add(state, None, op[2], op[3])
    elif kind == "add":
        model.edit_add(state, op[2], model.prices[op[2]], op[3])
    elif kind == "split":
        return model.split(state, _split_moves(op, step))
    elif kind == "line_cancel":
        model.line_cancel(state, step.position, op[3])
    elif kind == "cancel":
        model.cancel(state)
    elif kind == "ship":
        model.ship(state, step.position, op[3])
    elif kind == "pay":
        model.pay(step.member.pk, step.cents, op[3])
    elif kind == "reverse":
        model.reverse(model.ledger[step.payment])
    return None  # "repeat": the same submission again records nothing


def _perform(op, step: Step, products, model: Model) -> Order | OrderPayment | None:
    """Run the operation through the services; returns the new order of a split, the payment row of a payment."""
    member, kind, cents = step.member, step.kind, Decimal("0.01")
    line_id = step.line_ids.get(step.position)
    edits = {
        "quantity": lambda: EditChanges(quantities={line_id: op[3]}),
        "fee": lambda: EditChanges(shipping_fee=op[2] * cents),
        "custom": lambda: EditChanges(custom_items=[CustomItem("Custom", op[2] * cents, Decimal("9"), op[3])]),
        "add": lambda: EditChanges(added={products[op[2]].pk: op[3]}),
    }
    if kind in edits:
        order_edit_commit(order_id=member.pk, changes=edits[kind](), base_version=member.version)
    elif kind == "split":
        quantities = {step.line_ids[p]: m for p, m in _split_moves(op, step).items()}
        return order_split(order_id=member.pk, quantities=quantities, reason=SplitReason.OTHER)
    elif kind == "line_cancel":
        order_line_cancel(order_id=member.pk, line_id=line_id, quantity=op[3])
    elif kind == "cancel":
        order_cancel(order_id=member.pk, reason="property test")
    elif kind == "ship":
        order_lines_ship(order_id=member.pk, quantities={line_id: op[3]})
    elif kind == "pay":
        key = f"key-{len(model.ledger)}"
        return order_payment_record(
            order_id=member.pk, amount=step.cents * cents, method="card", idempotency_key=key, allow_overpayment=op[3]
        )
    elif kind == "repeat":
        first = model.ledger[step.payment]
        return order_payment_record(
            order_id=first.order, amount=first.cents * cents, method="card", idempotency_key=first.key
        )
    else:
        order_payment_reverse(payment_id=model.ledger[step.payment].pk, reason="property test")
    return None


def _step(op, model: Model, root: Order, products) -> Model:
    """One operation on both sides; returns the model after it. A refusal must match and change nothing."""
    if op[0] in ("repeat", "reverse") and not model.ledger:
        return model  # no payment yet to repeat or reverse
    step = _resolve(op, root, model)
    trial = copy.deepcopy(model)
    try:
        child = _predict(op, step, trial, products)
        predicted = None
    except Refused:
        predicted = "refused"
    before = _snapshot(root)
    try:
        with transaction.atomic():
            new = _perform(op, step, products, model)
    except OrderError as error:
        assert predicted == "refused", f"{op}: the service refused ({error}) what the rules allow"
        assert _snapshot(root) == before, f"{op}: a refusal changed rows"
        event(f"{step.kind} refused")
        return model
    assert predicted is None, f"{op}: the service did what the rules refuse"
    event(f"{step.kind} done")
    if step.kind == "split":
        trial.orders[new.pk] = child
    elif step.kind == "pay":
        assert not new.replayed, f"{op}: a new key replayed an earlier payment"
        trial.ledger[-1].pk = new.pk
    elif step.kind == "repeat":
        assert (new.pk, new.replayed) == (model.ledger[step.payment].pk, True), f"{op}: the repeat recorded again"
        assert _snapshot(root) == before, f"{op}: a repeated submission changed rows"
    return trial


# --- the checks ----------------------------------------------------------------------------------------------


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def _snapshot(root: Order) -> list:
    """Every row an operation could touch, in full."""
    family = _family(root)
    return [
        [model_to_dict(order) for order in family],
        list(OrderLine.objects.filter(order__in=family).order_by("pk").values()),
        list(Allocation.objects.order_by("pk").values()),
        list(OrderPayment.objects.filter(order__in=family).order_by("pk").values()),
        list(StockLevel.objects.order_by("pk").values()),
        OrderEvent.objects.count(),
        Message.objects.count(),
    ]


def _check(model: Model, root: Order) -> None:
    family = _family(root)
    assert sorted(model.orders) == [order.pk for order in family]
    for order in family:
        state = model.orders[order.pk]
        assert (order.status, order.payment_status) == (state.status, state.payment_status), order.number
        assert [_cents(x) for x in (order.shipping_fee, order.discount_amount, order.total_gross)] == [
            state.fee,
            state.discount,
            state.total,
        ], order.number
        assert _cents(order.amount_paid) == state.paid, order.number
        rows = order.lines.values_list(
            "position", "quantity", "quantity_canceled", "quantity_shipped", "discount_amount",
            "order_discount_share", "gross",
        )  # fmt: skip
        assert {r[0]: (*r[1:4], *(_cents(x) for x in r[4:])) for r in rows} == {
            position: line.as_row() for position, line in state.lines.items()
        }, order.number
    # Conservation, against what the edits and cancellations alone changed (splits move, never change).
    assert sum(_cents(order.total_gross) for order in family) == model.expected_total
    lines = OrderLine.objects.filter(order__in=family)
    units = Counter()
    for product_id, quantity, canceled in lines.values_list("product_id", "quantity", "quantity_canceled"):
        units[None if product_id is None else PRODUCT_INDEX[product_id]] += quantity - canceled
    assert +units == +model.expected_units
    paid_rows = sum(_cents(p) for p in OrderPayment.objects.filter(order__in=family).values_list("amount", flat=True))
    assert sum(_cents(order.amount_paid) for order in family) == paid_rows == model.payments
    reversed_ids = OrderPayment.objects.filter(order__in=family, kind=OrderPayment.Kind.REVERSAL)
    assert set(reversed_ids.values_list("reverses_id", flat=True)) == {p.pk for p in model.ledger if p.reversed}
    for name in ("gross", "net", "tax", "discount_amount", "order_discount_share"):
        assert not lines.filter(**{f"{name}__lt": 0}).exists(), name
    assert [(rule.name, found) for rule, found in run_all() if found] == []


PRODUCT_INDEX: dict[int, int] = {}  # product id -> index in the spec, for the example being run


class _Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(
    max_examples=int(os.environ.get("OMS_MONEY_EXAMPLES", "40")),
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],  # no "explain": minutes on a DB test
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=order_spec)
def test_random_operations_keep_money_and_units_as_the_model_says(spec, channel, customer, shop, tax_rate):
    try:
        with transaction.atomic():
            model, root, products = _place(spec, channel, customer)
            PRODUCT_INDEX.clear()
            PRODUCT_INDEX.update({product.pk: n for n, product in enumerate(products)})
            _check(model, root)
            for op in [*spec["payments"], *spec["operations"]]:
                model = _step(op, model, root, products)
                _check(model, root)
            raise _Rollback
    except _Rollback:
        pass
