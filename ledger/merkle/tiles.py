"""C2SP tlog-tiles: the log's tree as immutable files of 256 hashes, and its records as entry bundles.

A hash tile at level L, index N holds the hashes of the perfect subtrees at tree level 8·L numbered
256·N to 256·N + 255: level 0 tiles hold leaf hashes, level 1 tiles the hashes of 256-leaf subtrees,
and so on. Only the rightmost tile of a level is ever partial, and a partial tile of width W is the
first W hashes of the full tile it grows into, so every tile of a given width is immutable. An entry
bundle N holds the records whose leaf hashes are in level-0 tile N, each as a big-endian uint16 length
and the record's bytes. Paths are ``tile/<L>/<N>[.p/<W>]`` and ``tile/entries/<N>[.p/<W>]``, with N
in 3-digit groups, all but the last prefixed with "x" (1234067 -> ``x001/x234/067``). Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
#: A tree of at most 2**64 leaves has tiles at levels 0 to 7 (8 levels of 8 tree levels).
MAX_LEVEL = 7
#: An entry bundle's length prefix is a uint16.
MAX_BUNDLED_ENTRY = 0xFFFF
ENTRIES = "entries"

_GROUP = re.compile(r"(?:x[0-9]{3}/)*[0-9]{3}")
_WIDTH = re.compile(r"[1-9][0-9]{0,2}")


@dataclass(frozen=True)
class Tile:
    """A hash tile (``level`` 0-7) or, with ``level`` None, an entry bundle; ``width`` 1-256."""

    level: int | None
    index: int
    width: int = TILE_WIDTH

    @property
    def is_bundle(self) -> bool:
        return self.level is None

    @property
    def is_partial(self) -> bool:
        return self.width < TILE_WIDTH

    @property
    def path(self) -> str:
        kind = ENTRIES if self.level is None else str(self.level)
        partial = f".p/{self.width}" if self.is_partial else ""
        return f"tile/{kind}/{encode_index(self.index)}{partial}"

    def nodes(self) -> list[tuple[int, int]]:
        """The (tree level, index) of each hash in the tile (for a bundle, the leaves it holds)."""
        level = 0 if self.level is None else TILE_HEIGHT * self.level
        first = self.index * TILE_WIDTH
        return [(level, first + offset) for offset in range(self.width)]

    def leaves(self) -> range:
        """The log indices a bundle holds (the leaves of its level-0 tile)."""
        return range(self.index * TILE_WIDTH, self.index * TILE_WIDTH + self.width)


def encode_index(index: int) -> str:
    """N as the path's 3-digit groups: 5 -> ``005``, 1234067 -> ``x001/x234/067``.

    :raises ValueError: for a negative index.
    """
    if index < 0:
        raise ValueError("a tile index is not negative")
    groups = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if index == 0:
            break
    groups.reverse()
    return "/".join([f"x{g}" for g in groups[:-1]] + groups[-1:])


def parse_path(path: str) -> Tile:
    """The tile a ``tile/...`` path names (without the ``tile/`` prefix or with it).

    Only the canonical spelling is accepted (no extra leading groups, no leading zeros in W), so
    every tile has one path, as caches and static hosts need.

    :raises ValueError: saying what is wrong with the path.
    """
    rest = path.removeprefix("tile/")
    kind, _, rest = rest.partition("/")
    if kind == ENTRIES:
        level = None
    elif kind.isdigit() and kind == str(int(kind)) and int(kind) <= MAX_LEVEL:
        level = int(kind)
    else:
        raise ValueError(f"the tile level must be 0 to {MAX_LEVEL} or {ENTRIES!r}, not {kind!r}")
    number, partial, width_text = rest.partition(".p/")
    if not _GROUP.fullmatch(number):
        raise ValueError(f"the tile index {number!r} is not 3-digit groups such as x001/x234/067")
    index = int("".join(group.lstrip("x") for group in number.split("/")))
    if encode_index(index) != number:
        raise ValueError(f"the tile index is written {encode_index(index)!r}, not {number!r}")
    width = TILE_WIDTH
    if partial:
        if not _WIDTH.fullmatch(width_text) or not 1 <= int(width_text) < TILE_WIDTH:
            raise ValueError(f"a partial tile's width is 1 to {TILE_WIDTH - 1}, not {width_text!r}")
        width = int(width_text)
    return Tile(level, index, width)


def nodes_at(level: int, tree_size: int) -> int:
    """How many perfect subtrees a tree of ``tree_size`` leaves has at tile level ``level``."""
    return tree_size >> (TILE_HEIGHT * level)


def width_at(tile: Tile, tree_size: int) -> int:
    """How many of the tile's hashes a tree of ``tree_size`` leaves has (0 to 256)."""
    held = nodes_at(tile.level or 0, tree_size) - tile.index * TILE_WIDTH
    return max(0, min(TILE_WIDTH, held))


def tiles_for(tree_size: int, *, bundles: bool = True) -> list[Tile]:
    """Every tile of a tree of ``tree_size`` leaves: the full ones and, at each level, the partial
    rightmost one, level by level; with ``bundles``, the entry bundles first."""
    found = _level(None, tree_size) if bundles else []
    for level in range(MAX_LEVEL + 1):
        tiles = _level(level, tree_size)
        if not tiles:
            break
        found += tiles
    return found


def _level(level: int | None, tree_size: int) -> list[Tile]:
    full, rest = divmod(nodes_at(level or 0, tree_size), TILE_WIDTH)
    return [Tile(level, index) for index in range(full)] + ([Tile(level, full, rest)] if rest else [])


def hash_tile(hashes: Sequence[bytes]) -> bytes:
    """A hash tile's bytes: its hashes, concatenated."""
    return b"".join(hashes)


def entry_bundle(records: Sequence[bytes]) -> bytes:
    """An entry bundle's bytes: each record as a big-endian uint16 length and its bytes.

    :raises ValueError: for a record longer than a uint16 can say.
    """
    parts = []
    for record in records:
        if len(record) > MAX_BUNDLED_ENTRY:
            raise ValueError(f"a record of {len(record)} bytes is longer than an entry bundle holds ({MAX_BUNDLED_ENTRY})")
        parts += [len(record).to_bytes(2, "big"), record]
    return b"".join(parts)


def parse_entry_bundle(data: bytes) -> list[bytes]:
    """The records of an entry bundle.

    :raises ValueError: for a truncated bundle.
    """
    records, at = [], 0
    while at < len(data):
        if at + 2 > len(data):
            raise ValueError("the bundle ends inside a length prefix")
        length = int.from_bytes(data[at : at + 2], "big")
        if at + 2 + length > len(data):
            raise ValueError("the bundle ends inside a record")
        records.append(data[at + 2 : at + 2 + length])
        at += 2 + length
    return records
