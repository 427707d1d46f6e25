"""canonical_json_large: the same bytes (or the same refusal) as canonical_json, by another encoder."""

from __future__ import annotations

import enum
import json
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.crypto.canonical import MAX_DEPTH, canonical_json, canonical_json_large
from ledger.errors import NonCanonicalValue


class Colour(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    ONE = 1


class Text(str):
    pass


class Number(int):
    pass


class Members(dict):  # type: ignore[type-arg]
    pass


@dataclass
class Point:
    x: int


def _same(value: Any) -> None:
    """Both encoders give the same bytes, or both refuse with the same field."""
    try:
        expected = canonical_json(value)
    except NonCanonicalValue as exc:
        with pytest.raises(NonCanonicalValue) as caught:
            canonical_json_large(value)
        assert caught.value.field == exc.field
        assert caught.value.detail == exc.detail
    else:
        assert canonical_json_large(value) == expected


_texts = st.text(max_size=10)  # lone surrogates included: both must refuse them
_ascii = st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=8)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.integers()  # beyond the safe range too
    | _texts
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_texts | _ascii, inner, max_size=6),
    max_leaves=40,
)


@settings(max_examples=1000, deadline=None)
@given(_values)
def test_equals_canonical_json(value: Any) -> None:
    _same(value)


_odd_scalars = st.sampled_from(
    [
        1.0,
        float("nan"),
        float("inf"),
        -0.0,
        Decimal("1.00"),
        b"bytes",
        ("tuple",),
        (),
        Colour.RED,
        Level.ONE,
        Text("sub"),
        Number(3),
        uuid.UUID(int=7),
        Point(1),
        datetime(2026, 1, 1, tzinfo=timezone.utc),
        date(2026, 1, 1),
        {1: "x"},
        {Text("k"): 1},
        Members(a=1),
        OrderedDict(b=1, a=2),
        {"\U0001f600": 1, "\ufb33": 2},
        "\ud800",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.recursive(_scalars | _odd_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_ascii, inner, max_size=4), max_leaves=20))
def test_equals_canonical_json_on_values_it_may_refuse(value: Any) -> None:
    _same(value)


@pytest.mark.parametrize(
    "value",
    [
        0,
        2**53 - 1,
        -(2**53) + 1,
        2**53,
        -(2**53),
        "",
        None,
        True,
        [],
        {},
        {"b": [1, {"d": None, "c": True}], "a": ""},
        "".join(chr(c) for c in range(0x80)) + "\u2028\u2029\u00e9\U0001f600",
        {"k": "\u00e9", "\u00e9": "k"},
        # RFC 8785 §3.2.3: keys in UTF-16 order, the emoji before U+FB33 (orjson alone orders by UTF-8).
        {"\u20ac": 1, "\r": 2, "\ufb33": 3, "1": 4, "\U0001f600": 5, "\u0080": 6, "\u00f6": 7},
        {"a": {"b": [0, 1.5]}},
        {"a": {"b": [0, 2**60]}},
        {"a": "\udfff"},
        {"\udfff": 1},
        {"a": Decimal("1")},
    ],
)
def test_edge_cases(value: Any) -> None:
    _same(value)


def test_nesting_is_bounded_alike() -> None:
    deep: object = "leaf"
    for _ in range(MAX_DEPTH):
        deep = [deep]
    assert canonical_json_large(deep) == canonical_json(deep)
    for too_deep in ([deep], {"a": deep}, [deep, [deep]]):
        _same(too_deep)
    empty: object = []
    for _ in range(MAX_DEPTH):
        empty = [empty]
    _same(empty)  # an empty list at depth 64 is fine
    _same([empty])


def _report_body(names: list[str], n: int) -> dict[str, Any]:
    """Shaped like a signed lender report: many flat lines of decimal strings and indices."""
    return {
        "kind": "lender",
        "subject": names[0],
        "tree_size": 211_698,
        "figures": {
            "lender": names[0],
            "loans": [
                {"loan_id": f"{names[i % len(names)]}/{i:05d}", "principal": f"{i * 1000}.00", "attribution_factor": "0.123456", "registered_index": i}
                for i in range(n)
            ],
            "totals": {"loans": n, "financed_reductions": "12.345"},
        },
        "exceptions": [{"code": "x", "indices": [1, 2, 3], "explanation": names[-1]}],
    }


@pytest.mark.parametrize("names", [["icbc-sichuan"], ["icbc-sichuan", "成都银行", "\u00e9\U0001f600\u2028"]])
def test_report_shaped_values(names: list[str]) -> None:
    body = _report_body(names, 500)
    encoded = canonical_json_large(body)
    assert encoded == canonical_json(body) == rfc8785.dumps(body)
    assert json.loads(encoded) == body


def test_plain_values_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.crypto import canonical

    def slow(value: object, *, path: str = "") -> bytes:
        raise AssertionError("fell back to canonical_json")

    expected = canonical_json(_report_body(["icbc-sichuan", "\u00e9"], 50))
    monkeypatch.setattr(canonical, "canonical_json", slow)
    assert canonical_json_large(_report_body(["icbc-sichuan", "\u00e9"], 50)) == expected
