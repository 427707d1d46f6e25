"""Fuzzing the envelope parser: any JSON value or byte string either parses or is refused with a
validation error naming the field at fault; valid envelopes round-trip through their canonical bytes."""

from __future__ import annotations

import json
import string
from datetime import timezone

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ledger import errors
from ledger.client import make_envelope
from ledger.crypto.canonical import canonical_json, format_timestamp
from ledger.crypto.signing import private_key_from_seed
from ledger.domain.envelope import ENVELOPE_FIELDS, parse_submission

KEY = private_key_from_seed(bytes(range(7, 39)))
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Every str, lone surrogates included (they have no UTF-8 encoding, so no canonical bytes).
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=12)
#: What json.loads can produce, and then some: floats (NaN and infinities too) and integers of any size.
any_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=20,
)
#: What a valid payload may hold: no floats, safe integers, no lone surrogates, no U+0000.
safe_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)
safe_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | safe_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(safe_text, inner, max_size=4),
    max_leaves=20,
)
VALID = make_envelope(
    entry_type="party.registered", signer="operator", key=KEY, payload={"party": "bank-a"}, nonce="n-1"
)


def _refused_properly(body: object, path: str = "") -> None:
    """``parse_submission`` either succeeds or raises InvalidInput (a subclass allowed) naming a field under ``path``."""
    try:
        parse_submission(body, path=path)
    except errors.InvalidInput as exc:
        assert exc.field is not None, exc  # an unknown member named "" is named "" too
        assert exc.field.startswith(path.rstrip(".")) or exc.field == "body"
        assert exc.detail


@given(any_json)
@FUZZ
def test_any_json_value_parses_or_is_refused_with_a_field(body: object) -> None:
    _refused_properly(body)
    _refused_properly(body, path="entries[3].")


@given(st.dictionaries(st.sampled_from(sorted(ENVELOPE_FIELDS) + ["x", "V"]), any_json, max_size=9), any_json)
@FUZZ
def test_any_envelope_shaped_object_parses_or_is_refused_with_a_field(envelope: dict, signature: object) -> None:
    _refused_properly({"envelope": envelope, "signature": signature})


@given(st.sampled_from(sorted(ENVELOPE_FIELDS)), any_json)
@FUZZ
def test_one_field_replaced_is_accepted_or_refused_at_that_field(name: str, value: object) -> None:
    envelope = {**VALID["envelope"], name: value}
    try:
        parsed = parse_submission({"envelope": envelope, "signature": VALID["signature"]})
    except errors.InvalidInput as exc:
        # Each field is checked on its own; a value without canonical bytes is refused where it sits.
        assert exc.field == f"envelope.{name}" or (exc.field or "").startswith(f"envelope.{name}."), (exc.field, exc.detail)
    else:
        assert parsed.envelope[name] == value


@given(st.binary(max_size=200) | any_text.map(lambda t: t.encode("utf-8", "surrogatepass")))
@FUZZ
def test_any_bytes_decoded_as_json_parse_or_are_refused(raw: bytes) -> None:
    try:
        body = json.loads(raw)
    except ValueError:
        return  # not JSON: the web layer answers 400 before the parser sees it
    _refused_properly(body)


party_ids = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,63}", fullmatch=True)
nonces = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Zs", "Cf", "Co", "Cn")), min_size=1, max_size=64)


@given(
    entry_type=st.text(min_size=1, max_size=64),
    signer=party_ids,
    key=st.text(alphabet="0123456789abcdef", min_size=32, max_size=32),
    signed_at=st.datetimes(timezones=st.just(timezone.utc)),
    nonce=nonces,
    payload=st.dictionaries(safe_text, safe_json, max_size=5),
    signature=st.text(alphabet=string.ascii_letters + string.digits + "+/=", max_size=88),
)
@FUZZ
def test_valid_envelopes_round_trip_through_their_canonical_bytes(entry_type, signer, key, signed_at, nonce, payload, signature) -> None:
    assume(nonce.isprintable())
    envelope = {"v": 1, "type": entry_type, "signer": signer, "key": key, "signed_at": format_timestamp(signed_at), "nonce": nonce, "payload": payload}
    parsed = parse_submission({"envelope": envelope, "signature": signature})
    assert (parsed.entry_type, parsed.signer, parsed.key_id, parsed.signed_at, parsed.nonce) == (entry_type, signer, key, signed_at, nonce)
    assert parsed.payload == payload and parsed.signature == signature
    assert parsed.canonical_envelope == canonical_json(envelope)
    # What a client sends as any JSON text decodes to the same envelope, the same bytes and the same digest.
    again = parse_submission(json.loads(json.dumps({"signature": signature, "envelope": envelope}, indent=1)))
    assert (again.canonical_envelope, again.digest) == (parsed.canonical_envelope, parsed.digest)
    assert json.loads(parsed.canonical_envelope) == envelope


@given(safe_json, st.text(max_size=5), st.text(max_size=5), st.booleans())
@FUZZ
def test_a_nul_anywhere_in_the_payload_is_refused_where_it_is(other: object, before: str, after: str, in_key: bool) -> None:
    """PostgreSQL text cannot hold U+0000: such a payload is refused up front, naming the string, rather
    than failing the projection's insert (and every submission sharing its append round) with a 500."""
    text = before + "\x00" + after
    payload = {"items": [other, {text: 1} if in_key else {"name": text}]}
    body = make_envelope(entry_type="party.registered", signer="operator", key=KEY, payload=payload, nonce="n-nul")
    try:
        parse_submission(body)
    except errors.InvalidInput as exc:
        assert exc.field is not None and exc.field.startswith("envelope.payload.items.")
    else:
        raise AssertionError("a NUL in the payload was accepted")
