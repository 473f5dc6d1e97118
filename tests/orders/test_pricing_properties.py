"""Property tests of order pricing: for any lines, discounts, tax rates and shipping, on both tax bases,
the totals are the sums of the rounded lines and every amount adds up."""

from decimal import Decimal
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from oms.money import CENT, ZERO, quantize, tax_split
from orders.models import Order
from orders.pricing import line_base, order_price
from orders.services.placement import LineInput, OrderInput, order_create
from tests import factories

RATES = [Decimal("0"), Decimal("9"), Decimal("21"), Decimal("5.5"), Decimal("7.75"), Decimal("19"), Decimal("100")]
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("9999.99"), places=2)
fractions = st.integers(min_value=0, max_value=100)


def _part(amount: Decimal, percent: int) -> Decimal:
    return (amount * percent / 100).quantize(CENT)


@st.composite
def priced_line(draw):
    quantity = draw(st.integers(min_value=1, max_value=50))
    unit_price = draw(prices)
    canceled = draw(st.integers(min_value=0, max_value=quantity - 1))
    return SimpleNamespace(
        quantity=quantity,
        quantity_canceled=canceled,
        quantity_active=quantity - canceled,
        unit_price=unit_price,
        discount_amount=_part(unit_price * (quantity - canceled), draw(fractions)),
        tax_rate=draw(st.sampled_from(RATES)),
    )


@st.composite
def priced_order(draw):
    lines = draw(st.lists(priced_line(), min_size=1, max_size=12))
    goods = sum((line_base(line) for line in lines), ZERO)
    order = SimpleNamespace(
        prices_include_tax=draw(st.booleans()),
        discount_amount=_part(goods, draw(fractions)),
        shipping_fee=draw(st.decimals(min_value=Decimal("0"), max_value=Decimal("99.99"), places=2)),
        shipping_tax_rate=draw(st.sampled_from(RATES)),
    )
    return order, lines


def two_places(*amounts: Decimal) -> bool:
    return all(amount == amount.quantize(CENT) for amount in amounts)


@settings(deadline=None)  # pure, but the shared 2-core machine stalls now and then
@given(priced_order())
def test_order_totals_are_the_sums_of_the_rounded_lines(case):
    # given
    order, lines = case
    # when
    order_price(order, lines)
    # then
    assert order.lines_gross == sum(line.gross for line in lines)
    assert order.total_net == sum(line.net for line in lines) + order.shipping_net
    assert order.total_tax == sum(line.tax for line in lines) + order.shipping_tax
    assert order.total_gross == order.lines_gross + order.shipping_gross
    assert order.total_net + order.total_tax == order.total_gross
    assert two_places(order.lines_gross, order.total_net, order.total_tax, order.total_gross)


@settings(deadline=None)  # pure, but the shared 2-core machine stalls now and then
@given(priced_order())
def test_every_line_is_rounded_once_and_net_plus_tax_is_gross(case):
    # given
    order, lines = case
    # when
    order_price(order, lines)
    # then
    for line in lines:
        assert line.net + line.tax == line.gross
        assert two_places(line.net, line.tax, line.gross, line.order_discount_share)
        assert line.gross >= 0 and line.tax >= 0
        amount = line_base(line) - line.order_discount_share
        assert (line.gross if order.prices_include_tax else line.net) == amount
        assert (line.net, line.tax, line.gross) == tax_split(
            amount=amount, rate=line.tax_rate, includes_tax=order.prices_include_tax
        )


@settings(deadline=None)  # pure, but the shared 2-core machine stalls now and then
@given(priced_order())
def test_discount_shares_add_up_to_the_order_discount_and_never_exceed_a_line(case):
    # given
    order, lines = case
    # when
    order_price(order, lines)
    # then
    assert sum(line.order_discount_share for line in lines) == order.discount_amount
    assert all(ZERO <= line.order_discount_share <= line_base(line) for line in lines)
    assert order.discount_total == sum(line.discount_amount + line.order_discount_share for line in lines)


@settings(deadline=None)  # pure, but the shared 2-core machine stalls now and then
@given(priced_order())
def test_shipping_is_priced_like_one_more_line(case):
    # given
    order, lines = case
    # when
    order_price(order, lines)
    # then
    assert order.shipping_net + order.shipping_tax == order.shipping_gross
    basis = order.shipping_gross if order.prices_include_tax else order.shipping_net
    assert basis == quantize(order.shipping_fee)


class StoredOrderPricingTests(TestCase):
    """The same properties on orders created through the real service and read back from the database."""

    @classmethod
    def setUpTestData(cls):
        cls.channel = factories.ChannelFactory()
        cls.customer = factories.AddressFactory().customer
        cls.products = [
            factories.ProductFactory(tax_rate=factories.TaxRateFactory(name=f"Rate {rate}", rate=rate))
            for rate in (Decimal("0"), Decimal("9"), Decimal("21"))
        ]

    @settings(max_examples=25, deadline=None)
    @given(priced_order())
    def test_stored_totals_are_the_sums_of_the_stored_lines(self, case):
        # given
        order_case, lines = case
        data = OrderInput(
            channel=self.channel,
            customer=self.customer,
            lines=[
                LineInput(
                    product=self.products[i % 3],
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    discount_amount=_part(line.unit_price * line.quantity, 50) if line.discount_amount else ZERO,
                )
                for i, line in enumerate(lines)
            ],
            shipping_fee=order_case.shipping_fee,
        )
        # when
        order = Order.objects.get(pk=order_create(data=data, actor=None).pk)
        # then
        stored = list(order.lines.all())
        assert order.lines_gross == sum(line.gross for line in stored)
        assert order.total_net == sum(line.net for line in stored) + order.shipping_net
        assert order.total_tax == sum(line.tax for line in stored) + order.shipping_tax
        assert order.total_gross == order.lines_gross + order.shipping_gross
        assert all(line.net + line.tax == line.gross for line in stored)
