"""Figures are written as their quantized value's text, whichever way the text is arrived at."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.reconciliation.figures import MONEY, TONNES, money, tonnes


def _quantized(places: Decimal) -> Callable[[Decimal], str]:
    return lambda value: str(value.quantize(places, ROUND_HALF_EVEN))


def _same(figure: Callable[[Decimal], str], places: Decimal, value: Decimal) -> None:
    try:
        expected = _quantized(places)(value)
    except InvalidOperation:
        with pytest.raises(InvalidOperation):
            figure(value)
    else:
        assert figure(value) == expected


_decimals = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    st.builds(lambda digits, exponent, negative: Decimal((negative, tuple(digits), exponent)),
              st.lists(st.integers(0, 9), min_size=1, max_size=32), st.integers(-12, 8), st.booleans()),
)


@settings(max_examples=2000)
@given(_decimals)
def test_money_and_tonnes_are_the_quantized_text(value: Decimal) -> None:
    _same(money, MONEY, value)
    _same(tonnes, TONNES, value)


@pytest.mark.parametrize(
    "text",
    [
        "0.00", "-0.00", "0.000", "-0.000", "1.00", "1.000", "126360000.00", "84281.940", "1.5", "1", "10",
        "1E+2", "1.00E+5", "1.00E-8", "1.000E+10", "12.345", "12.3456", "-0.005", "0.0050",
        "99999999999999999.99", "999999999999999999.99", "9999999999999999999999999999.00",
        "12345678901234567890123456789.00", "NaN", "-Infinity", "Infinity",
    ],
)
def test_edge_cases(text: str) -> None:
    _same(money, MONEY, Decimal(text))
    _same(tonnes, TONNES, Decimal(text))
