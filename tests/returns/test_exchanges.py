"""Exchanges: the replacement is a new order line reserved through the ledger; only the difference is invoiced
(a supplementary debit invoice) or credited (a credit invoice), amounts computed here independently."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import StockLevel, StockMovement
from invoicing.models import Invoice
from oms.invariants import run_all
from orders.exceptions import OrderValidationError, StockUnavailable
from orders.models import Order, OrderEvent, OrderLine
from returns.models import Return, ReturnExchange, ReturnLine
from returns.services.returns import LineInput, return_create
from tests import factories
from tests.returns.conftest import lines_of

pytestmark = pytest.mark.django_db
D = ReturnLine.Disposition
CENT = Decimal("0.01")


def share(gross: Decimal, units: int, of: int) -> Decimal:
    return (gross * units / of).quantize(CENT, rounding=ROUND_HALF_UP)


def broken():
    return {rule.name: rows for rule, rows in run_all() if rows}


def product(sku: str, price: str, tax_rate, location, units: int = 5):
    item = factories.ProductFactory(sku=sku, name=sku.title(), unit_price=Decimal(price), tax_rate=tax_rate)
    if units:
        factories.stock(item, location, units)
    return item


def exchange(order, line, units, replacement, quantity, *, actor, reason, location, other_lines=()):
    return return_create(
        order_id=order.pk, actor=actor,
        lines=[LineInput(line.pk, units, reason.pk, D.RESTOCK, location.pk, exchange_product_id=replacement.pk,
                         exchange_quantity=quantity), *other_lines],
    )  # fmt: skip


def state():
    return (
        list(StockLevel.objects.order_by("pk").values_list("on_hand", "allocated", "quarantined")),
        StockMovement.objects.count(), OrderLine.objects.count(), Invoice.objects.count(), Return.objects.count(),
        list(Order.objects.order_by("pk").values_list("total_gross", "payment_status")),
    )  # fmt: skip


def test_a_dearer_replacement_is_reserved_and_only_the_difference_is_invoiced(paid, tax_rate, location, reason, desk):
    # given a paid, invoiced order of 3 mugs (12.50, gross prices) and a larger mug at 16.00 with stock
    xl = product("MUG-XL", "16.00", tax_rate, location)
    mug_line = lines_of(paid)["MUG-1"]
    debit = Invoice.objects.get(order=paid, kind="debit")
    returned = share(debit.lines.get(sku="MUG-1").gross, 1, 3)  # 12.50
    total_before = paid.total_gross
    # when one mug is exchanged for one XL
    ret = exchange(paid, mug_line, 1, xl, 1, actor=desk, reason=reason, location=location)
    # then the XL is a new line at 16.00 less the mug's 12.50, reserved through the ledger
    ex = ReturnExchange.objects.get(return_line__return_record=ret)
    assert (ex.returned_value, ex.replacement_value) == (returned, Decimal("16.00"))
    assert (ex.allowance_used, ex.owed, ex.credited) == (returned, Decimal("16.00") - returned, Decimal("0.00"))
    line = ex.replacement_line
    assert (line.sku, line.quantity, line.unit_price, line.gross) == ("MUG-XL", 1, Decimal("16.00"), Decimal("3.50"))
    xl_level = StockLevel.objects.get(product=xl, location=location)
    assert (xl_level.on_hand, xl_level.allocated) == (5, 1)
    assert StockMovement.objects.filter(level=xl_level, kind="allocation", allocated_delta=1).count() == 1
    # and only the difference is billed: a supplementary invoice of 3.50; the mug is not credited
    supplement = ex.debit_invoice
    assert supplement.kind == "debit" and supplement.number and supplement.total_gross == Decimal("3.50")
    assert ret.credit_invoice is None and not Invoice.objects.filter(kind="credit").exists()
    paid.refresh_from_db()
    assert paid.total_gross == total_before + Decimal("3.50") and paid.balance_due == Decimal("3.50")
    assert paid.fulfillment_status == Order.FulfillmentStatus.PARTIALLY_FULFILLED
    event = OrderEvent.objects.filter(order=paid, type="return_exchanged").get()
    assert event.actor == desk and event.parameters["owed"] == "3.50"
    assert broken() == {}


def test_a_cheaper_replacement_costs_nothing_and_the_rest_is_credited(paid, tax_rate, location, reason, desk):
    # given
    small = product("MUG-S", "8.00", tax_rate, location)
    mug_line = lines_of(paid)["MUG-1"]
    total_before = paid.total_gross
    # when two mugs (25.00) are exchanged for one small mug (8.00)
    ret = exchange(paid, mug_line, 2, small, 1, actor=desk, reason=reason, location=location)
    # then the small mug's line is worth nothing more and 25.00 − 8.00 is credited
    ex = ReturnExchange.objects.get(return_line__return_record=ret)
    assert ex.replacement_line.gross == Decimal("0.00") and ex.allowance_used == Decimal("8.00")
    assert ex.credited == Decimal("17.00") and ex.owed == Decimal("0.00") and ex.debit_invoice is None
    credit = ex.credit_invoice
    assert credit.kind == "credit" and credit.total_gross == Decimal("17.00")
    assert Invoice.objects.filter(kind="debit").count() == 1
    paid.refresh_from_db()
    assert paid.total_gross == total_before
    assert broken() == {}


def test_a_return_with_an_exchange_and_a_plain_line_credits_only_the_plain_line(
    paid, stocked, tax_rate, location, reason, desk
):
    xl = product("MUG-XL", "16.00", tax_rate, location)
    lines = lines_of(paid)
    debit = Invoice.objects.get(order=paid, kind="debit")
    book_share = share(debit.lines.get(sku="BOOK-1").gross, 1, 2)
    plain = LineInput(lines["BOOK-1"].pk, 1, reason.pk, D.RESTOCK, location.pk)
    ret = exchange(paid, lines["MUG-1"], 1, xl, 1, actor=desk, reason=reason, location=location, other_lines=[plain])
    assert ret.credit_invoice.total_gross == book_share
    assert {line.sku for line in ret.credit_invoice.lines.all()} == {"BOOK-1"}
    assert ReturnExchange.objects.get(return_line__return_record=ret).debit_invoice.total_gross == Decimal("3.50")
    assert broken() == {}


def test_an_order_not_invoiced_yet_carries_the_replacement_on_its_invoice_later(
    shipped, tax_rate, location, reason, desk
):
    # given a shipped order, neither invoiced nor paid
    xl = product("MUG-XL", "16.00", tax_rate, location)
    total_before = shipped.total_gross
    ret = exchange(shipped, lines_of(shipped)["MUG-1"], 1, xl, 1, actor=desk, reason=reason, location=location)
    ex = ReturnExchange.objects.get(return_line__return_record=ret)
    assert ex.debit_invoice is None and ex.owed == Decimal("3.50")
    assert not Invoice.objects.exists()
    shipped.refresh_from_db()
    assert shipped.total_gross == total_before + Decimal("3.50")
    # when the order is invoiced, the replacement line is on it at its discounted price
    from tests.invoicing.helpers import issued

    invoice = issued(shipped, desk)
    assert invoice.total_gross == shipped.total_gross
    assert invoice.lines.get(sku="MUG-XL").gross == Decimal("3.50")


def test_no_stock_for_the_replacement_refuses_and_changes_nothing(paid, tax_rate, location, reason, desk):
    none = product("MUG-NONE", "16.00", tax_rate, location, units=0)
    before = state()
    with pytest.raises(StockUnavailable):
        exchange(paid, lines_of(paid)["MUG-1"], 1, none, 1, actor=desk, reason=reason, location=location)
    assert state() == before


@pytest.mark.parametrize(
    "product_id, quantity",
    [("999999", 1), ("x", 1), ("12345678901234", 1), ("{xl}", 0), ("{xl}", "NaN"), ("{xl}", "1e9")],
)
def test_a_bad_replacement_is_refused_naming_the_field(paid, tax_rate, location, reason, desk, product_id, quantity):
    xl = product("MUG-XL", "16.00", tax_rate, location)
    raw = str(xl.pk) if product_id == "{xl}" else product_id
    before = state()
    with pytest.raises(OrderValidationError) as refused:
        return_create(
            order_id=paid.pk, actor=desk,
            lines=[LineInput(lines_of(paid)["MUG-1"].pk, 1, reason.pk, D.RESTOCK, location.pk,
                             exchange_product_id=raw, exchange_quantity=quantity)],
        )  # fmt: skip
    assert refused.value.details == {"field": "exchange"}
    assert state() == before


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    price=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("200"), places=2),
    quantity=st.integers(min_value=1, max_value=3),
    units=st.integers(min_value=1, max_value=3),
)
def test_money_is_conserved_whatever_the_prices(paid, tax_rate, location, reason, desk, price, quantity, units):
    """What the customer pays on top minus what is credited back = replacement at catalogue price − returned
    value, to the cent; the order's invoices together ask exactly its total; the invariants hold."""
    # given (each example on the same paid order: the mugs left to return shrink, so stop when none are left)
    mug_line = lines_of(paid)["MUG-1"]
    from returns.selectors import returned_units

    left = mug_line.quantity_shipped - returned_units(paid.pk)[mug_line.pk]
    if left < units:
        return
    item = product(f"R-{price}-{quantity}-{left}", str(price), tax_rate, location, units=quantity)
    debit = Invoice.objects.get(order=paid, kind="debit", credit_for__isnull=True, lines__sku="MUG-1")
    returned = share(debit.lines.get(sku="MUG-1").gross, units, 3)
    replacement = (price * quantity).quantize(CENT, rounding=ROUND_HALF_UP)  # gross prices: the gross is the price
    paid.refresh_from_db()
    total_before, paid_before = paid.total_gross, paid.amount_paid
    # when
    ret = exchange(paid, mug_line, units, item, quantity, actor=desk, reason=reason, location=location)
    # then
    ex = ReturnExchange.objects.get(return_line__return_record=ret)
    assert ex.returned_value == returned and ex.replacement_value == replacement
    assert ex.owed == max(replacement - returned, Decimal(0))
    assert ex.owed - ex.credited == replacement - returned  # enough was paid to credit the whole rest
    assert ex.allowance_used + ex.credited == returned
    paid.refresh_from_db()
    assert paid.total_gross - total_before == ex.owed and paid.amount_paid == paid_before
    live = Invoice.objects.filter(order=paid, status__in=Invoice.LIVE)
    asked = sum(i.total_gross - i.amount_credited for i in live.filter(kind="debit"))
    credited = sum(i.total_gross for i in live.filter(kind="credit"))
    assert asked == paid.total_gross - credited
    assert broken() == {}
