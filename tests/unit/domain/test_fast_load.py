"""The unrolled payload load accepts exactly what marshmallow accepts, with the same values."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import ValidationError

from ledger.demo import DemoProgramme
from ledger.domain.catalog import ENTRY_TYPES
from ledger.domain.envelope import parse_time
from ledger.domain.rules import _instance, _load_fast, _load_plan, load_payload
from ledger.errors import InvalidInput

BAD_VALUES: tuple[Any, ...] = (None, 0, 1, -1, 2**60, True, 1.5, "", " ", "x" * 600, "-1", "-0.00", "1e3", "1.0001", "1" * 18, "1" * 19, "-" + "9" * 19 + ".5", "abc\n", "2026-13-01T00:00:00Z", [], {}, ["x"])


def _payloads() -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in DemoProgramme(projects=6, loans=8, tranches=2).entries():
        found.setdefault(entry.entry_type, []).append(entry.payload)
    return found


def _outcome(load: Any) -> tuple[str, Any]:
    try:
        loaded = load()
    except ValidationError:
        return ("refused", None)
    return ("loaded", list(loaded.items()))


@pytest.mark.parametrize("entry_type", sorted(_payloads()))
def test_the_fast_load_matches_marshmallow_on_valid_and_broken_payloads(entry_type):
    schema = ENTRY_TYPES[entry_type].schema
    plan = _load_plan(schema)
    if plan is None:  # only schemas with hooks of their own are left to marshmallow
        assert any(_instance(schema)._hooks.values())
        return
    for payload in _payloads()[entry_type][:5]:
        variants = [payload, {**payload, "unknown": "x"}]
        for name in payload:
            variants.append({k: v for k, v in payload.items() if k != name})
            variants += [{**payload, name: bad} for bad in BAD_VALUES]
        for variant in variants:
            marshmallow = _outcome(lambda variant=variant: _instance(schema).load(variant))
            for _ in range(2):  # the second time through, ids come from the accepted-values cache
                assert _outcome(lambda variant=variant: _load_fast(plan, variant)) == marshmallow, variant


def test_a_refused_payload_gets_marshmallows_messages():
    with pytest.raises(InvalidInput) as refused:
        load_payload(ENTRY_TYPES["loan.disbursed"].schema, {"loan": "L1", "amount": "1.001", "currency": "CNY", "value_date": "2026-01-01T00:00:00Z"})
    assert refused.value.field == "envelope.payload.amount" and "at most 2 fractional digits" in refused.value.detail


@pytest.mark.parametrize(
    "text",
    ["2026-11-25T03:34:30.493663Z", "2026-11-25T03:34:30Z", "2026-11-25T03:34:30.5Z", "2026-02-29T00:00:00.000000Z", "2024-02-29T00:00:00Z",
     "2026-11-25T24:00:00Z", "2026-11-25T23:59:60.000000Z", "0000-01-01T00:00:00Z", "2026-11-25T03:34:30.4936631Z", "2026-11-25 03:34:30Z", 5],
)  # fmt: skip
def test_parse_time_agrees_with_parse_timestamp(text):
    from ledger.crypto.canonical import parse_timestamp

    def outcome(parse: Any) -> Any:
        try:
            return parse(text, field="t")
        except InvalidInput:
            return "refused"

    fast, reference = outcome(parse_time), outcome(parse_timestamp)
    assert fast == reference and (fast == "refused" or fast.tzinfo is reference.tzinfo)
