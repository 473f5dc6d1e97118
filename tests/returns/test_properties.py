"""Property test of shipments, returns and credits against a model that knows the rules (integer cents):

- a return takes at most shipped − returned units per line (more is refused and changes nothing);
- stock: on hand = received − shipped + restocked + quarantined − written off from quarantine, quarantined =
  into quarantine − released − written off, and every level equals its ledger (the invariant rules);
- a credit is the units' whole-cent share of the invoiced line (+ the shipping once), capped at what is paid
  and not credited yet: credited ≤ paid, always.
"""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from catalog.models import StockLevel
from invoicing.models import Invoice
from invoicing.services.drafts import invoice_create
from invoicing.services.issue import invoice_issue
from oms.invariants import run_all
from orders.exceptions import OrderError
from orders.services.payments import order_payment_record
from returns.models import Return, ReturnLine
from returns.services.quarantine import quarantine_resolve
from returns.services.returns import LineInput, return_create
from tests import factories

D = ReturnLine.Disposition
STOCK = 50
operation = st.one_of(
    st.tuples(st.just("ship"), st.integers(1, 6)),
    st.tuples(st.just("return"), st.integers(1, 6), st.sampled_from(D.values), st.booleans(), st.booleans()),
    st.tuples(st.just("quarantine"), st.sampled_from(["release", "write_off"]), st.integers(1, 4)),
)
spec_strategy = st.fixed_dictionaries(
    {"price": st.integers(1, 500_00), "quantity": st.integers(1, 8), "shipping": st.integers(0, 20_00),
     "paid_percent": st.sampled_from([0, 30, 100]), "invoice_first": st.booleans(),
     "operations": st.lists(operation, min_size=1, max_size=8)}
)  # fmt: skip


def cents(value: Decimal) -> int:
    return int(value * 100)


def share(gross_cents: int, units: int, of: int) -> int:
    return int((Decimal(gross_cents) * units / of).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


class _Rollback(Exception):
    pass


def _ship(model, order, line, units):
    units = min(units, model["qty"] - model["shipped"])
    if units:
        factories.ship(order.pk, {line.pk: units})
        model["shipped"] += units


def _credit_expected(model, units, shipping, credit) -> int:
    if not credit:
        return 0
    full = share(model["line_gross"], units, model["qty"])
    if shipping and not model["shipping_done"]:
        full += model["shipping_gross"]
    creditable = min(model["paid"], model["total"]) - model["credited"]
    return max(min(full, creditable), 0)


def _return(model, order, line, location, reason, units, disposition, credit, shipping):
    if units > model["shipped"] - model["returned"]:
        before = (Return.objects.count(), list(StockLevel.objects.values_list("on_hand", "quarantined")))
        with pytest.raises(OrderError):
            return_create(order_id=order.pk, actor=None, create_credit=credit, refund_shipping=shipping,
                          lines=[LineInput(line.pk, units, reason.pk, disposition, location.pk)])  # fmt: skip
        assert (Return.objects.count(), list(StockLevel.objects.values_list("on_hand", "quarantined"))) == before
        return
    expected = _credit_expected(model, units, shipping, credit)
    ret = return_create(order_id=order.pk, actor=None, create_credit=credit, refund_shipping=shipping, notify=False,
                        lines=[LineInput(line.pk, units, reason.pk, disposition, location.pk)])  # fmt: skip
    assert cents(ret.credited_amount) == expected
    assert (ret.credit_invoice_id is not None) == (expected > 0)
    model["returned"] += units
    model["credited"] += expected
    if expected and shipping:
        model["shipping_done"] = True
    model[disposition] += units


def _quarantine(model, action, units):
    line = next(
        (x for x in ReturnLine.objects.filter(disposition=D.QUARANTINE).order_by("pk") if x.in_quarantine), None
    )
    if line is None:
        return
    if units > line.in_quarantine:
        with pytest.raises(OrderError):
            quarantine_resolve(line_id=line.pk, action=action, quantity=units, actor=None)
        return
    quarantine_resolve(line_id=line.pk, action=action, quantity=units, actor=None)
    model["q_" + action] += units


def _check(model, product, location, order):
    level = StockLevel.objects.get(product=product, location=location)
    on_hand = STOCK - model["shipped"] + model[D.RESTOCK] + model[D.QUARANTINE] - model["q_write_off"]
    quarantined = model[D.QUARANTINE] - model["q_release"] - model["q_write_off"]
    assert (level.on_hand, level.quarantined, level.allocated) == (
        on_hand,
        quarantined,
        model["qty"] - model["shipped"],
    )
    credits = Invoice.objects.filter(order=order, kind=Invoice.Kind.CREDIT)
    credited = sum(cents(c.total_gross) for c in credits)
    assert credited == model["credited"] <= model["paid"]
    assert [(rule.name, rows) for rule, rows in run_all() if rows] == []


def _setup(spec, place_order, tax_rate, location):
    product = factories.ProductFactory(unit_price=Decimal(spec["price"]) / 100, tax_rate=tax_rate)
    factories.stock(product, location, STOCK)
    order = place_order([(product, spec["quantity"])], shipping_fee=Decimal(spec["shipping"]) / 100)
    if spec["invoice_first"]:
        invoice_issue(invoice_id=invoice_create(order_id=order.pk).pk)
    paid = cents(order.total_gross) * spec["paid_percent"] // 100
    if paid:
        order_payment_record(order_id=order.pk, amount=Decimal(paid) / 100, method="card")
    line = order.lines.get()
    model = {"qty": spec["quantity"], "shipped": 0, "returned": 0, "credited": 0, "paid": paid,
             "total": cents(order.total_gross), "line_gross": cents(line.gross),
             "shipping_gross": cents(order.shipping_gross),
             "shipping_done": False, "q_release": 0, "q_write_off": 0, **dict.fromkeys(D.values, 0)}  # fmt: skip
    return product, order, line, model


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
@given(spec=spec_strategy)
def test_shipments_returns_and_credits_follow_the_model(spec, place_order, tax_rate, location, shop):
    from returns.models import ReturnReason

    reason = ReturnReason.objects.get(code="damaged")
    try:
        with transaction.atomic():
            product, order, line, model = _setup(spec, place_order, tax_rate, location)
            for op in spec["operations"]:
                if op[0] == "ship":
                    _ship(model, order, line, op[1])
                elif op[0] == "return":
                    _return(model, order, line, location, reason, *op[1:])
                else:
                    _quarantine(model, op[1], op[2])
                _check(model, product, location, order)
            raise _Rollback
    except _Rollback:
        pass
