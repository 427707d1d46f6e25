"""Submitting signed entries: verify, validate, append under the lock, project, and answer with receipts."""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import errors
from ledger.crypto.canonical import format_timestamp
from ledger.crypto.checkpoint import Checkpoint, sign_checkpoint
from ledger.crypto.signing import VerifiedSignatures, key_id, verify_envelope
from ledger.domain.catalog import GENESIS, entry_type
from ledger.domain.entities import (
    Entity,
    Loan,
    Park,
    ParkAssessment,
    Party,
    PartyKey,
    Project,
    ProjectTotals,
    RewardDisbursement,
    RewardProgram,
    Verification,
)
from ledger.domain.envelope import Submission, parse_submission, record_bytes
from ledger.domain.log import LogHead, StoredCheckpoint, StoredEntry
from ledger.domain.replay import apply_entry
from ledger.domain.rules import EntryContext, EntryType, authorize_signer, load_payload
from ledger.merkle import hashing
from ledger.merkle import proofs as merkle
from ledger.services.ports import UnitOfWork
from ledger.services.proofs import range_hashes
from ledger.services.runtime import LedgerRuntime, LogIdentity
from ledger.services.sequencing import GroupCommitter, Ticket
from ledger.services.state import StagedState


@dataclass(frozen=True)
class Receipt:
    """Proof of acceptance (DESIGN §6): the entry's index and leaf hash, a signed checkpoint and the path to it."""

    index: int
    leaf_hash: bytes
    checkpoint: str
    inclusion_proof: list[bytes]


@dataclass(frozen=True)
class SubmitResult:
    receipts: list[Receipt]
    #: False when every entry had been recorded before (an idempotent retry).
    created: bool


T = TypeVar("T")

@dataclass
class _Prepared:
    path: str
    submission: Submission
    entry_type: EntryType
    payload: dict[str, Any]
    signature_checked: bool = False


def _at(path: str, exc: errors.LedgerError) -> errors.LedgerError:
    """Prefix the field at fault with the entry's position inside a batch."""
    if path:
        exc.field = f"{path}{exc.field}" if exc.field else path.rstrip(".")
        exc.detail = f"{path.rstrip('.')}: {exc.detail}"
        if "errors" in exc.extra:
            exc.extra["errors"] = {f"{path}{k}": v for k, v in exc.extra["errors"].items()}
    return exc


def _prepare(runtime: LedgerRuntime, body: object, path: str) -> _Prepared:
    """Everything that needs no database: shape, canonical form, type, payload schema, clock skew."""
    submission = parse_submission(body, path=path)
    try:
        kind = entry_type(submission.entry_type)
        payload = load_payload(kind.schema, submission.payload)
        if submission.signed_at > runtime.clock.now() + runtime.max_clock_skew:
            raise errors.SignedInFuture(
                f"signed_at is more than {int(runtime.max_clock_skew.total_seconds())} s ahead of the server clock",
                field="envelope.signed_at",
            )
    except errors.LedgerError as exc:
        raise _at(path, exc) from None
    return _Prepared(path, submission, kind, payload)


def _nonce_key(p: _Prepared) -> tuple[str, str]:
    return (p.submission.signer, p.submission.nonce)


def _split_recorded(prepared: Sequence[_Prepared], recorded: Mapping[tuple[str, str], tuple[bytes, int]]) -> list[_Prepared]:
    """Drop identical retries of recorded entries; a reused nonce with other content is a conflict.

    :param recorded: (signer, nonce) -> (envelope digest, index) of entries already in the log.
    """
    pending = []
    for p in prepared:
        found = recorded.get(_nonce_key(p))
        if found is None:
            pending.append(p)
        elif found[0] != p.submission.digest:
            raise _at(
                p.path,
                errors.IdempotencyConflict(
                    f"nonce {p.submission.nonce!r} of {p.submission.signer!r} was used at index {found[1]} "
                    "for an envelope with other content",
                    field="envelope.nonce",
                    index=found[1],
                ),
            )
    return pending


def _digests(entries: Mapping[tuple[str, str], StoredEntry]) -> dict[tuple[str, str], tuple[bytes, int]]:
    return {key: (e.envelope_digest, e.index) for key, e in entries.items()}


