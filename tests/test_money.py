from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oms.money import CENT, allocate, quantize, tax_split

amounts = st.decimals(min_value=Decimal("-10000"), max_value=Decimal("10000"), places=2)
weights = st.lists(st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=2), min_size=1, max_size=30)
rates = st.sampled_from([Decimal("0"), Decimal("9"), Decimal("21"), Decimal("5.5"), Decimal("7.7"), Decimal("19")])


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("0.005", "0.01"), ("0.0049", "0.00"), ("2.675", "2.68"), ("-0.005", "-0.01"), ("1", "1.00")],
)
def test_quantize_rounds_half_up_to_the_cent(amount, expected):
    assert quantize(Decimal(amount)) == Decimal(expected)
    assert quantize(Decimal(amount)).as_tuple().exponent == -2


@given(amount=amounts, weights=weights)
def test_allocated_parts_always_add_up_to_the_amount(amount, weights):
    parts = allocate(amount, weights)
    assert len(parts) == len(weights)
    assert sum(parts, Decimal(0)) == amount
    assert all(part == part.quantize(CENT) for part in parts)


@given(amount=amounts, weights=weights)
def test_each_part_is_within_a_cent_of_its_exact_share(amount, weights):
    parts = allocate(amount, weights)
    total = sum(weights, Decimal(0))
    for part, weight in zip(parts, weights, strict=True):
        exact = amount * weight / total if total else amount / len(weights)
        assert abs(part - exact) < CENT


@given(amount=amounts, count=st.integers(min_value=1, max_value=20))
def test_zero_weights_share_the_amount_equally(amount, count):
    parts = allocate(amount, [Decimal(0)] * count)
    assert sum(parts, Decimal(0)) == amount
    assert max(parts) - min(parts) <= CENT


@given(amount=st.decimals(min_value=Decimal("0"), max_value=Decimal("10000"), places=2), weights=weights)
def test_a_positive_amount_never_gets_a_negative_part(amount, weights):
    assert all(part >= 0 for part in allocate(amount, weights))


def test_allocating_over_no_weights_gives_nothing():
    assert allocate(Decimal("10.00"), []) == []


@given(amount=st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2), rate=rates)
def test_tax_split_net_plus_tax_is_gross_both_ways(amount, rate):
    for includes_tax in (True, False):
        net, tax, gross = tax_split(amount=amount, rate=rate, includes_tax=includes_tax)
        assert net + tax == gross
        assert (gross if includes_tax else net) == amount
        assert all(value.as_tuple().exponent == -2 for value in (net, tax, gross))
        assert tax >= 0


def test_equal_remainders_go_to_the_earliest_weights_whatever_the_size_of_the_parts():
    # 4 cents over 1 : 1 : 4 are 0.67, 0.67 and 2.67 cents: three equal remainders, two cents left for the
    # first two weights. (Decimal division rounds 2/3 and 8/3 differently and handed one to the third.)
    assert allocate(Decimal("0.04"), [Decimal(1), Decimal(1), Decimal(4)]) == [
        Decimal("0.01"),
        Decimal("0.01"),
        Decimal("0.02"),
    ]


def test_negative_weights_are_refused():
    with pytest.raises(ValueError, match="cannot be negative"):
        allocate(Decimal("1.00"), [Decimal(1), Decimal(-1)])
