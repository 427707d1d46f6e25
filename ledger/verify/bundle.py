"""The export bundle and its offline verifier: everything an auditor needs, checked without the server.

A bundle is UTF-8 JSON Lines: a manifest line, then each log record's exact RFC 8785 bytes in index
order, then a line holding the signed checkpoint at the bundle's tree size. The verifier streams it in
one pass, holding only the Merkle frontier and the replayed state: it recomputes every leaf hash and the
root, checks the checkpoint's signature against the pinned key, indices without gaps and ``recorded_at``
never decreasing, every envelope's signature against the keys the log itself registered before it
(genesis as the trust anchor, revocations honoured), and every domain rule by replay.
"""

from __future__ import annotations

import json
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable, Sequence

from ledger import errors
from ledger.crypto.canonical import b64decode, canonical_json, parse_timestamp
from ledger.crypto.checkpoint import Checkpoint, parse_checkpoint_body, parse_verifier_key, verify_checkpoint
from ledger.crypto.checkpoint import verifier_key as verifier_key_of
from ledger.crypto.signing import verify_signature
from ledger.domain.catalog import GENESIS
from ledger.domain.entities import CHECKPOINT_KEY_NAME, LogSigningKey, PartyKey
from ledger.domain.replay import replay_record
from ledger.domain.types.checkpoint_keys import ROTATED
from ledger.domain.state import MemoryState
from ledger.merkle.hashing import EMPTY_ROOT, leaf_hash, node_hash

FORMAT = "greenledger-bundle/1"
#: Signatures sent to a worker process at a time.
SIGNATURE_BATCH = 2000


def _first_bad_signature(batch: list[tuple[int, bytes, bytes, bytes]]) -> int | None:
    """The index of the first signature in ``batch`` that does not verify (runs in a worker process)."""
    for index, message, signature, public_key in batch:
        try:
            verify_signature(message, signature, public_key)
        except errors.LedgerError:
            return index
    return None


class SignatureChecks:
    """Ed25519 checks inline (one job) or in batches on worker processes (several), so signatures,
    the costliest part of verification, use every core while the rules replay in order."""

    def __init__(self, jobs: int) -> None:
        self._pool = ProcessPoolExecutor(max_workers=jobs) if jobs > 1 else None
        self._batch: list[tuple[int, bytes, bytes, bytes]] = []
        self._pending: list[Future[int | None]] = []

    def check(self, index: int, message: bytes, signature: bytes, public_key: bytes) -> None:
        if self._pool is None:
            if _first_bad_signature([(index, message, signature, public_key)]) is not None:
                raise errors.VerificationFailed("invalid-signature: the signature does not verify", index=index)
            return
        self._batch.append((index, message, signature, public_key))
        if len(self._batch) >= SIGNATURE_BATCH:
            self._pending.append(self._pool.submit(_first_bad_signature, self._batch))
            self._batch = []

    def first_failure(self) -> int | None:
        """Wait for every batch sent; the smallest index whose signature failed, if any."""
        if self._pool is None:
            return None
        if self._batch:
            self._pending.append(self._pool.submit(_first_bad_signature, self._batch))
            self._batch = []
        failures = [index for index in (future.result() for future in self._pending) if index is not None]
        self._pending = []
        return min(failures, default=None)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


def manifest(origin: str, tree_size: int, verifier_key: str) -> bytes:
    return canonical_json({"format": FORMAT, "origin": origin, "tree_size": tree_size, "verifier_key": verifier_key})


def checkpoint_line(note: str) -> bytes:
    return canonical_json({"checkpoint": note})


class MerkleFrontier:
    """The RFC 9162 root of a growing list of leaves, in O(log n) memory (one hash per perfect subtree)."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, bytes]] = []  # (leaves covered, hash), sizes strictly decreasing

    def append(self, leaf: bytes) -> None:
        size, node = 1, leaf
        while self._stack and self._stack[-1][0] == size:
            left_size, left = self._stack.pop()
            size, node = left_size + size, node_hash(left, node)
        self._stack.append((size, node))

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        node = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            node = node_hash(left, node)
        return node


@dataclass
class VerificationReport:
    origin: str
    tree_size: int
    root_hash: bytes
    entries: int
    as_of: datetime | None  # recorded_at of the last entry
    state: MemoryState = field(repr=False)
    #: The checkpoint keys the log has used, genesis first; each later one endorsed by the one before.
    checkpoint_keys: tuple[bytes, ...] = ()

    def verifier_keys(self) -> list[str]:
        return [verifier_key_of(self.origin, key) for key in self.checkpoint_keys]


def corrected_indices(lines: Iterable[bytes]) -> set[int]:
    """The indices that the bundle's entry.corrected entries name (a cheap first pass over a file)."""
    found = set()
    for line in lines:
        if b'"type":"entry.corrected"' in line:
            try:
                found.add(int(json.loads(line)["envelope"]["payload"]["corrects"]))
            except (ValueError, KeyError, TypeError):
                continue  # a malformed line; the verifying pass reports it
    return found


