"""Fuzzing the text forms of DESIGN §3: decimal strings, RFC 3339 UTC times, base64 and canonical JSON.

Whatever they are given, the parsers answer with a value or their documented error, never anything
else; what they accept has exactly one spelling, so it round-trips to the very text it came from.
"""

from __future__ import annotations

import base64
import json
from datetime import timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import errors
from ledger.crypto.canonical import (
    MONEY_PLACES,
    TCO2E_PLACES,
    b64decode,
    b64encode,
    canonical_json,
    format_timestamp,
    parse_decimal,
    parse_timestamp,
)

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
any_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text | st.binary(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text | st.integers(), inner, max_size=3),
    max_leaves=12,
)
#: Texts near the accepted forms: digits, signs, dots, exponents, spaces, non-ASCII digits.
decimal_like = st.text(alphabet="0123456789-+.eE _\n٣١", max_size=24)
timestamp_like = st.builds(
    lambda body, tail: body + tail,
    st.datetimes(timezones=st.just(timezone.utc)).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S")),
    st.text(alphabet="0123456789.Zz+-:T ", max_size=12),
) | st.text(alphabet="0123456789-:TZ.", max_size=32)
base64_like = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n", max_size=24)


@pytest.mark.parametrize("places", [MONEY_PLACES, TCO2E_PLACES])
@given(value=any_value | decimal_like, negative=st.booleans())
@FUZZ
def test_decimals_parse_to_their_own_spelling_or_are_refused(places: int, value: object, negative: bool) -> None:
    try:
        parsed = parse_decimal(value, places=places, field="amount", allow_negative=negative)
    except errors.InvalidDecimal as exc:
        assert exc.field == "amount" and exc.detail
        return
    assert isinstance(parsed, Decimal) and parsed.is_finite()
    # One spelling per value and scale: the accepted text is exactly the decimal's own plain form.
    assert format(parsed, "f") == value
    assert -parsed.as_tuple().exponent <= places
    assert negative or parsed >= 0
    assert parsed != 0 or not value.startswith("-")  # type: ignore[union-attr]


@pytest.mark.parametrize("places", [MONEY_PLACES, TCO2E_PLACES])
@given(value=st.decimals(min_value=-(10**15), max_value=10**15, allow_nan=False, allow_infinity=False))
@FUZZ
def test_fixed_place_decimals_round_trip(places: int, value: Decimal) -> None:
    text = f"{value:.{places}f}"
    if text.startswith("-") and Decimal(text) == 0:
        text = text[1:]  # "-0.00" is refused: zero has one spelling
    assert f"{parse_decimal(text, places=places, field='x', allow_negative=True):.{places}f}" == text


@given(any_value | timestamp_like)
@FUZZ
def test_timestamps_parse_to_utc_or_are_refused(value: object) -> None:
    try:
        parsed = parse_timestamp(value, field="signed_at")
    except errors.InvalidTimestamp as exc:
        assert exc.field == "signed_at" and exc.detail
        return
    assert isinstance(value, str) and value.endswith("Z") and value.isascii()
    assert parsed.tzinfo is timezone.utc
    # The canonical form names the same instant, and is itself accepted unchanged.
    canonical = format_timestamp(parsed)
    assert parse_timestamp(canonical, field="x") == parsed
    assert canonical[:19] == value[:19]


@given(st.datetimes(timezones=st.just(timezone.utc)), st.integers(0, 6))
@FUZZ
def test_timestamps_with_any_number_of_fraction_digits_round_trip(moment, digits: int) -> None:
    moment = moment.replace(microsecond=moment.microsecond // 10 ** (6 - digits) * 10 ** (6 - digits))
    text = format_timestamp(moment)[:19] + ("." + f"{moment.microsecond:06d}"[:digits] if digits else "") + "Z"
    assert parse_timestamp(text, field="x") == moment


@given(any_value | base64_like, st.none() | st.integers(0, 40))
@FUZZ
def test_base64_decodes_to_its_one_encoding_or_is_refused(value: object, length: int | None) -> None:
    try:
        data = b64decode(value, field="signature", length=length)
    except errors.InvalidBase64 as exc:
        assert exc.field == "signature" and exc.detail
        return
    assert b64encode(data) == value
    assert length is None or len(data) == length


@given(st.binary(max_size=100))
@FUZZ
def test_base64_round_trips_every_byte_string(data: bytes) -> None:
    text = b64encode(data)
    assert text == base64.b64encode(data).decode()
    assert b64decode(text, field="x", length=len(data)) == data


@given(any_value)
@FUZZ
def test_canonical_json_encodes_exactly_or_refuses(value: object) -> None:
    try:
        encoded = canonical_json(value, path="envelope")
    except errors.NonCanonicalValue as exc:
        assert exc.field is not None and exc.field.startswith("envelope") and exc.detail
        return
    decoded = json.loads(encoded)
    assert decoded == value
    assert canonical_json(decoded) == encoded