def _refuse_repeat(seen: dict[tuple[str, str], _Prepared], p: _Prepared) -> None:
    """IdempotencyConflict when an entry before ``p`` in its batch (``seen``, which this fills) has its signer and nonce."""
    first = seen.setdefault(_nonce_key(p), p)
    if first is not p:
        raise _at(
            p.path,
            errors.IdempotencyConflict(f"repeats the signer and nonce of {first.path.rstrip('.')} in the same batch", field="envelope.nonce"),
        )


def _reject_repeats(prepared: Sequence[_Prepared]) -> None:
    seen: dict[tuple[str, str], _Prepared] = {}
    for p in prepared:
        _refuse_repeat(seen, p)


#: Signatures this process verified lately, so that an append right after its dry run (``greenledger
#: import`` sends each batch to both, on one connection, so to one worker) costs a SHA-256 rather than an
#: Ed25519 verification an entry. A pure function of the bytes: key status and every rule are still
#: checked on each append. Per process: a gunicorn worker remembers what it verified itself.
VERIFIED_SIGNATURES = VerifiedSignatures(limit=65_536)


def _check_signature(p: _Prepared, public_key: bytes) -> None:
    try:
        verify_envelope(
            p.submission.envelope, p.submission.signature, public_key, canonical=p.submission.canonical_envelope, verified=VERIFIED_SIGNATURES
        )
    except errors.LedgerError as exc:
        raise _at(p.path, exc) from None
    p.signature_checked = True


#: Batches at least this large have their signatures checked on several threads (OpenSSL releases the GIL).
PARALLEL_SIGNATURES = 64
_SIGNATURE_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _signature_pool() -> ThreadPoolExecutor:
    global _SIGNATURE_POOL
    with _POOL_LOCK:
        if _SIGNATURE_POOL is None:  # created lazily, so each forked gunicorn worker makes its own
            _SIGNATURE_POOL = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="signatures")
        return _SIGNATURE_POOL


def _forget_signature_pool() -> None:
    """In a forked child: the parent's pool threads did not come along (`serve --demo` loads the demo in
    gunicorn's master, which may have made one), so a pool inherited would take work and never do it."""
    global _SIGNATURE_POOL, _POOL_LOCK
    _SIGNATURE_POOL, _POOL_LOCK = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_signature_pool)


def _first_signature_problem(items: Sequence[tuple[_Prepared, bytes]]) -> errors.LedgerError | None:
    for p, public_key in items:
        try:
            _check_signature(p, public_key)
        except errors.LedgerError as exc:
            return exc
    return None


