"""Property: any interleaving of valid credit moves conserves each vintage and never puts a serial in two places."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import errors
from ledger.domain.catalog import entry_type
from ledger.domain.entities import CreditBlock, Party, Verification
from ledger.domain.replay import apply_entry
from ledger.domain.rules import EntryContext, load_payload
from ledger.domain.state import MemoryState

HOLDERS = ["h0", "h1", "h2", "h3"]
T = datetime(2026, 1, 1, tzinfo=timezone.utc)
ISSUED = {"v2024": (1, 500, 2024), "v2025": (501, 800, 2025)}


def _state() -> MemoryState:
    state = MemoryState()
    state.put(Party(p, p, "91510100MA61R8LX4E", ("verifier",) if p == "mrv" else ("lender",), 0) for p in ["mrv", *HOLDERS])
    for vid, (_, _, vintage) in ISSUED.items():
        state.put([Verification(vid, "mrv", "p1", T, T, Decimal("1000.000"), Decimal("0.000"), Decimal("0.000"), Decimal("1000.000"), "m", b"\0" * 32, vintage, 0, None, 0, 0)])
    return state


def _apply(state: MemoryState, index: int, kind: str, signer: str, payload: dict) -> None:
    loaded = load_payload(entry_type(kind).schema, payload)
    apply_entry(state, EntryContext(index, kind, signer, "k" * 32, T, loaded), payload)


move = st.tuples(st.sampled_from(["transfer", "retire"]), st.integers(1, 800), st.integers(0, 40), st.sampled_from(HOLDERS))


@settings(max_examples=150, deadline=None)
@given(st.lists(move, max_size=40))
def test_credit_moves_conserve_vintages_and_serials(moves):
    state = _state()
    index = 1
    for vid, (start, end, _) in ISSUED.items():
        _apply(state, index, "credits.issued", "mrv", {"verification": vid, "serial_start": start, "serial_end": end, "holder": "h0"})
        index += 1
    for action, start, length, to in moves:
        block = state.credit_block_at_or_before(start)
        if block is None or block.status != "active":
            continue
        end = min(start + length, block.end)
        try:
            if action == "transfer":
                _apply(state, index, "credits.transferred", block.holder, {"serial_start": start, "serial_end": end, "to": to})
            else:
                _apply(state, index, "credits.retired", block.holder, {"serial_start": start, "serial_end": end, "beneficiary": "b"})
        except errors.RuleViolation as exc:
            assert exc.code == "transfer-to-self"
            continue
        index += 1

    blocks = state.all(CreditBlock)
    # serials are covered exactly once: blocks are sorted, contiguous within each issuance, never overlapping
    covered = [serial for b in blocks for serial in range(b.start, b.end + 1)]
    assert covered == list(range(1, 801))
    for vid, (start, end, vintage) in ISSUED.items():
        total = sum(b.quantity for b in blocks if b.vintage == vintage)
        assert total == end - start + 1
        assert all(b.verification_id == vid for b in blocks if b.vintage == vintage)
    assert all(b.holder in HOLDERS for b in blocks)
    assert all(b.beneficiary is not None for b in blocks if b.status == "retired")


def test_a_move_of_credits_the_signer_does_not_hold_is_refused_and_changes_nothing():
    state = _state()
    _apply(state, 1, "credits.issued", "mrv", {"verification": "v2024", "serial_start": 1, "serial_end": 500, "holder": "h0"})
    before = state.all(CreditBlock)
    with pytest.raises(errors.NotAuthorized):
        _apply(state, 2, "credits.transferred", "h1", {"serial_start": 1, "serial_end": 5, "to": "h2"})
    assert state.all(CreditBlock) == before
