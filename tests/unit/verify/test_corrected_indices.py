"""The verifier's first pass: the indices a bundle's entry.corrected entries name, found in a file read
in blocks exactly as in its lines, wherever the blocks cut them."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.verify import bundle
from ledger.verify.bundle import corrected_indices


def _line(index: int, corrects: int | None, padding: int) -> bytes:
    if corrects is None:
        envelope = {"type": "loan.disbursed", "payload": {"note": "y" * padding}}
    else:
        envelope = {"type": "entry.corrected", "payload": {"corrects": corrects, "reason": "x" * padding}}
    return json.dumps({"envelope": envelope, "index": index}, separators=(",", ":")).encode()


lines_strategy = st.lists(st.tuples(st.none() | st.integers(0, 10_000), st.integers(0, 300)), max_size=40)


@settings(max_examples=200, deadline=None)
@given(specs=lines_strategy, block=st.integers(1, 64), trailing_newline=st.booleans(), broken=st.booleans())
def test_a_file_read_in_blocks_gives_what_its_lines_give(specs, block, trailing_newline, broken) -> None:  # type: ignore[no-untyped-def]
    lines = [_line(i, corrects, padding) for i, (corrects, padding) in enumerate(specs)]
    if broken:
        lines.append(b'{"envelope":{"type":"entry.corrected","payload":{"corrects":')  # a malformed line: skipped
    data = b"\n".join(lines) + (b"\n" if trailing_newline else b"")
    expected = {corrects for corrects, _ in specs if corrects is not None}
    assert corrected_indices(data.split(b"\n")) == expected
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bundle, "_BLOCK", block)  # lines longer than a block, and cut anywhere
        assert corrected_indices(io.BytesIO(data)) == expected
        assert corrected_indices(io.BufferedReader(io.BytesIO(data), buffer_size=7)) == expected
