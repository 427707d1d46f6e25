"""Fuzzing the marshmallow fields every payload schema is built from: they load a value or raise a
ValidationError (which the API turns into a 422), and what they load dumps back to the same text."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from ledger import errors
from ledger.client import make_envelope
from ledger.crypto.canonical import b64encode, format_timestamp
from ledger.crypto.signing import private_key_from_seed
from ledger.domain.envelope import parse_submission
from ledger.domain.fields import MAX_INTEGER_DIGITS, Base64Bytes, DecimalString, KeyId, Money, PartyId, Tonnes, UtcTimestamp
from ledger.domain.identifiers import KEY_ID_PATTERN, PARTY_ID_PATTERN, is_valid_uscc, uscc_check_character

KEY = private_key_from_seed(bytes(range(32)))
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

any_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(st.characters(codec=None, exclude_categories=()), max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
near_values = st.text(alphabet="0123456789-+.eE :TZab=/", max_size=30)
FIELDS = {
    "money": Money(),
    "tonnes": Tonnes(),
    "signed-decimal": DecimalString(places=4, allow_negative=True),
    "timestamp": UtcTimestamp(),
    "base64": Base64Bytes(),
    "hash": Base64Bytes(length=32),
    "party": PartyId(),
    "key": KeyId(),
}


@pytest.mark.parametrize("name", sorted(FIELDS))
@given(value=any_value | near_values)
@FUZZ
def test_fields_load_or_raise_a_validation_error(name: str, value: object) -> None:
    field = FIELDS[name]
    try:
        loaded = field.deserialize(value)
    except ValidationError as exc:
        assert exc.messages
        return
    dumped = field._serialize(loaded, "x", None)
    if name in ("money", "tonnes", "signed-decimal"):
        assert isinstance(loaded, Decimal) and Decimal(dumped) == loaded
        assert field.deserialize(dumped) == loaded  # the fixed-place form is accepted as it is
    elif name == "timestamp":
        assert field.deserialize(dumped) == loaded and dumped == format_timestamp(loaded)
    else:
        assert dumped == value


@given(st.decimals(min_value=0, max_value=10**12, places=2))
@FUZZ
def test_money_round_trips_its_two_place_form(value: Decimal) -> None:
    text = f"{value:.2f}"
    assert Money()._serialize(Money().deserialize(text), "x", None) == text


@given(st.binary(min_size=32, max_size=32))
@FUZZ
def test_hashes_round_trip(raw: bytes) -> None:
    field = FIELDS["hash"]
    assert field.deserialize(b64encode(raw)) == raw and field._serialize(raw, "x", None) == b64encode(raw)


TAILS = st.sampled_from(["", "\n", "\r\n", " ", "\x00", "\u2028"])


@given(st.from_regex(PARTY_ID_PATTERN, fullmatch=True), st.from_regex(KEY_ID_PATTERN, fullmatch=True), TAILS)
@FUZZ
def test_identifiers_are_matched_whole(party: str, key: str, tail: str) -> None:
    """'$' also matches before a trailing newline; an id with anything after it is another id, refused."""
    for field, value in ((PartyId(), party + tail), (KeyId(), key + tail)):
        try:
            assert field.deserialize(value) == value and tail == ""
        except ValidationError:
            assert tail != ""
    envelope = make_envelope(entry_type="party.registered", signer=party + tail, key=KEY, payload={}, nonce="n")
    try:
        assert parse_submission(envelope).signer == party and tail == ""
    except errors.InvalidInput as exc:
        assert tail != "" and exc.field == "envelope.signer"
    envelope["envelope"]["key"] = key + tail
    if not tail:
        assert parse_submission(envelope).key_id == key
    else:
        with pytest.raises(errors.InvalidInput):
            parse_submission(envelope)


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@given(st.text(USCC_CHARS, min_size=2, max_size=2), st.text("0123456789", min_size=6, max_size=6), st.text(USCC_CHARS, min_size=9, max_size=9), TAILS)
@FUZZ
def test_credit_codes_are_matched_whole(kind: str, region: str, organisation: str, tail: str) -> None:
    body = kind + region + organisation
    assert is_valid_uscc(body + uscc_check_character(body) + tail) == (tail == "")


@pytest.mark.parametrize("name", ["money", "tonnes", "signed-decimal"])
@given(digits=st.integers(1, 40), fraction=st.integers(0, 2))
@FUZZ
def test_amounts_fit_their_numeric_columns(name: str, digits: int, fraction: int) -> None:
    """Projection columns are NUMERIC(24, places): a longer amount would fail the insert with a 500 (and
    with it the whole append round), so it is refused as input instead."""
    text = "9" * digits + ("." + "5" * fraction if fraction else "")
    try:
        value = FIELDS[name].deserialize(text)
    except ValidationError:
        assert digits > MAX_INTEGER_DIGITS
    else:
        assert digits <= MAX_INTEGER_DIGITS and value == Decimal(text)
