"""Canonical JSON (RFC 8785 examples), decimal strings, timestamps and base64."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.crypto.canonical import (
    DECIMAL_PATTERN,
    MAX_DEPTH,
    MONEY_PLACES,
    TCO2E_PLACES,
    b64decode,
    b64encode,
    canonical_json,
    format_timestamp,
    parse_decimal,
    parse_timestamp,
)
from ledger.errors import (
    InvalidBase64,
    InvalidDecimal,
    InvalidTimestamp,
    NonCanonicalValue,
)

# --- RFC 8785 ---------------------------------------------------------------------------------

# RFC 8785 §3.2.2, the input sample as printed, minus its "numbers" member (we accept no
# fractions; see test_rfc8785_sample_numbers_are_refused).
RFC8785_322_INPUT = r"""{
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"""
RFC8785_322_OUTPUT = (
    '{"literals":[null,true,false],"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
)


def test_rfc8785_322_strings_and_literals() -> None:
    assert canonical_json(json.loads(RFC8785_322_INPUT)) == RFC8785_322_OUTPUT.encode("utf-8")


def test_rfc8785_sample_numbers_are_refused() -> None:
    sample = json.loads('{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001]}')
    with pytest.raises(NonCanonicalValue) as caught:
        canonical_json(sample, path="envelope.payload")
    assert caught.value.field == "envelope.payload.numbers.0"


# RFC 8785 §3.2.3, the sorting example: keys order by their UTF-16 code units, so the
# emoji (a surrogate pair, D83D DE00) sorts before U+FB33.
RFC8785_323_INPUT = r"""{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"""
RFC8785_323_ORDER = [
    "Carriage Return",
    "One",
    "Control",
    "Latin Small Letter O With Diaeresis",
    "Euro Sign",
    "Emoji: Grinning Face",
    "Hebrew Letter Dalet With Dagesh",
]


def test_rfc8785_323_sorting_by_utf16_code_units() -> None:
    encoded = canonical_json(json.loads(RFC8785_323_INPUT))
    # json.loads keeps member order, so the decoded values show the canonical order.
    assert list(json.loads(encoded).values()) == RFC8785_323_ORDER
    assert encoded.startswith(b'{"\\r":"Carriage Return","1":"One","\xc2\x80":"Control"')


def test_rfc8785_324_utf8_generation() -> None:
    # RFC 8785 §3.2.4: no Unicode normalization, plain UTF-8 out.
    expected = bytes.fromhex(
        "7b 22 55 6e 6e 6f 72 6d 61 6c 69 7a 65 64 20 55 6e 69 63 6f 64 65 22 3a 22 41 cc 8a 22 7d"
    )
    assert canonical_json({"Unnormalized Unicode": "A\u030a"}) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, b"0"),
        (-1, b"-1"),
        (2**53 - 1, b"9007199254740991"),
        (-(2**53) + 1, b"-9007199254740991"),
        ({"b": [1, {"d": None, "c": True}], "a": ""}, b'{"a":"","b":[1,{"c":true,"d":null}]}'),
        ("\u007f\u2028<>&", '"\u007f\u2028<>&"'.encode()),
        ([], b"[]"),
        ({}, b"{}"),
    ],
)
def test_canonical_encodings(value: object, expected: bytes) -> None:
    assert canonical_json(value) == expected


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (1.0, None),
        (float("nan"), None),
        (float("inf"), None),
        (2**53, None),
        (-(2**53), None),
        ({"a": {"b": [0, 1.5]}}, "a.b.1"),
        ({"a": {1: "x"}}, "a"),
        ({"a": ("tuple",)}, "a"),
        ({"a": Decimal("1.00")}, "a"),
        ({"a": b"bytes"}, "a"),
        ({"a": "\ud800"}, "a"),
        ({"\udfff": 1}, "\udfff"),
        ({"when": datetime(2026, 1, 1, tzinfo=timezone.utc)}, "when"),
    ],
)
def test_values_without_an_exact_encoding_are_refused(value: object, field: str | None) -> None:
    with pytest.raises(NonCanonicalValue) as caught:
        canonical_json(value)
    assert caught.value.field == field


def test_error_path_is_relative_to_the_given_path() -> None:
    with pytest.raises(NonCanonicalValue) as caught:
        canonical_json({"payload": {"x": 0.1}}, path="envelope")
    assert caught.value.field == "envelope.payload.x"


def test_nesting_is_bounded() -> None:
    deep: object = "leaf"
    for _ in range(MAX_DEPTH):
        deep = [deep]
    canonical_json(deep)
    with pytest.raises(NonCanonicalValue):
        canonical_json([deep])


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.text()
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=25,
)


@given(JSON_VALUES)
@settings(max_examples=300, deadline=None)
def test_canonical_json_is_a_fixed_point(value: object) -> None:
    encoded = canonical_json(value)
    assert canonical_json(json.loads(encoded)) == encoded
    assert json.loads(encoded) == value


@given(st.dictionaries(st.text(max_size=6), st.integers(0, 9), min_size=2, max_size=8))
@settings(max_examples=100, deadline=None)
def test_member_order_does_not_matter(members: dict[str, int]) -> None:
    reversed_members = dict(reversed(list(members.items())))
    assert canonical_json(members) == canonical_json(reversed_members)


# --- decimal strings --------------------------------------------------------------------------


def test_constants() -> None:
    assert (MONEY_PLACES, TCO2E_PLACES) == (2, 3)
    assert DECIMAL_PATTERN.pattern == r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$"


@pytest.mark.parametrize(
    ("text", "places", "expected"),
    [
        ("0", 2, Decimal("0")),
        ("0.00", 2, Decimal("0.00")),
        ("1250.00", 2, Decimal("1250.00")),
        ("1250.5", 2, Decimal("1250.5")),
        ("7", 3, Decimal("7")),
        ("0.001", 3, Decimal("0.001")),
        ("123456789012345678901234567890.125", 3, Decimal("123456789012345678901234567890.125")),
    ],
)
def test_valid_decimals(text: str, places: int, expected: Decimal) -> None:
    value = parse_decimal(text, places=places, field="amount")
    assert value == expected
    # The written scale is kept: the value is never rounded or normalized.
    assert str(value) == text


@pytest.mark.parametrize(
    "text",
    ["1e5", "1E5", "+1", "01", "00", "1.", ".5", " 1", "1 ", "1\n", "1,00", "１", "٣", "", "-", "0x1",
     "NaN", "Infinity", "1.0.0", "--1"],
)
def test_invalid_decimal_forms(text: str) -> None:
    with pytest.raises(InvalidDecimal) as caught:
        parse_decimal(text, places=3, field="payload.amount")
    assert caught.value.field == "payload.amount"


@pytest.mark.parametrize("value", [1, 1.5, None, True, Decimal("1"), ["1"], b"1"])
def test_decimals_must_be_strings(value: object) -> None:
    with pytest.raises(InvalidDecimal):
        parse_decimal(value, places=2, field="amount")


@pytest.mark.parametrize(("text", "places"), [("1.001", 2), ("0.0001", 3), ("1.000", 2), ("1.0", 0)])
def test_too_many_places_is_refused_not_rounded(text: str, places: int) -> None:
    with pytest.raises(InvalidDecimal):
        parse_decimal(text, places=places, field="amount")


def test_negatives() -> None:
    with pytest.raises(InvalidDecimal):
        parse_decimal("-1.00", places=2, field="amount")
    assert parse_decimal("-1.00", places=2, field="delta", allow_negative=True) == Decimal("-1.00")
    for zero in ("-0", "-0.00"):
        for allow in (False, True):
            with pytest.raises(InvalidDecimal):
                parse_decimal(zero, places=2, field="amount", allow_negative=allow)


# --- timestamps -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-24T10:00:00Z", datetime(2026, 11, 24, 10, 0, 0, tzinfo=timezone.utc)),
        ("2026-11-24T10:00:00.5Z", datetime(2026, 11, 24, 10, 0, 0, 500000, tzinfo=timezone.utc)),
        ("2026-11-24T10:00:00.000001Z", datetime(2026, 11, 24, 10, 0, 0, 1, tzinfo=timezone.utc)),
        ("2024-02-29T23:59:59.999999Z", datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=timezone.utc)),
    ],
)
def test_valid_timestamps(text: str, expected: datetime) -> None:
    parsed = parse_timestamp(text, field="signed_at")
    assert parsed == expected
    assert parsed.tzinfo is timezone.utc


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-24T10:00:00z",
        "2026-11-24t10:00:00Z",
        "2026-11-24 10:00:00Z",
        "2026-11-24T10:00:00",
        "2026-11-24T10:00:00+00:00",
        "2026-11-24T18:00:00+08:00",
        "2026-11-24T10:00:00.1234567Z",
        "2026-11-24T10:00:00.Z",
        "2026-11-24T10:00Z",
        "2026-11-24",
        "2025-02-29T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-11-24T24:00:00Z",
        "2026-12-31T23:59:60Z",
        "26-11-24T10:00:00Z",
        "2026-11-24T10:00:00Z\n",
        " 2026-11-24T10:00:00Z",
        "２０２６-11-24T10:00:00Z",
    ],
)
def test_invalid_timestamps(text: str) -> None:
    with pytest.raises(InvalidTimestamp) as caught:
        parse_timestamp(text, field="signed_at")
    assert caught.value.field == "signed_at"


@pytest.mark.parametrize("value", [None, 1700000000, datetime(2026, 1, 1, tzinfo=timezone.utc)])
def test_timestamps_must_be_strings(value: object) -> None:
    with pytest.raises(InvalidTimestamp):
        parse_timestamp(value, field="t")


def test_format_timestamp() -> None:
    utc = datetime(2026, 11, 24, 10, 0, 0, tzinfo=timezone.utc)
    assert format_timestamp(utc) == "2026-11-24T10:00:00.000000Z"
    beijing = datetime(2026, 11, 24, 18, 0, 0, 42, tzinfo=timezone(timedelta(hours=8)))
    assert format_timestamp(beijing) == "2026-11-24T10:00:00.000042Z"
    assert format_timestamp(datetime(999, 1, 2, tzinfo=timezone.utc)) == "0999-01-02T00:00:00.000000Z"
    with pytest.raises(ValueError):
        format_timestamp(datetime(2026, 11, 24, 10, 0, 0))


@given(st.datetimes(timezones=st.just(timezone.utc)))
def test_timestamp_round_trip(value: datetime) -> None:
    text = format_timestamp(value)
    assert parse_timestamp(text, field="t") == value
    assert format_timestamp(parse_timestamp(text, field="t")) == text


# --- base64 -----------------------------------------------------------------------------------


def test_base64_round_trip() -> None:
    for data in (b"", b"\x00", b"\xff\xfe", bytes(range(256))):
        assert b64decode(b64encode(data), field="x") == data
    assert b64encode(b"\xfb\xff") == "+/8="


@pytest.mark.parametrize(
    "text",
    [
        "AA",  # missing padding
        "AA=",
        "-_8=",  # urlsafe alphabet
        "AA==\n",
        " AA==",
        "A A=",
        "AB==",  # non-zero padding bits: "AA==" is the one encoding of b"\x00"
        "AAA=AAAA",
        "ÀÀ==",
    ],
)
def test_base64_is_strict(text: str) -> None:
    with pytest.raises(InvalidBase64) as caught:
        b64decode(text, field="signature")
    assert caught.value.field == "signature"


def test_base64_length_and_type() -> None:
    assert b64decode(b64encode(b"k" * 32), field="key", length=32) == b"k" * 32
    with pytest.raises(InvalidBase64):
        b64decode(b64encode(b"k" * 31), field="key", length=32)
    with pytest.raises(InvalidBase64):
        b64decode(b"AA==", field="key")
    with pytest.raises(InvalidBase64):
        b64decode(None, field="key")


# --- the standard-library fast path equals the rfc8785 encoder ---------------------------------------

_texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | _texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_texts, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=500)
@given(_values)
def test_fast_path_is_byte_for_byte_rfc8785(value):
    assert canonical_json(value) == rfc8785.dumps(value)


def test_fast_path_escapes_every_control_character_like_rfc8785():
    text = "".join(chr(c) for c in range(0x00, 0x80)) + "\u2028\u2029\u00e9\U0001f600"
    assert canonical_json({"k": text, "é": text}) == rfc8785.dumps({"k": text, "é": text})
    assert canonical_json({"k": text}) == rfc8785.dumps({"k": text})
