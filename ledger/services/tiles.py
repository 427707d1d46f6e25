"""The log as C2SP tlog-tiles: hash tiles from the stored subtree hashes, entry bundles from the stored
records (nothing is recomputed), for the HTTP routes and for `greenledger tiles write`."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ledger import errors
from ledger.merkle import tiles
from ledger.merkle.tiles import Tile
from ledger.services.ports import UnitOfWork
from ledger.services.runtime import LedgerRuntime


def read_tile(runtime: LedgerRuntime, tile: Tile) -> bytes:
    """A tile's bytes, if the latest checkpoint's tree holds all of it.

    :raises NotFound: for a tile (or a width of it) the tree does not hold yet, and for a bundle holding
        a record longer than a bundle's length prefix can say.
    """
    level = tile.level or 0
    with runtime.reader(holding=(tile.index * tiles.TILE_WIDTH + tile.width) << (tiles.TILE_HEIGHT * level)).snapshot() as uow:
        latest = uow.log.latest_checkpoint()
        if latest is None:
            raise errors.LedgerNotInitialized("the log has no genesis entry yet")
        return _tile_bytes(uow, tile, latest.tree_size)


def _tile_bytes(uow: UnitOfWork, tile: Tile, tree_size: int) -> bytes:
    held = tiles.width_at(tile, tree_size)
    if held < tile.width:
        raise errors.NotFound(
            f"{tile.path} is not in the log yet: the latest checkpoint's tree (size {tree_size}) holds {held} of its "
            f"{tile.width} {'records' if tile.is_bundle else 'hashes'}",
            field="path",
        )
    if tile.is_bundle:
        first = tile.leaves().start
        records = uow.log.list(after=first - 1 if first else None, before=first + tile.width, limit=tile.width, entry_type=None, signer=None)
        try:
            return tiles.entry_bundle([entry.record for entry in records])
        except ValueError as exc:
            raise errors.NotFound(f"{tile.path} cannot be served: {exc}; read its records from /v1/entries", field="path") from None
    level, first = tile.nodes()[0]
    return tiles.hash_tile(uow.log.node_range(level, first, first + tile.width))


@dataclass(frozen=True)
class Written:
    tree_size: int
    written: int
    kept: int
    skipped: list[str]


def write_tiles(runtime: LedgerRuntime, folder: Path, *, progress: Callable[[int, int], None] | None = None) -> Written:
    """Write the tiles of the latest checkpoint's tree under ``folder``, then the checkpoint, so a static
    host never serves a checkpoint whose tiles are not there yet.

    Incremental: a tile whose file exists is kept (a tile of a given width never changes; a partial one
    is superseded by a wider path). A bundle holding a record too long for one is skipped and named.
    Each file is written whole to a temporary name first, then renamed.
    """
    with runtime.uow_factory.snapshot() as uow:
        latest = uow.log.latest_checkpoint()
        if latest is None:
            raise errors.LedgerNotInitialized("the log has no genesis entry yet")
        wanted = tiles.tiles_for(latest.tree_size)
        written = kept = 0
        skipped = []
        for done, tile in enumerate(wanted, 1):
            target = folder / tile.path
            if target.exists():
                kept += 1
            else:
                try:
                    _write_file(target, _tile_bytes(uow, tile, latest.tree_size))
                    written += 1
                except errors.NotFound as exc:
                    skipped.append(exc.detail)
            if progress:
                progress(done, len(wanted))
    _write_file(folder / "checkpoint", latest.note.encode())
    return Written(latest.tree_size, written, kept, skipped)


def _write_file(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
