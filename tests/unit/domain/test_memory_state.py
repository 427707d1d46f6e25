"""The in-memory state answers ``find`` from its indexes exactly as a scan would, as entities change."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.entities import CreditBlock
from ledger.domain.state import MemoryState


def block(start: int, holder: str, verification: str = "v1", status: str = "active") -> CreditBlock:
    return CreditBlock(start, start, 2024, verification, holder, status, None, 1, 1)


def test_an_entity_that_changes_an_indexed_field_moves_between_answers():
    state = MemoryState()
    state.put([block(1, "a"), block(2, "a")])
    state.put([block(1, "b")])
    assert [b.start for b in state.find(CreditBlock, holder="a")] == [2]
    assert [b.start for b in state.find(CreditBlock, holder="b")] == [1]
    assert [b.start for b in state.find(CreditBlock, holder="b", status="retired")] == []


@given(st.lists(st.tuples(st.integers(1, 30), st.sampled_from("abc"), st.sampled_from(["v1", "v2"]), st.sampled_from(["active", "retired"])), max_size=60))
def test_indexed_find_equals_a_scan(puts):
    state = MemoryState()
    for start, holder, verification, status in puts:
        state.put([block(start, holder, verification, status)])
    everything = state.all(CreditBlock)
    for holder in "abc":
        for status in ("active", "retired"):
            expected = [b for b in everything if b.holder == holder and b.status == status]
            assert state.find(CreditBlock, holder=holder, status=status) == expected
    for verification in ("v1", "v2"):
        assert state.find(CreditBlock, verification_id=verification) == [b for b in everything if b.verification_id == verification]
