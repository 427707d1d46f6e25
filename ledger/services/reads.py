"""Read use cases: entries, proofs, checkpoints, the log's identity, parties and keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Iterable, TypeVar

from ledger import errors
from ledger.domain.entities import CreditBlock, Entity, Park, PartyKey, Project
from ledger.domain.log import StoredCheckpoint, StoredEntry
from ledger.domain.types.credits import MAX_SERIAL
from ledger.services import proofs
from ledger.services.runtime import LedgerRuntime, LogIdentity

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next: int | str | None


def get_entry(runtime: LedgerRuntime, index: int) -> StoredEntry:
    """:raises EntryNotFound:"""
    with runtime.reader(holding=index + 1)() as uow:  # a receipt's entry, read back at once, is found
        entry = uow.log.get(index)
    if entry is None:
        raise errors.EntryNotFound(f"no entry at index {index}", field="index")
    return entry


def list_entries(
    runtime: LedgerRuntime,
    *,
    after: int | None,
    before: int | None,
    limit: int,
    entry_type: str | None,
    signer: str | None,
) -> Page[StoredEntry]:
    """Entries in index order after the cursor ``after`` (exclusive) and below ``before``.

    :returns: a page whose ``next`` is the ``after`` value of the following page, or None at the end.
    """
    with runtime.reader()() as uow:
        items = uow.log.list(after=after, before=before, limit=limit + 1, entry_type=entry_type, signer=signer)
    more = len(items) > limit
    items = items[:limit]
    return Page(items, items[-1].index if more else None)


@dataclass(frozen=True)
class InclusionProof:
    index: int
    tree_size: int
    leaf_hash: bytes
    audit_path: list[bytes]


def recorded_indices(runtime: LedgerRuntime, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The log index of each (signer, nonce) pair of ``keys`` that names an entry already in the log."""
    with runtime.uow_factory() as uow:
        return {key: entry.index for key, entry in uow.log.find_by_nonce(keys).items()}


def prove_inclusion(runtime: LedgerRuntime, index: int, tree_size: int) -> InclusionProof:
    """:raises TreeSizeOutOfRange, EntryNotFound:"""
    with runtime.reader(holding=tree_size)() as uow:
        leaf, path = proofs.inclusion_proof(uow.log, index, tree_size)
    return InclusionProof(index, tree_size, leaf, path)


def prove_consistency(runtime: LedgerRuntime, first: int, second: int) -> list[bytes]:
    """:raises TreeSizeOutOfRange:"""
    with runtime.reader(holding=second)() as uow:
        return proofs.consistency_proof(uow.log, first, second)


def latest_checkpoint(runtime: LedgerRuntime) -> StoredCheckpoint:
    """The primary's latest checkpoint: one row, and never older than a receipt a client holds.

    :raises LedgerNotInitialized:
    """
    with runtime.uow_factory() as uow:
        checkpoint = uow.log.latest_checkpoint()
    if checkpoint is None:
        raise errors.LedgerNotInitialized("the log is empty; run `greenledger init` first")
    return checkpoint


def checkpoint_history(runtime: LedgerRuntime, *, before: int | None, limit: int) -> Page[StoredCheckpoint]:
    """The checkpoints the log signed, largest tree first; ``next`` is the ``before`` of the next page."""
    with runtime.reader()() as uow:
        items = uow.log.checkpoints(before=before, limit=limit + 1)
    more = len(items) > limit
    items = items[:limit]
    return Page(items, items[-1].tree_size if more else None)


@dataclass(frozen=True)
class LogInfo:
    identity: LogIdentity
    tree_size: int


def log_info(runtime: LedgerRuntime) -> LogInfo:
    with runtime.uow_factory() as uow:
        return LogInfo(runtime.current_identity(uow), uow.log.size())


E = TypeVar("E", bound=Entity)


def list_entities(runtime: LedgerRuntime, kind: type[E], *, after: Any, limit: int, **filters: Any) -> Page[E]:
    """Projections of ``kind`` in key order after the cursor ``after``; ``None`` filters are ignored."""
    with runtime.reader()() as uow:
        items = uow.projections.page(kind, after=after, limit=limit + 1, **filters)
    more = len(items) > limit
    items = items[:limit]
    return Page(items, items[-1].key if more else None)


def get_entity(runtime: LedgerRuntime, kind: type[E], key: Any) -> E:
    """:raises NotFound:"""
    with runtime.reader()() as uow:
        entity = uow.projections.get_many(kind, [key]).get(key)
    if entity is None and runtime.replica_uow_factory is not None:
        with runtime.uow_factory() as uow:  # written a moment ago, and not replayed on the replica yet
            entity = uow.projections.get_many(kind, [key]).get(key)
    if entity is None:
        raise errors.NotFound(f"no {kind.__name__} {key!r}", field=kind.KEY)
    return entity


def holdings(runtime: LedgerRuntime, holder: str) -> list[dict[str, Any]]:
    """Credits of one account, summed by vintage and status."""
    with runtime.reader()() as uow:
        blocks = uow.projections.find(CreditBlock, holder=holder)
    totals: dict[tuple[int, str], list[int]] = {}
    for block in blocks:
        quantity_blocks = totals.setdefault((block.vintage, block.status), [0, 0])
        quantity_blocks[0] += block.quantity
        quantity_blocks[1] += 1
    return [
        {"vintage": vintage, "status": status, "quantity": quantity, "blocks": count}
        for (vintage, status), (quantity, count) in sorted(totals.items())
    ]


def next_credit_serial(runtime: LedgerRuntime) -> int | None:
    """The first serial above every credit block ever issued (1 when there are none), for the next
    ``credits.issued``; None when a block already ends at the largest serial.

    Blocks never overlap (issuing refuses it; transfers, retirements and cancellations split a block
    into adjacent parts), so the block that starts highest also ends highest: its end is the greatest
    serial_end, read in one query on the projection's primary key. Cancelled and retired blocks count:
    their serials are never issued again. Gaps an issuer left below stay free but are not offered.
    """
    with runtime.uow_factory() as uow:
        highest = uow.projections.credit_block_at_or_before(MAX_SERIAL)
    if highest is None:
        return 1
    return highest.end + 1 if highest.end < MAX_SERIAL else None


def park_operator_of_project(runtime: LedgerRuntime, project_id: str) -> str | None:
    """The operator party of the park a project belongs to; None for an unknown project."""
    with runtime.uow_factory() as uow:
        project = uow.projections.get_many(Project, [project_id]).get(project_id)
        park = uow.projections.get_many(Park, [project.park_id]).get(project.park_id) if project else None
    return park.operator if park else None


def keys_of(runtime: LedgerRuntime, party_id: str) -> list[PartyKey]:
    with runtime.uow_factory() as uow:
        return uow.projections.find(PartyKey, party_id=party_id)


def is_ready(runtime: LedgerRuntime) -> bool:
    """True when the database answers and the log has its genesis entry."""
    with runtime.uow_factory() as uow:
        return uow.log.size() > 0