def _json_line(line: bytes, what: str, index: int | None) -> Any:
    try:
        return json.loads(line)
    except ValueError as exc:
        raise errors.VerificationFailed(f"{what} is not JSON: {exc}", index=index) from None


def verify_bundle(
    lines: Iterable[bytes],
    *,
    origin: str,
    verifier_key: str,
    kept: Iterable[str] = (),
    corrected: set[int] | None = None,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> VerificationReport:
    """Verify a bundle against the two pinned trust anchors: the log's origin and its verifier key.

    :param lines: the bundle's lines (trailing newlines are ignored).
    :param kept: checkpoint notes the auditor kept from earlier; the bundle's log must extend each one
        (a log rewritten behind them, even with a fresh valid checkpoint, fails at their size).
    :param corrected: the indices the bundle's entry.corrected entries name (``corrected_indices``), when
        known: only those entries are remembered for replaying corrections, so memory does not grow with
        the log's length. None remembers every entry (a stream that cannot be read twice).
    :param jobs: worker processes for signature checks (1: check them inline).
    :param progress: called with the number of entries checked so far, every 1,000 entries.
    :returns: what was verified, with the replayed state (for recomputing reports).
    :raises VerificationFailed: naming the first index at fault and why.
    """
    signatures = SignatureChecks(jobs)
    try:
        report = _verify(lines, origin, verifier_key, kept, corrected, signatures, progress)
    except errors.VerificationFailed as exc:
        bad = signatures.first_failure()
        if bad is not None and (exc.index is None or bad <= exc.index):  # a bad signature explains the rest
            raise errors.VerificationFailed("invalid-signature: the signature does not verify", index=bad) from None
        raise
    finally:
        signatures.close()
    return report


def _verify(
    lines: Iterable[bytes],
    origin: str,
    verifier_key: str,
    kept: Iterable[str],
    corrected: set[int] | None,
    signatures: SignatureChecks,
    progress: Callable[[int], None] | None,
) -> VerificationReport:
    key_name, _, checkpoint_public_key = parse_verifier_key(verifier_key)
    if key_name != origin:
        raise errors.VerificationFailed(f"the verifier key is for {key_name!r}, not the pinned origin {origin!r}")
    checkpoints_kept: dict[int, bytes] = {}
    # A kept checkpoint signed by an earlier or later key of the chain is checked once the chain is known.
    signed_by_another_key: list[str] = []
    for note_kept in kept:
        try:
            old = verify_checkpoint(note_kept, verifier_key)
        except errors.InvalidCheckpoint as exc:
            old = _unverified_checkpoint(note_kept, exc)
            signed_by_another_key.append(note_kept)
        checkpoints_kept[old.tree_size] = old.root_hash
    iterator = iter(lines)
    head = _json_line(next(iterator, b"").rstrip(b"\n"), "the manifest", None)
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise errors.VerificationFailed(f"not a {FORMAT} bundle")
    state = MemoryState(remember=None if corrected is None else corrected.__contains__)
    chain: list[bytes] = []
    frontier = MerkleFrontier()
    index = 0
    last_recorded: datetime | None = None
    note: str | None = None
    for raw in iterator:
        line = raw.rstrip(b"\n")
        if not line:
            continue
        if note is not None:
            raise errors.VerificationFailed("lines follow the checkpoint", index=index)
        value = _json_line(line, "a record", index)
        if isinstance(value, dict) and set(value) == {"checkpoint"}:
            note = value["checkpoint"]
            continue
        last_recorded = _check_record(value, line, index, last_recorded, origin, state, signatures)
        if index == 0 or value["envelope"]["type"] == ROTATED:
            chain.append(_key_in_force(state))
        frontier.append(leaf_hash(line))
        index += 1
        if index in checkpoints_kept and frontier.root() != checkpoints_kept[index]:
            raise errors.VerificationFailed(
                f"the first {index} entries no longer hash to the checkpoint kept at that size: the log forked or was rewritten",
                index=index - 1,
            )
        if progress and index % 1000 == 0:
            progress(index)
    if note is None:
        raise errors.VerificationFailed("the bundle ends without its checkpoint", index=index)
    bad = signatures.first_failure()
    if bad is not None:
        raise errors.VerificationFailed("invalid-signature: the signature does not verify", index=bad)
    beyond = [size for size in checkpoints_kept if size > index]
    if beyond:
        raise errors.VerificationFailed(f"the bundle holds {index} entries, fewer than a kept checkpoint's {max(beyond)}: the log shrank")
    if checkpoint_public_key not in chain:
        raise errors.VerificationFailed(
            "the pinned verifier key is neither the genesis entry's checkpoint key nor one the log rotated to"
        )
    for note_kept in signed_by_another_key:
        _verify_with_chain(note_kept, origin, chain, "a kept checkpoint")
    checkpoint = _verify_with_chain(note, origin, chain, "checkpoint")
    if checkpoint.tree_size != index:
        raise errors.VerificationFailed(f"the checkpoint covers {checkpoint.tree_size} entries, the bundle holds {index}", index=min(index, checkpoint.tree_size))
    root = frontier.root()
    if root != checkpoint.root_hash:
        raise errors.VerificationFailed(
            f"the entries hash to a root other than the signed checkpoint's at tree size {index}: the log was rewritten"
        )
    if progress:
        progress(index)
    return VerificationReport(origin, index, root, index, last_recorded, state, tuple(chain))


def _key_in_force(state: MemoryState) -> bytes:
    current = state.get(LogSigningKey, CHECKPOINT_KEY_NAME)
    assert current is not None  # the genesis entry, replayed, put one in force
    return current.public_key


def _unverified_checkpoint(note: str, failure: errors.InvalidCheckpoint) -> Checkpoint:
    """The size and root a note states, before its signature is checked (it is, later)."""
    body, separator, _ = note.partition("\n\n")
    try:
        if not separator:
            raise failure
        return parse_checkpoint_body(body + "\n")
    except errors.InvalidCheckpoint as exc:
        raise errors.VerificationFailed(f"a kept checkpoint does not verify: {exc.detail}") from None


def _verify_with_chain(note: str, origin: str, chain: Sequence[bytes], what: str) -> Checkpoint:
    """Verify ``note`` against the checkpoint keys of the chain, the latest first (a prefix exported
    after a rotation is signed by the key in force when it was exported)."""
    failure: errors.InvalidCheckpoint | None = None
    for key in reversed(chain):
        try:
            return verify_checkpoint(note, verifier_key_of(origin, key))
        except errors.InvalidCheckpoint as exc:
            failure = failure or exc
    assert failure is not None
    raise errors.VerificationFailed(f"{what}: {failure.detail}") from None


def _check_record(
    record: Any,
    line: bytes,
    index: int,
    last_recorded: datetime | None,
    origin: str,
    state: MemoryState,
    signatures: SignatureChecks,
) -> datetime:
    def fail(reason: str) -> errors.VerificationFailed:
        return errors.VerificationFailed(reason, index=index)

    if not isinstance(record, dict) or set(record) != {"index", "recorded_at", "envelope", "signature"}:
        raise fail("not a log record")
    if record["index"] != index:
        raise fail(f"the record says index {record['index']}: an entry is missing, repeated or out of order")
    try:
        if canonical_json(record) != line:
            raise fail("the record's bytes are not its canonical form")
        recorded_at = parse_timestamp(record["recorded_at"], field="recorded_at")
    except errors.LedgerError as exc:
        raise fail(exc.detail) from None
    if last_recorded is not None and recorded_at < last_recorded:
        raise fail("recorded_at goes back in time")
    envelope = record["envelope"]
    try:
        if index == 0:
            _check_genesis(envelope, origin)
            public_key = b64decode(envelope["payload"]["operator"]["public_key"], field="public_key", length=32)
        else:
            key = state.get(PartyKey, envelope.get("key"))
            if key is None or key.party_id != envelope.get("signer"):
                raise fail(f"signed with key {envelope.get('key')}, which the log had not registered to {envelope.get('signer')!r}")
            public_key = key.public_key
        # The line is canonical (checked above), so the envelope's canonical bytes, which the party
        # signed, sit between '{"envelope":' and the last ',"index":'; no need to encode them again.
        envelope_bytes = line[len(b'{"envelope":') : line.rindex(b',"index":')]
        try:
            signature = b64decode(record["signature"], field="signature", length=64)
        except errors.InvalidBase64 as exc:
            raise fail(f"invalid-signature: {exc.detail}") from None
        signatures.check(index, envelope_bytes, signature, public_key)
        replay_record(state, record, trusted=True)
    except errors.VerificationFailed:
        raise
    except errors.LedgerError as exc:
        raise fail(f"{exc.code}: {exc.detail}") from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise fail(f"malformed envelope ({exc!r})") from None
    return recorded_at


def _check_genesis(envelope: Any, origin: str) -> None:
    if not isinstance(envelope, dict) or envelope.get("type") != GENESIS:
        raise errors.VerificationFailed("the first entry is not the genesis entry", index=0)
    payload = envelope.get("payload", {})
    if payload.get("origin") != origin:
        raise errors.VerificationFailed(f"genesis names origin {payload.get('origin')!r}, not {origin!r}", index=0)
