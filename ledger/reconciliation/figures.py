"""How report figures are rounded and written: fixed places, named rounding modes, decimal strings."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

MONEY = Decimal("0.01")
TONNES = Decimal("0.001")
FACTOR = Decimal("0.000001")
PERCENT = Decimal("0.01")
INTENSITY = Decimal("0.000001")
ZERO = Decimal(0)

# The rounding mode is passed positionally: the C implementation parses a keyword argument in about as
# long as it takes to quantize, and reports format tens of thousands of figures.

#: ``money`` and ``tonnes`` return a value's own text when it already has their number of places: a
#: plain decimal string (str() writes one whenever the exponent is -2 or -3) with its point that far
#: from the end, which a number in exponent notation never has. Quantizing it would give the same
#: value and text. Short texts only (at most 19 digits), so that quantizing could not have raised
#: for want of precision either.
_SHORT = 20


def money(value: Decimal) -> str:
    text = str(value)
    if 3 <= len(text) <= _SHORT and text[-3] == ".":
        return text  # already at two places, as every stored amount is
    return str(value.quantize(MONEY, ROUND_HALF_EVEN))


def tonnes(value: Decimal) -> str:
    text = str(value)
    if 4 <= len(text) <= _SHORT and text[-4] == ".":
        return text  # already at three places, as every stored tonnage is
    return str(value.quantize(TONNES, ROUND_HALF_EVEN))


def financed_tonnes(value: Decimal) -> Decimal:
    """Attributed reductions round down, so attributions never add up to more than was verified."""
    return value.quantize(TONNES, ROUND_DOWN)


def factor(value: Decimal) -> str:
    return str(value.quantize(FACTOR, ROUND_HALF_EVEN))


def percent(value: Decimal) -> str:
    return str(value.quantize(PERCENT, ROUND_HALF_EVEN))


def ratio(numerator: Decimal, denominator: Decimal, places: Decimal) -> str | None:
    """``numerator / denominator`` rounded half-even, or None when the denominator is zero."""
    if denominator == 0:
        return None
    return str((numerator / denominator).quantize(places, ROUND_HALF_EVEN))
