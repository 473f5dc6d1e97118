"""order_line_add_locked: a product line added to a placed (even shipped) order under the caller's lock, with an
allowance that comes off its gross (exchanges): reserved through the ledger, money as computed here by hand."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import StockLevel, StockMovement
from orders.exceptions import OrderValidationError, StockUnavailable
from orders.models import Allocation, Order, OrderLine
from orders.services.line_add import order_line_add_locked
from orders.services.locks import order_lock
from orders.services.payments import order_payment_record
from tests import factories

pytestmark = pytest.mark.django_db
C = Decimal("0.01")


def add(order, product, quantity, allowance=Decimal("0")):
    with transaction.atomic():
        locked = order_lock(order.pk, operation="return", extra_product_ids=[product.pk])
        return order_line_add_locked(locked=locked, product_id=product.pk, quantity=quantity, allowance=allowance)


@pytest.fixture
def shipped_paid(place_order, product, location):
    factories.stock(product, location, 10)
    order = place_order([(product, 2)])
    order_payment_record(order_id=order.pk, amount=order.total_gross, method="bank_transfer")
    line = order.lines.get()
    factories.ship(order.pk, {line.pk: 2})
    order.refresh_from_db()
    assert order.fulfillment_status == Order.FulfillmentStatus.FULFILLED
    return order


def test_a_dearer_line_on_a_shipped_order_is_reserved_and_only_the_difference_is_owed(shipped_paid, tax_rate, location):
    # given a shipped, paid order of 2 × 12.50 (gross prices) and a dearer product with stock
    big = factories.ProductFactory(sku="BIG", unit_price=Decimal("30.00"), tax_rate=tax_rate)
    level = factories.stock(big, location, 3)
    total_before = shipped_paid.total_gross
    # when one unit is added with the 12.50 of a returned mug as allowance
    added = add(shipped_paid, big, 1, Decimal("12.50"))
    # then the line costs 30.00 − 12.50 and the order's total grows by exactly that
    order = Order.objects.get(pk=shipped_paid.pk)
    assert added.full_gross == Decimal("30.00") and added.allowance_used == Decimal("12.50")
    assert added.line.gross == Decimal("17.50") and added.line.discount_amount == Decimal("12.50")
    assert order.total_gross == total_before + Decimal("17.50")
    assert order.balance_due == Decimal("17.50")
    assert order.payment_status == Order.PaymentStatus.PARTIALLY_PAID
    assert order.fulfillment_status == Order.FulfillmentStatus.PARTIALLY_FULFILLED
    # and the unit is reserved through the ledger
    level.refresh_from_db()
    assert level.allocated == 1 and Allocation.objects.get(line=added.line).quantity == 1
    movement = StockMovement.objects.filter(level=level).order_by("-pk").first()
    assert movement.kind == StockMovement.Kind.ALLOCATION and movement.allocated_delta == 1


def test_a_cheaper_line_costs_nothing_and_the_unused_allowance_is_returned(shipped_paid, tax_rate, location):
    cheap = factories.ProductFactory(sku="CHEAP", unit_price=Decimal("8.00"), tax_rate=tax_rate)
    factories.stock(cheap, location, 1)
    total_before = shipped_paid.total_gross
    added = add(shipped_paid, cheap, 1, Decimal("12.50"))
    assert added.line.gross == Decimal("0.00") and added.allowance_used == Decimal("8.00")
    assert Order.objects.get(pk=shipped_paid.pk).total_gross == total_before


def test_no_stock_refuses_and_changes_nothing(shipped_paid, tax_rate, location):
    other = factories.ProductFactory(sku="NONE", unit_price=Decimal("5.00"), tax_rate=tax_rate)
    before = (
        Order.objects.get(pk=shipped_paid.pk).total_gross,
        OrderLine.objects.count(),
        StockMovement.objects.count(),
    )
    with pytest.raises(StockUnavailable):
        add(shipped_paid, other, 1)
    after = (
        Order.objects.get(pk=shipped_paid.pk).total_gross,
        OrderLine.objects.count(),
        StockMovement.objects.count(),
    )
    assert before == after


@pytest.mark.parametrize("quantity", [0, -1, 10**9])
def test_a_quantity_out_of_bounds_is_refused_naming_the_field(shipped_paid, product, quantity):
    with pytest.raises(OrderValidationError) as refused:
        add(shipped_paid, product, quantity)
    assert refused.value.details == {"field": "quantity"}


@pytest.mark.parametrize("allowance", [Decimal("NaN"), Decimal("Infinity"), Decimal("-1")])
def test_an_unusable_allowance_is_refused(shipped_paid, product, allowance):
    with pytest.raises(OrderValidationError):
        add(shipped_paid, product, 1, allowance)


def _gross_by_hand(price: Decimal, qty: int, rate: Decimal, discount: Decimal, includes_tax: bool) -> Decimal:
    amount = (price * qty - discount).quantize(C, ROUND_HALF_UP)
    if includes_tax:
        return amount
    return amount + (amount * rate / 100).quantize(C, ROUND_HALF_UP)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    price=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2),
    quantity=st.integers(min_value=1, max_value=5),
    rate=st.sampled_from([Decimal("0"), Decimal("9"), Decimal("21"), Decimal("7.7")]),
    allowance=st.decimals(min_value=Decimal("0"), max_value=Decimal("3000"), places=2),
    includes_tax=st.booleans(),
)
def test_the_allowance_used_is_never_more_than_offered_and_at_most_a_cent_short(
    place_order, location, price, quantity, rate, allowance, includes_tax
):
    # given a placed order (its money basis chosen) and a product at a random price and tax rate
    tax = factories.TaxRateFactory(name=f"r{rate}", rate=rate)
    product = factories.ProductFactory(unit_price=price, tax_rate=tax)
    factories.stock(product, location, quantity)
    other = factories.ProductFactory(unit_price=Decimal("1.00"), tax_rate=tax)
    factories.stock(other, location, 1)
    order = place_order([(other, 1)])
    factories.ship(order.pk, {order.lines.get().pk: 1})  # exchanges come with returns: only a shipped order
    Order.objects.filter(pk=order.pk).update(prices_include_tax=includes_tax)
    order.refresh_from_db()
    total_before = order.total_gross
    # when
    added = add(order, product, quantity, allowance)
    # then the full gross and the line's gross are what the rounding rules give by hand
    line = OrderLine.objects.get(pk=added.line.pk)
    assert added.full_gross == _gross_by_hand(price, quantity, rate, Decimal(0), includes_tax)
    assert line.gross == _gross_by_hand(price, quantity, rate, line.discount_amount, includes_tax)
    used = added.full_gross - line.gross
    assert used == added.allowance_used and Decimal(0) <= used <= allowance
    assert used >= min(allowance, added.full_gross) - C  # net prices may leave one cent unused
    assert Order.objects.get(pk=order.pk).total_gross == total_before + line.gross
    assert StockLevel.objects.get(product=product, location=location).allocated == quantity
