"""The log record's bytes: spliced from the envelope's canonical bytes, equal to encoding the record whole."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from ledger.client import make_envelope
from ledger.crypto.canonical import canonical_json
from ledger.crypto.signing import private_key_from_seed
from ledger.domain.envelope import build_record, parse_submission, record_bytes

KEY = private_key_from_seed(bytes(32))
texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)  # payloads hold no U+0000
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=20,
)


@given(
    payload=st.dictionaries(texts, json_values, max_size=6),
    index=st.integers(0, 2**40),
    micros=st.integers(0, 10**15),
)
def test_spliced_record_bytes_equal_the_canonical_encoding(payload, index, micros):
    signed = make_envelope(entry_type="key.added", signer="p", key=KEY, payload=payload, nonce="ü-nonce", signed_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    submission = parse_submission(signed)
    recorded_at = datetime.fromtimestamp(micros / 10**6, tz=timezone.utc)
    assert record_bytes(index, recorded_at, submission) == canonical_json(build_record(index, recorded_at, submission))
