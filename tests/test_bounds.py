"""oms.bounds: what counts as a whole number, an amount and storable text."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from oms.bounds import QUANTITY_MAX, StrictIntegerField, parse_amount, parse_quantity, text_problem


@given(st.integers(min_value=1, max_value=QUANTITY_MAX))
def test_a_plain_whole_number_within_bounds_is_read_as_itself(number):
    assert parse_quantity(str(number), label="Quantity") == number
    assert StrictIntegerField().clean(str(number)) == number


@pytest.mark.parametrize("text", ["1.0", " 3 ", "3 ", "1e3", "", "0x10", "١٢", "0", "100001", "9" * 5000, "--1"])
def test_anything_else_is_refused_naming_the_field(text):
    with pytest.raises(ValidationError) as refused:
        parse_quantity(text, label="Quantity of 'Mug'")
    assert "Quantity of 'Mug'" in refused.value.messages[0]


@pytest.mark.parametrize(
    "text", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "1e400", "", "0.001", "abc", "1000000.01"]
)
def test_an_amount_must_be_finite_with_two_decimals_and_within_bounds(text):
    with pytest.raises(ValidationError) as refused:
        parse_amount(text, label="Price", maximum=Decimal("1000000.00"))
    assert refused.value.messages[0].startswith("Price:")


def test_an_amount_is_read_with_a_comma_or_a_point():
    assert parse_amount("12,5", label="Price", maximum=Decimal("100")) == Decimal("12.50")


@pytest.mark.parametrize(
    ("text", "multiline", "refused"),
    [
        ("Ann Smit", False, False),
        ("line one\nline two\ttab", True, False),
        ("line one\nline two", False, True),
        ("A\x00B", True, True),
        ("bell\x07", True, True),
        ("\ud800", True, True),
        ("emoji 🙂 ok", False, False),
    ],
)
def test_text_refuses_nul_control_characters_and_lone_surrogates(text, multiline, refused):
    assert (text_problem(text, multiline=multiline) is not None) is refused
