"""The verifier's quick canonical-record check accepts exactly the lines canonical_json would produce."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import errors
from ledger.crypto.canonical import canonical_json
from ledger.verify.bundle import _canonical_record


def _reference(line: bytes) -> bool:
    """The definition: the line is JSON, and canonical_json of its value is the line itself."""
    try:
        return canonical_json(json.loads(line)) == line
    except (ValueError, errors.LedgerError):
        return False


def _quick(line: bytes) -> bool:
    try:
        _canonical_record(line)
    except ValueError:  # _NotCanonical is one
        return False
    return True


_scalars = st.none() | st.booleans() | st.integers(min_value=-(2**60), max_value=2**60) | st.text(max_size=12)
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(_values)
def test_agrees_with_canonical_json_on_every_spelling(value):
    spellings = [
        json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
        json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":")),
        json.dumps(value, ensure_ascii=False, sort_keys=False, separators=(",", ":")),
        json.dumps(value, ensure_ascii=False, sort_keys=True),
    ]
    try:
        spellings.append(canonical_json(value).decode("utf-8"))
    except errors.LedgerError:
        pass
    for text in spellings:
        try:
            line = text.encode("utf-8")
        except UnicodeEncodeError:
            line = text.encode("utf-8", "surrogatepass")
        assert _quick(line) == _reference(line), line


@pytest.mark.parametrize(
    "line",
    [b'{"a":1.5}', b'{"a":1e3}', b'{"a":NaN}', b'{"a":9007199254740992}', b'{"a":-9007199254740991}', b'{"a":"\\ud800"}',
     b'{"a":"\\u00e9"}', '{"a":"é"}'.encode(), b'{"b":1,"a":2}', b'{"a":1} ', b'{"a":1}{"b":2}', b'{"a":-0}', b'{"a":01}',
     b'{"a":"\\/"}', b'{"a":"\\u001f"}', b'[' * 65 + b']' * 65, b'[' * 64 + b']' * 64,
     b'{"a":[' + b','.join([b'{}'] * 70) + b']}', b'{"a":' + b'[' * 10 + b']' * 10 + b'}', b'{"a":[[[[[1]]]]]}', b'{"a":[[[[[[1]]]]]]}', '{"\U0001f600":1,"\ufb01":2}'.encode(),
     '{"\ufb01":2,"\U0001f600":1}'.encode(), b'\xff'],
)  # fmt: skip
def test_agrees_with_canonical_json_on_edge_cases(line):
    assert _quick(line) == _reference(line)