def _per_chunk(items: Sequence[tuple[_Prepared, bytes]], work: Callable[[Sequence[tuple[_Prepared, bytes]]], T]) -> list[T]:
    """``work`` over ``items`` in order: one call for a small batch, else a chunk per core on the pool
    (map keeps the chunks' order, so what comes back first is about the batch's first entries)."""
    if len(items) < PARALLEL_SIGNATURES:
        return [work(items)]
    size = -(-len(items) // (os.cpu_count() or 1))
    return list(_signature_pool().map(work, [items[i : i + size] for i in range(0, len(items), size)]))


def _check_signatures(items: Sequence[tuple[_Prepared, bytes]]) -> None:
    """Check the signatures of ``items``; the first failure in submission order is raised."""
    problem = next((found for found in _per_chunk(items, _first_signature_problem) if found), None)
    if problem is not None:
        raise problem


@dataclass
class _Submission:
    """What one request asks to append, waiting for its turn under the append lock."""

    prepared: list[_Prepared]


def _registered_keys(runtime: LedgerRuntime, key_ids: Iterable[str]) -> dict[str, tuple[str, bytes]]:
    """key id -> (party id, public key) for those of ``key_ids`` registered so far (one query for the new ones).

    A key id is the hash of its public key, so a found key never changes and is cached for good;
    revocation is checked under the append lock, never from this cache.
    """
    cache = runtime.public_keys
    missing = [k for k in set(key_ids) if k not in cache]
    if missing:
        with runtime.uow_factory() as uow:
            found = uow.projections.get_many(PartyKey, missing)
        cache.update({k: (key.party_id, key.public_key) for k, key in found.items()})
    return cache


def _check_batch_size(runtime: LedgerRuntime, bodies: Sequence[object]) -> None:
    """:raises InvalidInput, BatchTooLarge: for an empty batch, or one above ``max_batch_entries``."""
    if not bodies:
        raise errors.InvalidInput("entries must hold at least one entry", field="entries")
    if len(bodies) > runtime.max_batch_entries:
        raise errors.BatchTooLarge(f"a batch holds at most {runtime.max_batch_entries} entries, this one {len(bodies)}", field="entries")


def _refuse_genesis(p: _Prepared) -> None:
    if p.entry_type.name == GENESIS:
        raise _at(p.path, errors.RuleViolation("the genesis entry is written only by `greenledger init`", field="envelope.type"))


def _with_registered_keys(runtime: LedgerRuntime, prepared: Iterable[_Prepared]) -> list[tuple[_Prepared, bytes]]:
    """The entries signed by a key registered to their signer so far, each with that public key (the
    others' keys are registered in the same round, if at all: they are checked under the lock)."""
    prepared = list(prepared)
    registered = _registered_keys(runtime, (p.submission.key_id for p in prepared))
    return [(p, registered[p.submission.key_id][1]) for p in prepared if registered.get(p.submission.key_id, ("",))[0] == p.submission.signer]


def submit_entries(runtime: LedgerRuntime, bodies: Sequence[object], *, batch: bool) -> SubmitResult:
    """Append signed entries, all or nothing, and return a receipt for each.

    What needs no lock happens here, in the caller's thread: shapes, payload schemas, clock skew and
    signatures by registered keys. Nonces, key status and the rules are decided in the group commit.

    :param bodies: decoded ``{"envelope", "signature"}`` objects.
    :param batch: name fields ``entries[i].…`` in errors and enforce the batch limit.
    :returns: receipts in the order of ``bodies``; identical retries get their first index back.
    :raises LedgerError: the first problem found; nothing is written then.
    """
    if batch:
        _check_batch_size(runtime, bodies)
    prepared = [_prepare(runtime, body, f"entries[{i}]." if batch else "") for i, body in enumerate(bodies)]
    for p in prepared:
        _refuse_genesis(p)
    _reject_repeats(prepared)

    # Signatures by keys registered before are checked here, outside the lock; whether the key is still
    # live, and whether a nonce was used before, is decided under the lock.
    _check_signatures(_with_registered_keys(runtime, prepared))
    return _committer(runtime).submit(Ticket(_Submission(prepared), len(prepared)))


@dataclass(frozen=True)
class EntryCheck:
    """What a dry run found for one entry of a batch: nothing (it would be appended), that the log holds
    it already (``recorded_index``: a real append answers its first receipt), or the problem a real
    append would refuse it with."""

    index_in_batch: int
    problem: errors.LedgerError | None = None
    recorded_index: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _all_signature_problems(items: Sequence[tuple[_Prepared, bytes]]) -> list[tuple[_Prepared, errors.LedgerError]]:
    found = []
    for p, public_key in items:
        try:
            _check_signature(p, public_key)
        except errors.LedgerError as exc:
            found.append((p, exc))
    return found


def _signature_problems(items: Sequence[tuple[_Prepared, bytes]]) -> dict[int, errors.LedgerError]:
    """id(prepared) -> its signature problem, for every one of ``items`` (several threads for large batches)."""
    return {id(p): exc for chunk in _per_chunk(items, _all_signature_problems) for p, exc in chunk}


def validate_entries(runtime: LedgerRuntime, bodies: Sequence[object]) -> list[EntryCheck]:
    """Check a batch as ``submit_entries`` would append it, and write nothing (``?dry_run=true``).

    The same checks in the same order: shapes, payload schemas, clock skew, signatures, nonces (a
    repeat in the batch, a nonce the log used for other content), key status, the signer's role,
    ``signed_at`` and every rule, each entry on the state the entries before it in the batch make.
    Unlike an append, every entry is judged: a refused entry changes nothing for the ones after it, so
    the answer names each bad entry rather than the first. It reads one snapshot of the database
    without the append lock and without the group commit, and rolls back: the log, its checkpoints and
    the projections are untouched, whatever the entries say.

    :param bodies: decoded ``{"envelope", "signature"}`` objects.
    :returns: one check per body, in order.
    :raises InvalidInput, BatchTooLarge: for an empty batch, or one above ``max_batch_entries``.
    """
    _check_batch_size(runtime, bodies)
    problems: dict[int, errors.LedgerError] = {}
    prepared: dict[int, _Prepared] = {}
    first_of: dict[tuple[str, str], _Prepared] = {}
    for position, body in enumerate(bodies):
        try:
            p = _prepare(runtime, body, f"entries[{position}].")
            _refuse_genesis(p)
            _refuse_repeat(first_of, p)
        except errors.LedgerError as exc:
            problems[position] = exc
            continue
        prepared[position] = p

    bad_signatures = _signature_problems(_with_registered_keys(runtime, prepared.values()))
    for position, p in list(prepared.items()):
        if id(p) in bad_signatures:
            problems[position] = bad_signatures[id(p)]
            del prepared[position]

    recorded_at: dict[int, int] = {}
    with runtime.uow_factory.snapshot() as uow:  # read only: leaving the block rolls back
        size = uow.log.size()
        recorded = _digests(uow.log.find_by_nonce(_nonce_key(p) for p in prepared.values()))
        state = StagedState.over_database(uow.projections, uow.log)
        prefetch_references(state, list(prepared.values()))
        next_index = size
        now = runtime.clock.now()
        for position, p in prepared.items():
            try:
                if not _split_recorded([p], recorded):  # an identical retry of a recorded entry
                    recorded_at[position] = recorded[_nonce_key(p)][1]
                    continue
                fork = state.fork()
                try:
                    key = authorize_signer(fork, p.submission, p.entry_type)
                    _check_signed_at(runtime, uow, p.submission.signed_at, key, now=now, log_size=size)
                except errors.LedgerError as exc:
                    raise _at(p.path, exc) from None
                if not p.signature_checked:  # a key registered earlier in this batch
                    _check_signature(p, key.public_key)  # names the entry itself
                try:
                    apply_entry(fork, EntryContext.of(next_index, p.submission, p.payload), p.submission.payload)
                except errors.LedgerError as exc:
                    raise _at(p.path, exc) from None
            except errors.LedgerError as exc:
                problems[position] = exc
                continue
            fork.merge()
            next_index += 1
    return [EntryCheck(i, problems.get(i), recorded_at.get(i)) for i in range(len(bodies))]


#: Payload fields that name an entity; their rows are read in one query per kind before the rules run.
REFERENCE_FIELDS: dict[str, type[Entity]] = {
    "party": Party,
    "operator": Party,
    "holder": Party,
    "to": Party,
    "park": Park,
    "project": Project,
    "loan": Loan,
    "verification": Verification,
    "program": RewardProgram,
    "disbursement": RewardDisbursement,
    "assessment": ParkAssessment,
}


def prefetch_references(state: StagedState, prepared: Sequence[_Prepared]) -> None:
    """Read every entity the entries name, a query per kind, instead of a round trip per lookup."""
    prefetch_named(state, ((p.submission.signer, p.submission.key_id, p.payload) for p in prepared))


def prefetch_named(state: StagedState, named: Iterable[tuple[str, str, Mapping[str, Any]]]) -> None:
    """Read what entries name (signer, key id, payload as loaded or as signed), a query per kind."""
    wanted: dict[type[Entity], set[Any]] = defaultdict(set)
    for signer, signing_key, payload in named:
        wanted[Party].add(signer)
        wanted[PartyKey].add(signing_key)
        for name, value in payload.items():
            if name in REFERENCE_FIELDS and isinstance(value, str):
                wanted[REFERENCE_FIELDS[name]].add(value)
        wanted[Verification].update(v for v in payload.get("verifications") or () if isinstance(v, str))
        if isinstance(payload.get("public_key"), bytes):
            wanted[PartyKey].add(key_id(payload["public_key"]))
    for kind, keys in wanted.items():
        state.prefetch(kind, keys)
    # The totals of the projects those entities belong to, which their changes move (ledger.domain.totals).
    projects = set(wanted[Project])
    projects.update(loan.project_id for key in wanted[Loan] if (loan := state.get(Loan, key)) is not None)
    projects.update(v.project_id for key in wanted[Verification] if (v := state.get(Verification, key)) is not None)
    state.prefetch(ProjectTotals, projects)


_COMMITTER_LOCK = threading.Lock()


def _committer(runtime: LedgerRuntime) -> GroupCommitter[_Submission, SubmitResult]:
    if runtime.committer is None:
        with _COMMITTER_LOCK:
            if runtime.committer is None:
                runtime.committer = GroupCommitter(lambda tickets: _append_round(runtime, tickets), max_entries=runtime.max_round_entries)
    committer: GroupCommitter[_Submission, SubmitResult] = runtime.committer
    return committer


def _append_round(runtime: LedgerRuntime, tickets: Sequence[Ticket[_Submission, SubmitResult]]) -> None:
    """One transaction under the append lock for every queued submission; each succeeds or fails alone."""
    with runtime.uow_factory() as uow:
        identity = runtime.identity(uow)
        head = uow.log.lock_head()
        submissions = [t.work for t in tickets]
        everything = [p for s in submissions for p in s.prepared]
        recorded = _digests(uow.log.find_by_nonce(_nonce_key(p) for p in everything))
        state = StagedState.over_database(uow.projections, uow.log)
        prefetch_references(state, everything)
        accepted: list[tuple[Ticket[_Submission, SubmitResult], _Submission, list[_Prepared]]] = []
        next_index = head.size
        now = runtime.clock.now()
        for ticket, submission in zip(tickets, submissions, strict=True):
            try:
                pending = _split_recorded(submission.prepared, recorded)
                fork = state.fork()
                for offset, p in enumerate(pending):
                    try:
                        key = authorize_signer(fork, p.submission, p.entry_type)
                        _check_signed_at(runtime, uow, p.submission.signed_at, key, now=now, log_size=head.size)
                        if not p.signature_checked:
                            _check_signature(p, key.public_key)
                        apply_entry(fork, EntryContext.of(next_index + offset, p.submission, p.payload), p.submission.payload)
                    except errors.LedgerError as exc:
                        raise _at(p.path, exc) from None
            except errors.LedgerError as exc:
                ticket.fail(exc)
                continue
            fork.merge()
            recorded.update({_nonce_key(p): (p.submission.digest, next_index + i) for i, p in enumerate(pending)})
            accepted.append((ticket, submission, pending))
            next_index += len(pending)
        new_entries: list[StoredEntry] = []
        known_nodes: dict[tuple[int, int], bytes] = {}
        if next_index > head.size:
            fresh = [p.submission for _, _, pending in accepted for p in pending]
            signing_key = runtime.signing_key(runtime.checkpoint_public_key(state, identity))
            new_entries, known_nodes, checkpoint = _append(runtime, uow, identity.origin, signing_key, head, fresh)
            state.flush(uow.projections)
            uow.commit()
        else:
            uow.rollback()
            latest = uow.log.latest_checkpoint()  # every accepted submission was a retry
            assert latest is not None
            checkpoint = latest
        stored = _lookup_recorded(uow, [p for _, s, _ in accepted for p in s.prepared], {(e.signer, e.nonce): e for e in new_entries})
        all_receipts = iter(_receipts(uow, [stored[_nonce_key(p)] for _, s, _ in accepted for p in s.prepared], checkpoint, known_nodes))
        for ticket, submission, pending in accepted:
            ticket.succeed(SubmitResult([next(all_receipts) for _ in submission.prepared], created=bool(pending)))


def _check_signed_at(runtime: LedgerRuntime, uow: UnitOfWork, signed_at: datetime, key: PartyKey, *, now: datetime, log_size: int) -> None:
    """A new entry was signed within ``max_signed_age`` of its arrival, and not before its key existed.

    Checked under the lock for new entries only, so an identical retry of an entry recorded long ago
    still gets its receipt back. The key's registration is the server's ``recorded_at`` of the entry
    that added it (this round's time for a key added in the same round), less the clock skew allowed
    ahead: the signer's clock is compared with the server's either way.

    :raises SignedTooOld, SignedBeforeKeyRegistration:
    """
    if signed_at < now - runtime.max_signed_age:
        raise errors.SignedTooOld(
            f"signed_at is more than {int(runtime.max_signed_age.total_seconds())} s before the server's clock; "
            "sign the entry again (business dates belong in the payload)",
            field="envelope.signed_at",
        )
    registered = _key_registered_at(runtime, uow, key, now=now, log_size=log_size)
    if signed_at < registered - runtime.max_clock_skew:
        raise errors.SignedBeforeKeyRegistration(
            f"signed_at is before key {key.key_id} was registered (index {key.added_index}, "
            f"{format_timestamp(registered)})",
            field="envelope.signed_at",
        )


def _key_registered_at(runtime: LedgerRuntime, uow: UnitOfWork, key: PartyKey, *, now: datetime, log_size: int) -> datetime:
    if key.added_index >= log_size:  # added earlier in this round
        return now
    found = runtime.key_registered_at.get(key.key_id)
    if found is None:
        entry = uow.log.get(key.added_index)
        assert entry is not None  # the projection names an index the log holds
        found = runtime.key_registered_at[key.key_id] = entry.recorded_at
    return found


def initialize_ledger(runtime: LedgerRuntime, body: object) -> Receipt:
    """Append the ``ledger.genesis`` entry at index 0 (``greenledger init``).

    :raises LedgerAlreadyInitialized: when the log is not empty.
    :raises RuleViolation: when the payload's checkpoint key is not this server's, or the entry is not self-signed.
    """
    p = _prepare(runtime, body, "")
    if p.entry_type.name != GENESIS:
        raise errors.InvalidInput("the first entry must be ledger.genesis", field="envelope.type")
    if runtime.checkpoint_key is None:
        raise errors.ServiceUnavailable("no checkpoint key is configured")
    identity = LogIdentity(origin=p.payload["origin"], checkpoint_public_key=p.payload["checkpoint_key"])
    _check_signature(p, p.payload["operator"]["public_key"])
    with runtime.uow_factory() as uow:
        head = uow.log.lock_head()
        if head.size:
            raise errors.LedgerAlreadyInitialized(f"the log already holds {head.size} entries")
        state = StagedState.over_database(uow.projections, uow.log)
        apply_entry(state, EntryContext.of(0, p.submission, p.payload), p.submission.payload)
        signing_key = runtime.signing_key(identity.checkpoint_public_key)
        new_entries, known_nodes, checkpoint = _append(runtime, uow, identity.origin, signing_key, head, [p.submission])
        state.flush(uow.projections)
        uow.commit()
        return _receipts(uow, new_entries, checkpoint, known_nodes)[0]


def _append(
    runtime: LedgerRuntime,
    uow: UnitOfWork,
    origin: str,
    signing_key: Ed25519PrivateKey,
    head: LogHead,
    submissions: Sequence[Submission],
) -> tuple[list[StoredEntry], dict[tuple[int, int], bytes], StoredCheckpoint]:
    """Under the lock: number the entries, hash them into the tree, sign one checkpoint, insert."""
    now = runtime.clock.now()
    # recorded_at never decreases with the index, even if the clock steps back.
    recorded_at = max(now, head.last_recorded_at) if head.last_recorded_at else now
    new_entries = []
    for offset, submission in enumerate(submissions):
        index = head.size + offset
        record = record_bytes(index, recorded_at, submission)
        new_entries.append(
            StoredEntry(
                index=index,
                recorded_at=recorded_at,
                entry_type=submission.entry_type,
                signer=submission.signer,
                key_id=submission.key_id,
                nonce=submission.nonce,
                envelope_digest=submission.digest,
                record=record,
                leaf_hash=hashing.leaf_hash(record),
            )
        )
    frontier = uow.log.nodes(merkle.frontier(head.size))
    nodes = merkle.new_perfect_nodes(head.size, [e.leaf_hash for e in new_entries], lambda lv, ix: frontier[(lv, ix)])
    known = {**frontier, **{(lv, ix): h for lv, ix, h in nodes}}
    size = head.size + len(new_entries)
    root = merkle.root_from_nodes(size, lambda lv, ix: known[(lv, ix)])
    note = sign_checkpoint(Checkpoint(origin, size, root), signing_key)
    checkpoint = StoredCheckpoint(tree_size=size, root_hash=root, note=note, created_at=now)
    uow.log.add(new_entries, nodes, checkpoint)
    return new_entries, known, checkpoint


def _lookup_recorded(
    uow: UnitOfWork, prepared: Sequence[_Prepared], fresh: Mapping[tuple[str, str], StoredEntry]
) -> dict[tuple[str, str], StoredEntry]:
    missing = [_nonce_key(p) for p in prepared if _nonce_key(p) not in fresh]
    return {**fresh, **uow.log.find_by_nonce(missing)}


def _receipts(
    uow: UnitOfWork, stored: Sequence[StoredEntry], checkpoint: StoredCheckpoint, known: Mapping[tuple[int, int], bytes]
) -> list[Receipt]:
    """Inclusion proofs of every entry at the checkpoint's size, all nodes read in one query."""
    size = checkpoint.tree_size
    per_entry = [merkle.inclusion_proof_ranges(e.index, size) for e in stored]
    flat = [r for ranges in per_entry for r in ranges]
    hashes = iter(range_hashes(uow.log, flat, known))
    return [
        Receipt(e.index, e.leaf_hash, checkpoint.note, [next(hashes) for _ in ranges])
        for e, ranges in zip(stored, per_entry, strict=True)
    ]
