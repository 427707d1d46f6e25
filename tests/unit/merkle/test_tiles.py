"""C2SP tlog-tiles paths, widths and bundles (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.merkle import tiles
from ledger.merkle.proofs import build_node_table
from ledger.merkle.tiles import Tile


@pytest.mark.parametrize(("index", "path"), [(0, "000"), (5, "005"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")])
def test_an_index_is_written_in_3_digit_groups(index: int, path: str) -> None:
    # c2sp.org/tlog-tiles: "index 1234067 will be encoded as x001/x234/067".
    assert tiles.encode_index(index) == path


@given(level=st.one_of(st.none(), st.integers(0, tiles.MAX_LEVEL)), index=st.integers(0, 2**56), width=st.integers(1, 256))
def test_every_tile_has_one_path_that_reads_back(level: int | None, index: int, width: int) -> None:
    tile = Tile(level, index, width)
    assert tiles.parse_path(tile.path) == tile
    assert tiles.parse_path(tile.path.removeprefix("tile/")) == tile


@pytest.mark.parametrize("path", [
    "tile/8/000", "tile/01/000", "tile/x/000", "tile/0/5", "tile/0/0000", "tile/0/x000/005", "tile/0/x1/000",
    "tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/07", "tile/0/000.p/", "tile/0/000/", "tile/data/000", "tile/0/-01",
])
def test_a_path_that_is_not_a_tiles_canonical_one_is_refused(path: str) -> None:
    with pytest.raises(ValueError):
        tiles.parse_path(path)


@given(size=st.integers(0, 200_000))
def test_the_tiles_of_a_tree_hold_each_of_its_perfect_subtrees_at_tile_levels_once(size: int) -> None:
    found = tiles.tiles_for(size, bundles=False)
    for level in range(tiles.MAX_LEVEL + 1):
        nodes = [n for t in found if t.level == level for n in t.nodes()]
        assert nodes == [(8 * level, i) for i in range(size >> (8 * level))]
    assert all(not t.is_partial or t == max((u for u in found if u.level == t.level), key=lambda u: u.index) for t in found)
    bundles = [t for t in tiles.tiles_for(size) if t.is_bundle]
    assert [i for b in bundles for i in b.leaves()] == list(range(size))


def test_a_tile_holds_the_stored_hashes_of_its_level() -> None:
    leaves = [bytes([i % 256, i // 256]) * 16 for i in range(600)]
    table = build_node_table(leaves)
    tile = Tile(1, 0, 2)
    assert tile.nodes() == [(8, 0), (8, 1)] and all(node in table for node in tile.nodes())
    assert tiles.width_at(tile, 600) == 2 and tiles.width_at(Tile(0, 2), 600) == 88 and tiles.width_at(Tile(0, 3), 600) == 0


@given(st.lists(st.binary(max_size=300), max_size=20))
def test_a_bundle_reads_back_its_records(records: list[bytes]) -> None:
    assert tiles.parse_entry_bundle(tiles.entry_bundle(records)) == records


def test_a_record_too_long_for_a_bundle_is_refused() -> None:
    with pytest.raises(ValueError, match="65535"):
        tiles.entry_bundle([b"x" * 65536])
    with pytest.raises(ValueError):
        tiles.parse_entry_bundle(b"\x00\x05abc")
