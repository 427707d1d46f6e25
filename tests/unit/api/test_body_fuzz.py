"""Fuzzing the strict request-body decoder with arbitrary bytes: a JSON value, or malformed-json."""

from __future__ import annotations

import json

from flask import Flask
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ledger import errors
from ledger.api.body import json_body

#: No database and no ledger: json_body reads only the request.
APP = Flask("body-fuzz")
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_texts = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=10,
).map(lambda v: json.dumps(v).encode())
#: Valid JSON cut, spliced and salted with the tokens the decoder must refuse.
mangled = st.builds(
    lambda text, cut, salt: text[:cut] + salt + text[cut:],
    json_texts,
    st.integers(0, 40),
    st.sampled_from([b"", b"NaN", b"-Infinity", b'"a":1,"a":2', b"\xff", b"\xed\xa0\x80", b",", b"}", b'"\\ud800"']),
)


def decode(raw: bytes) -> object:
    with APP.test_request_context(data=raw, content_type="application/json"):
        return json_body()


@given(st.binary(max_size=200) | json_texts | mangled)
@example(b"[" * 100_000)
@example(b'{"a":' * 50_000)
@example(b'{"a": 1, "a": 1}')
@FUZZ
def test_any_body_decodes_or_is_malformed_json(raw: bytes) -> None:
    try:
        value = decode(raw)
    except errors.MalformedJson as exc:
        assert exc.field and exc.detail
        return
    assert json.loads(raw) == value  # the strict decoder accepts a subset of what json accepts, unchanged


@given(json_texts)
@FUZZ
def test_json_values_decode_unchanged(raw: bytes) -> None:
    assert decode(raw) == json.loads(raw)
