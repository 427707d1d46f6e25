"""SQLAlchemy Core repositories for the log and the registry projections."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from sqlalchemy import Connection, func, insert, select, text, tuple_, update
from sqlalchemy.exc import IntegrityError

from ledger import errors
from ledger.domain.effects import Effect, KeyAdded, KeyRevoked, PartyRegistered
from ledger.domain.log import LogHead, StoredCheckpoint, StoredEntry
from ledger.domain.registry import Party, PartyKey
from ledger.persistence.tables import checkpoints, entries, parties, party_keys, tree_nodes

#: pg_advisory_xact_lock key that serializes appends to the one log ("grln").
APPEND_LOCK_KEY = 0x67726C6E


def _entry(row: Any) -> StoredEntry:
    return StoredEntry(
        index=row.idx,
        recorded_at=row.recorded_at,
        entry_type=row.entry_type,
        signer=row.signer,
        key_id=row.key_id,
        nonce=row.nonce,
        envelope_digest=bytes(row.envelope_digest),
        record=bytes(row.record),
        leaf_hash=bytes(row.leaf_hash),
    )


def _checkpoint(row: Any) -> StoredCheckpoint:
    return StoredCheckpoint(tree_size=row.tree_size, root_hash=bytes(row.root_hash), note=row.note, created_at=row.created_at)


class SqlAlchemyLogRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def lock_head(self) -> LogHead:
        self._conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK_KEY})
        row = self._conn.execute(select(entries.c.idx, entries.c.recorded_at).order_by(entries.c.idx.desc()).limit(1)).first()
        if row is None:
            return LogHead(size=0, last_recorded_at=None)
        return LogHead(size=row.idx + 1, last_recorded_at=row.recorded_at)

    def size(self) -> int:
        last = self._conn.execute(select(func.max(entries.c.idx))).scalar_one()
        return 0 if last is None else int(last) + 1

    def get(self, index: int) -> StoredEntry | None:
        row = self._conn.execute(select(entries).where(entries.c.idx == index)).first()
        return None if row is None else _entry(row)

    def list(
        self, *, after: int | None, before: int | None, limit: int, entry_type: str | None, signer: str | None
    ) -> list[StoredEntry]:
        query = select(entries).order_by(entries.c.idx).limit(limit)
        if after is not None:
            query = query.where(entries.c.idx > after)
        if before is not None:
            query = query.where(entries.c.idx < before)
        if entry_type is not None:
            query = query.where(entries.c.entry_type == entry_type)
        if signer is not None:
            query = query.where(entries.c.signer == signer)
        return [_entry(row) for row in self._conn.execute(query)]

    def find_by_nonce(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], StoredEntry]:
        wanted = list(set(keys))
        if not wanted:
            return {}
        rows = self._conn.execute(select(entries).where(tuple_(entries.c.signer, entries.c.nonce).in_(wanted)))
        return {(row.signer, row.nonce): _entry(row) for row in rows}

    def add(self, new_entries: Sequence[StoredEntry], nodes: Sequence[tuple[int, int, bytes]], checkpoint: StoredCheckpoint) -> None:
        try:
            self._conn.execute(
                insert(entries),
                [
                    {
                        "idx": e.index,
                        "recorded_at": e.recorded_at,
                        "entry_type": e.entry_type,
                        "signer": e.signer,
                        "key_id": e.key_id,
                        "nonce": e.nonce,
                        "envelope_digest": e.envelope_digest,
                        "record": e.record,
                        "leaf_hash": e.leaf_hash,
                    }
                    for e in new_entries
                ],
            )
        except IntegrityError as exc:
            # Only reachable if the append lock were bypassed; the nonce check runs under the lock.
            if "uq_entries_signer_nonce" in str(exc.orig):
                raise errors.IdempotencyConflict("nonce already used by this signer", field="envelope.nonce") from exc
            raise
        self._conn.execute(insert(tree_nodes), [{"level": lv, "idx": ix, "hash": h} for lv, ix, h in nodes])
        self._conn.execute(
            insert(checkpoints),
            {
                "tree_size": checkpoint.tree_size,
                "root_hash": checkpoint.root_hash,
                "note": checkpoint.note,
                "created_at": checkpoint.created_at,
            },
        )

    def nodes(self, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        wanted = list(set(keys))
        if not wanted:
            return {}
        rows = self._conn.execute(
            select(tree_nodes.c.level, tree_nodes.c.idx, tree_nodes.c.hash).where(
                tuple_(tree_nodes.c.level, tree_nodes.c.idx).in_(wanted)
            )
        )
        return {(row.level, row.idx): bytes(row.hash) for row in rows}

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        row = self._conn.execute(select(checkpoints).order_by(checkpoints.c.tree_size.desc()).limit(1)).first()
        return None if row is None else _checkpoint(row)


def _party(row: Any) -> Party:
    return Party(
        party_id=row.party_id,
        legal_name=row.legal_name,
        unified_social_credit_code=row.unified_social_credit_code,
        roles=frozenset(row.roles),
        registered_index=row.registered_index,
    )


def _key(row: Any) -> PartyKey:
    return PartyKey(
        key_id=row.key_id,
        party_id=row.party_id,
        public_key=bytes(row.public_key),
        added_index=row.added_index,
        revoked_index=row.revoked_index,
    )


class SqlAlchemyRegistryRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def parties(self, party_ids: Iterable[str]) -> dict[str, Party]:
        wanted = list(set(party_ids))
        if not wanted:
            return {}
        rows = self._conn.execute(select(parties).where(parties.c.party_id.in_(wanted)))
        return {row.party_id: _party(row) for row in rows}

    def keys(self, key_ids: Iterable[str]) -> dict[str, PartyKey]:
        wanted = list(set(key_ids))
        if not wanted:
            return {}
        rows = self._conn.execute(select(party_keys).where(party_keys.c.key_id.in_(wanted)))
        return {row.key_id: _key(row) for row in rows}

    def list_parties(self, *, after: str | None, limit: int) -> list[Party]:
        query = select(parties).order_by(parties.c.party_id).limit(limit)
        if after is not None:
            query = query.where(parties.c.party_id > after)
        return [_party(row) for row in self._conn.execute(query)]

    def keys_of(self, party_id: str) -> list[PartyKey]:
        query = select(party_keys).where(party_keys.c.party_id == party_id).order_by(party_keys.c.added_index)
        return [_key(row) for row in self._conn.execute(query)]

    def apply(self, effects: Sequence[Effect]) -> None:
        # Effects are applied in log order; parties precede the keys that reference them.
        for effect in effects:
            if isinstance(effect, PartyRegistered):
                p = effect.party
                self._conn.execute(
                    insert(parties),
                    {
                        "party_id": p.party_id,
                        "legal_name": p.legal_name,
                        "unified_social_credit_code": p.unified_social_credit_code,
                        "roles": sorted(p.roles),
                        "registered_index": p.registered_index,
                    },
                )
            elif isinstance(effect, KeyAdded):
                k = effect.key
                self._conn.execute(
                    insert(party_keys),
                    {
                        "key_id": k.key_id,
                        "party_id": k.party_id,
                        "public_key": k.public_key,
                        "added_index": k.added_index,
                        "revoked_index": k.revoked_index,
                    },
                )
            elif isinstance(effect, KeyRevoked):
                self._conn.execute(
                    update(party_keys).where(party_keys.c.key_id == effect.key_id).values(revoked_index=effect.index)
                )
