"""The signature workers' quick base64 check against ``b64decode``, the parser every other field uses."""

from __future__ import annotations

import base64

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import errors
from ledger.crypto.canonical import b64decode
from ledger.verify.signatures import _canonical_signature, _signature_fault

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \\\n"


def _reference(text: bytes) -> bytes | None:
    try:
        return b64decode(text.decode("ascii"), field="signature", length=64)
    except (errors.InvalidBase64, UnicodeDecodeError):
        return None


def _spellings() -> st.SearchStrategy[bytes]:
    signature = st.binary(min_size=62, max_size=66).map(base64.b64encode)

    def mutate(args: tuple[bytes, int, str]) -> bytes:
        text, at, char = args
        at %= len(text) + 1
        return text[:at] + char.encode() + text[at + 1 :]

    mutated = st.tuples(signature, st.integers(0, 100), st.sampled_from(ALPHABET)).map(mutate)
    return st.one_of(signature, mutated, st.text(ALPHABET, max_size=100).map(str.encode))


@settings(max_examples=2000, deadline=None)
@given(_spellings())
def test_the_quick_check_accepts_exactly_what_b64decode_accepts(text: bytes) -> None:
    assert _canonical_signature(text) == _reference(text)


def test_a_signature_with_nonzero_padding_bits_is_refused_in_b64decode_words() -> None:
    good = base64.b64encode(bytes(range(64)))
    bad = good[:-3] + b"B==" if good[-3:-2] != b"B" else good[:-3] + b"C=="  # the last character carries padding bits
    assert _canonical_signature(good) == bytes(range(64))
    assert _canonical_signature(bad) is None
    assert _signature_fault(bad) == "not the canonical base64 encoding"
    assert _signature_fault(b"abc\\u0041") == "must be base64"
    assert _signature_fault(base64.b64encode(bytes(63))) == "must decode to 64 bytes, got 63"
