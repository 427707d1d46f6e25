"""The export bundle and its offline verifier: everything an auditor needs, checked without the server.

A bundle is UTF-8 JSON Lines: a manifest line, then each log record's exact RFC 8785 bytes in index
order, then a line holding the signed checkpoint at the bundle's tree size. A *prefix* bundle holds the
records 0 .. tree_size - 1; a *range* bundle the records from .. tree_size - 1, its manifest adding
``from`` and ``frontier``: the hashes of the perfect subtrees of the tree of the first ``from`` entries
(left to right, largest first), from which the root at ``tree_size`` is recomputed, so the signed
checkpoint authenticates them too.

The verifier streams a bundle in one pass, holding only the Merkle frontier and the replayed state: it
recomputes every leaf hash and the root, checks the checkpoint's signature against the pinned key,
indices without gaps and ``recorded_at`` never decreasing, every envelope's signature against the keys
the log itself registered before it (genesis as the trust anchor, revocations honoured), and every
domain rule by replay. A range continues the state of the bundles before it (its *bases*, verified
first); a range verified without them checks only what needs no earlier state, and says what it did not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from hashlib import sha256
from json.encoder import c_encode_basestring, c_make_encoder  # type: ignore[attr-defined]
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Sequence, Union

import msgspec
import orjson

from ledger import errors
from ledger.crypto.canonical import MAX_DEPTH, MAX_SAFE_INTEGER, b64decode, b64encode, canonical_json
from ledger.crypto.checkpoint import Checkpoint, parse_checkpoint_body, parse_verifier_key, verify_checkpoint
from ledger.crypto.checkpoint import verifier_key as verifier_key_of
from ledger.domain.catalog import ENTRY_TYPES, GENESIS, entry_type
from ledger.domain.entities import CHECKPOINT_KEY_NAME, LogSigningKey, PartyKey
from ledger.domain.envelope import check_envelope, parse_time
from ledger.domain.replay import replay_record
from ledger.domain.types.checkpoint_keys import ROTATED
from ledger.domain.rules import load_payload
from ledger.domain.state import MemoryState
from ledger.merkle.hashing import EMPTY_ROOT, node_hash
from ledger.merkle.proofs import perfect_subtrees
from ledger.verify.signatures import SignatureChecks

FORMAT = "greenledger-bundle/1"


# --- the bundle's framing lines ------------------------------------------------------------------


def manifest(origin: str, tree_size: int, verifier_key: str, *, start: int = 0, frontier: Sequence[bytes] = ()) -> bytes:
    """The manifest line: a prefix bundle's (``start`` 0), or a range bundle's with ``from`` and ``frontier``."""
    head: dict[str, Any] = {"format": FORMAT, "origin": origin, "tree_size": tree_size, "verifier_key": verifier_key}
    if start:
        head["from"] = start
        head["frontier"] = [b64encode(h) for h in frontier]
    return canonical_json(head)


def checkpoint_line(note: str) -> bytes:
    return canonical_json({"checkpoint": note})


class MerkleFrontier:
    """The RFC 9162 root of a growing list of leaves, in O(log n) memory (one hash per perfect subtree)."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        """:param size: leaves already covered by ``hashes``, the perfect subtrees of a tree of that size."""
        expected = len(perfect_subtrees(0, size))
        if expected != len(hashes):
            raise ValueError(f"a tree of {size} leaves has {expected} perfect subtrees, not {len(hashes)}")
        # The perfect subtrees are the set bits of the size, largest first: appending a leaf merges one
        # subtree per trailing 1 bit of the size, as adding 1 carries.
        self._size = size
        self._hashes = list(hashes)

    def append(self, leaf: bytes) -> None:
        """Add the leaf with hash ``leaf`` (RFC 9162 §2.1.1 ``leaf_hash``)."""
        size, hashes, node = self._size, self._hashes, leaf
        while size & 1:
            node = sha256(b"\x01" + hashes.pop() + node).digest()  # node_hash(left, node), inlined: once per entry
            size >>= 1
        hashes.append(node)
        self._size += 1

    def hashes(self) -> list[bytes]:
        return list(self._hashes)

    def root(self) -> bytes:
        if not self._hashes:
            return EMPTY_ROOT
        node = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            node = node_hash(left, node)
        return node


@dataclass
class VerificationReport:
    origin: str
    tree_size: int
    root_hash: bytes
    entries: int  # entries checked (in the bundle and its bases)
    as_of: datetime | None  # recorded_at of the last entry
    state: MemoryState = field(repr=False)
    start: int = 0  # the first index checked: above 0 when a range was verified without its bases
    not_checked: list[str] = field(default_factory=list)  # what could not be verified, and why
    #: The checkpoint keys the log has used, genesis first, each later one endorsed by the one before
    #: (empty when the chain did not start at index 0).
    checkpoint_keys: tuple[bytes, ...] = ()

    def verifier_keys(self) -> list[str]:
        return [verifier_key_of(self.origin, key) for key in self.checkpoint_keys]

    @property
    def complete(self) -> bool:
        return not self.not_checked


_CORRECTION = b'"type":"entry.corrected"'
_BLOCK = 1 << 20


def corrected_indices(lines: Iterable[bytes] | BinaryIO) -> set[int]:
    """The indices that the bundle's entry.corrected entries name: a cheap first pass over a file (read
    in blocks, searched for the type, when ``lines`` is a binary file), or over lines."""
    found: set[int] = set()
    if not hasattr(lines, "readinto"):
        for line in lines:
            if _CORRECTION in line:
                _add_corrected(line, found)
        return found
    # One buffer, refilled in place after the partial line at its end is moved to its start: a
    # bundle of a million entries is half a gigabyte, and copying each block into new bytes objects
    # took longer than searching it.
    buffer = bytearray(_BLOCK)
    kept = 0  # bytes of a partial line at the buffer's start
    while True:
        if kept == len(buffer):  # a line longer than the buffer
            buffer.extend(bytes(len(buffer)))
        with memoryview(buffer) as view:
            read = lines.readinto(view[kept:]) or 0
        end = kept + read
        cut = buffer.rfind(b"\n", 0, end) + 1 if read else end
        _scan_corrections(buffer, cut, found)
        if not read:
            return found
        buffer[: end - cut] = buffer[cut:end]
        kept = end - cut


def _scan_corrections(buffer: bytearray, end: int, found: set[int]) -> None:
    """Add the corrected indices of the whole lines in ``buffer[:end]``."""
    at = buffer.find(_CORRECTION, 0, end)
    while at >= 0:
        start, stop = buffer.rfind(b"\n", 0, at) + 1, buffer.find(b"\n", at, end)
        stop = end if stop < 0 else stop
        _add_corrected(bytes(buffer[start:stop]), found)
        at = buffer.find(_CORRECTION, stop, end)


def _add_corrected(line: bytes, found: set[int]) -> None:
    try:
        found.add(int(json.loads(line)["envelope"]["payload"]["corrects"]))
    except (ValueError, KeyError, TypeError):
        pass  # a malformed line; the verifying pass reports it


def _json_line(line: bytes, what: str, index: int | None) -> Any:
    try:
        return json.loads(line)
    except ValueError as exc:
        raise errors.VerificationFailed(f"{what} is not JSON: {exc}", index=index) from None


# --- records: JSON, canonical form, timestamps ---------------------------------------------------


class _NotCanonical(ValueError):
    pass


def _no_fraction(text: str) -> Any:
    raise _NotCanonical("numbers with a fraction are not accepted")


def _no_constant(text: str) -> Any:
    raise _NotCanonical(f"{text} is not JSON")


def _safe_int(text: str) -> int:
    value = int(text)
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise _NotCanonical("integer outside ±(2**53 - 1)")
    return value


# Numbers that JCS cannot hold exactly are refused while parsing, so the re-encoding below is RFC 8785.
_DECODER = json.JSONDecoder(parse_float=_no_fraction, parse_int=_safe_int, parse_constant=_no_constant)
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
# What _ENCODER.encode runs for a dict, built once rather than per call; no cycle check (markers None),
# as decoded JSON has no cycles. (None on an interpreter without the C accelerator.)
_ITERENCODE = (
    c_make_encoder(None, _ENCODER.default, c_encode_basestring, None, ":", ",", True, False, False)
    if c_make_encoder is not None and c_encode_basestring is not None
    else None
)


def _encode(value: Any) -> str:
    return "".join(_ITERENCODE(value, 0)) if _ITERENCODE is not None else _ENCODER.encode(value)
_RECORD_FIELDS = frozenset({"index", "recorded_at", "envelope", "signature"})


def _nesting_at_most(levels: int) -> Any:
    """The type of a JSON value without fractions or exponents, its objects and arrays at most ``levels`` deep."""
    scalar: Any = Union[str, int, bool, None]
    value = scalar
    for _ in range(levels):
        value = Union[scalar, dict[str, value], list[value]]  # type: ignore[valid-type]
    return value


#: Container levels a record takes the fast path with: the record, its envelope, the payload, and up to
#: three within it (a correction's payload and its lists). Far below MAX_DEPTH, so nothing it admits is
#: too deep for RFC 8785; deeper records take the slow path.
_FAST_LEVELS = 6

# The fast path of ``_canonical_record``: parsing that refuses fractions, exponents and nesting beyond
# _FAST_LEVELS (a type msgspec checks while it parses: no pass of our own counts brackets), and a
# compact sorted encoding that refuses integers beyond ±(2**53 - 1); each escapes strings as RFC 8785 does.
_FAST_DECODE = msgspec.json.Decoder(dict[str, _nesting_at_most(_FAST_LEVELS - 1)]).decode  # type: ignore[misc]
_FAST_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER


def _canonical_record(line: bytes) -> Any:
    """Parse a record line and check that it is its own RFC 8785 form.

    For an ASCII line (so every key is ASCII and code-point order is JCS's UTF-16 order): when msgspec
    parses it as an object nested at most ``_FAST_LEVELS`` deep (far less than ``MAX_DEPTH``) without a
    fraction or exponent, and orjson's compact sorted encoding of the result, with no integer beyond
    ±(2**53 - 1), is the line itself, the line is canonical. Anything else (a lone surrogate, a float,
    a duplicate key, whitespace, other orders, deeper nesting) takes the slow path, which names what is
    wrong: the standard library's decoder with hooks that refuse what JCS cannot hold exactly, and
    ``canonical_json``'s encoding.

    :raises _NotCanonical: naming what is wrong; ValueError when the line is not JSON.
    """
    ascii = line.isascii()
    if ascii:
        try:
            value = _FAST_DECODE(line)
            if orjson.dumps(value, option=_FAST_OPTIONS) == line:
                return value
        except (msgspec.DecodeError, msgspec.ValidationError, orjson.JSONEncodeError, ValueError, TypeError):
            pass
    simple = ascii and line.count(b"{") + line.count(b"[") <= MAX_DEPTH  # then no depth to check below
    text = line.decode("utf-8")
    value, end = _DECODER.raw_decode(text)
    if end != len(text):
        raise _NotCanonical("the record's bytes are not its canonical form")  # whitespace or more after the value
    if simple:
        try:
            same = _encode(value).encode("utf-8") == line
        except UnicodeEncodeError:
            raise _NotCanonical("a string holds a lone surrogate") from None
    else:
        try:
            same = canonical_json(value) == line
        except errors.LedgerError as exc:
            raise _NotCanonical(exc.detail) from None
    if not same:
        raise _NotCanonical("the record's bytes are not its canonical form")
    return value


# --- verification ----------------------------------------------------------------------------------


def verify_bundle(
    lines: Iterable[bytes],
    *,
    origin: str,
    verifier_key: str,
    kept: Iterable[str] = (),
    corrected: set[int] | None = None,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    bases: Sequence[Iterable[bytes]] = (),
) -> VerificationReport:
    """Verify a bundle against the two pinned trust anchors: the log's origin and its verifier key.

    :param lines: the bundle's lines (trailing newlines are ignored).
    :param kept: checkpoint notes the auditor kept from earlier; the bundle's log must extend each one
        (a log rewritten behind them, even with a fresh valid checkpoint, fails at their size).
    :param corrected: the indices the entry.corrected entries of the bundle and its bases name
        (``corrected_indices``), when known: only those entries are remembered for replaying
        corrections, so memory does not grow with the log's length. None remembers every entry (a
        stream that cannot be read twice).
    :param jobs: worker processes for signature checks (1: check them inline).
    :param progress: called with the number of entries checked so far, every 1,000 entries.
    :param bases: bundles verified first, in order, each starting where the one before ends (the first
        from index 0, for a complete verification); ``lines`` then starts where the last ends and its
        frontier must be the one they built. This is the incremental audit: yesterday's bundle of the
        first N entries as the base of today's range [N, M).
    :returns: what was verified, with the replayed state (for recomputing reports). When the first
        bundle is a range, ``not_checked`` says what needed the entries before it.
    :raises VerificationFailed: naming the first index at fault and why.
    """
    key_name, _, checkpoint_public_key = parse_verifier_key(verifier_key)
    if key_name != origin:
        raise errors.VerificationFailed(f"the verifier key is for {key_name!r}, not the pinned origin {origin!r}")
    checkpoints_kept: dict[int, bytes] = {}
    # A kept checkpoint signed by another key of the log's key chain is checked once the chain is known.
    signed_by_another_key: list[str] = []
    for note_kept in kept:
        try:
            old = verify_checkpoint(note_kept, verifier_key)
        except errors.InvalidCheckpoint as exc:
            old = _unverified_checkpoint(note_kept, exc)
            signed_by_another_key.append(note_kept)
        checkpoints_kept[old.tree_size] = old.root_hash
    chain = _Chain(origin, verifier_key, checkpoint_public_key, checkpoints_kept, corrected, progress)
    chain.kept_to_check = signed_by_another_key
    signatures = SignatureChecks(jobs)
    try:
        for position, bundle in enumerate([*bases, lines]):
            chain.verify(bundle, signatures, base=position < len(bases))
    except errors.VerificationFailed as exc:
        bad = signatures.first_failure()
        if bad is not None and (exc.index is None or bad[0] <= exc.index):  # a bad signature explains the rest
            raise errors.VerificationFailed(bad[1], index=bad[0]) from None
        raise
    finally:
        signatures.close()
    return chain.report()


class _Chain:
    """The verification of one bundle after another, each continuing the state of those before."""

    def __init__(
        self,
        origin: str,
        verifier_key: str,
        checkpoint_public_key: bytes,
        kept: dict[int, bytes],
        corrected: set[int] | None,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.origin, self.verifier_key, self.checkpoint_public_key = origin, verifier_key, checkpoint_public_key
        self.kept, self.progress = kept, progress
        self.state = MemoryState(remember=None if corrected is None else corrected.__contains__)
        self.frontier = MerkleFrontier()
        self.start: int | None = None  # the first index of the first bundle
        self.size = 0  # entries verified so far, i.e. the next index
        self.last_recorded: datetime | None = None
        self.root = EMPTY_ROOT
        self.bundles = 0
        #: The checkpoint keys in force one after another (genesis, then each rotation), when stateful.
        self.keys: list[bytes] = []
        self.kept_to_check: list[str] = []

    @property
    def stateful(self) -> bool:
        """Whether the state before the next entry is known (the chain starts at index 0)."""
        return self.start == 0

    def verify(self, lines: Iterable[bytes], signatures: SignatureChecks, *, base: bool) -> None:
        what = "a base bundle" if base else "the bundle"
        iterator = iter(lines)
        head = _json_line(next(iterator, b"").rstrip(b"\n"), f"the manifest of {what}", None)
        if not isinstance(head, dict) or head.get("format") != FORMAT:
            raise errors.VerificationFailed(f"{what} is not a {FORMAT} bundle")
        start, hashes = self._range_of(head, what)
        if self.start is None:
            self.start, self.size = start, start
            self.frontier = MerkleFrontier(start, hashes)
            self.root = self.frontier.root()
            if start in self.kept and self.root != self.kept[start]:
                raise errors.VerificationFailed(
                    f"the frontier of the first {start} entries does not hash to the checkpoint kept at that size: the log forked or was rewritten"
                )
        elif start != self.size:
            raise errors.VerificationFailed(
                f"{what} starts at index {start}, but the bundles before it end at {self.size}: give the base that ends where it starts"
            )
        elif hashes != self.frontier.hashes():
            raise errors.VerificationFailed(
                f"{what} does not extend its base: its frontier at {start} entries is not the base's (root "
                f"{_fold(start, hashes).hex()}, the base's {self.root.hex()}): a wrong base, or the log forked or was rewritten"
            )
        self.bundles += 1
        note = self._records(iterator, signatures)
        self._close(note, signatures, what)

    def _range_of(self, head: dict[str, Any], what: str) -> tuple[int, list[bytes]]:
        start = head.get("from", 0)
        if type(start) is not int or start < 0:
            raise errors.VerificationFailed(f"the manifest of {what}: from must be an entry count, not {start!r}")
        if start == 0:
            if "frontier" in head:
                raise errors.VerificationFailed(f"the manifest of {what}: a bundle from index 0 has no frontier")
            return 0, []
        encoded = head.get("frontier")
        if not isinstance(encoded, list):
            raise errors.VerificationFailed(f"the manifest of {what}: a range from {start} needs its frontier")
        try:
            hashes = [b64decode(h, field="frontier", length=32) for h in encoded]
            MerkleFrontier(start, hashes)
        except (errors.LedgerError, ValueError) as exc:
            raise errors.VerificationFailed(f"the manifest of {what}: not the frontier of {start} entries ({exc})") from None
        return start, hashes

    def _records(self, iterator: Iterator[bytes], signatures: SignatureChecks) -> str | None:
        """Check each record line up to the checkpoint line; the checkpoint note (None if missing)."""
        index, frontier, kept, progress = self.size, self.frontier, self.kept, self.progress
        append, state, stateful = frontier.append, self.state, self.stateful
        last_recorded = self.last_recorded
        last_recorded_text: object = None
        note: str | None = None
        try:
            for raw in iterator:
                line = raw.rstrip(b"\n")
                if not line:
                    continue
                if note is not None:
                    raise errors.VerificationFailed("lines follow the checkpoint", index=index)
                if line.startswith(b'{"checkpoint":'):
                    value = _json_line(line, "the checkpoint line", index)
                    if isinstance(value, dict) and set(value) == {"checkpoint"}:
                        note = value["checkpoint"]
                        continue
                try:
                    record = _canonical_record(line)
                except _NotCanonical as exc:
                    raise errors.VerificationFailed(str(exc), index=index) from None
                except ValueError as exc:
                    raise errors.VerificationFailed(f"a record is not JSON: {exc}", index=index) from None
                if type(record) is not dict or record.keys() != _RECORD_FIELDS:
                    raise errors.VerificationFailed("not a log record", index=index)
                if type(record["index"]) is not int or record["index"] != index:
                    raise errors.VerificationFailed(
                        f"the record says index {record['index']}: an entry is missing, repeated or out of order", index=index
                    )
                recorded_text = record["recorded_at"]
                if recorded_text != last_recorded_text:  # a batch of entries shares one recorded_at
                    try:
                        recorded_at = parse_time(recorded_text, field="recorded_at")
                    except errors.LedgerError as exc:
                        raise errors.VerificationFailed(exc.detail, index=index) from None
                    if last_recorded is not None and recorded_at < last_recorded:
                        raise errors.VerificationFailed("recorded_at goes back in time", index=index)
                    last_recorded, last_recorded_text = recorded_at, recorded_text
                if stateful:
                    self._check_entry(record, line, index, state, signatures)
                else:
                    _check_alone(record, index)
                append(sha256(b"\x00" + line).digest())  # leaf_hash(line), inlined: once per entry
                index += 1
                if index in kept and frontier.root() != kept[index]:
                    raise errors.VerificationFailed(
                        f"the first {index} entries no longer hash to the checkpoint kept at that size: the log forked or was rewritten",
                        index=index - 1,
                    )
                if progress and index % 1000 == 0:
                    progress(index - (self.start or 0))
        finally:
            self.size, self.last_recorded = index, last_recorded
        return note

    def _check_entry(self, record: dict[str, Any], line: bytes, index: int, state: MemoryState, signatures: SignatureChecks) -> None:
        envelope = record["envelope"]
        try:
            if index == 0:
                _check_genesis(envelope, self.origin)
                public_key = b64decode(envelope["payload"]["operator"]["public_key"], field="public_key", length=32)
            else:
                key = state.get(PartyKey, envelope.get("key"))
                if key is None or key.party_id != envelope.get("signer"):
                    raise errors.VerificationFailed(
                        f"signed with key {envelope.get('key')}, which the log had not registered to {envelope.get('signer')!r}", index=index
                    )
                public_key = key.public_key
            signature = record["signature"]
            if type(signature) is not str:
                raise errors.VerificationFailed("invalid-signature: must be a base64 string", index=index)
            signatures.check(index, line, public_key)
            replay_record(state, record, trusted=True)
            if index == 0 or envelope["type"] == ROTATED:
                current = state.get(LogSigningKey, CHECKPOINT_KEY_NAME)
                assert current is not None  # the genesis entry, replayed, put one in force
                self.keys.append(current.public_key)
        except errors.VerificationFailed:
            raise
        except errors.LedgerError as exc:
            raise errors.VerificationFailed(f"{exc.code}: {exc.detail}", index=index) from None
        except (KeyError, TypeError, AttributeError) as exc:
            raise errors.VerificationFailed(f"malformed envelope ({exc!r})", index=index) from None

    def _close(self, note: str | None, signatures: SignatureChecks, what: str) -> None:
        size = self.size
        if note is None:
            raise errors.VerificationFailed(f"{what} ends without its checkpoint", index=size)
        bad = signatures.first_failure()
        if bad is not None:
            raise errors.VerificationFailed(bad[1], index=bad[0])
        checkpoint = self._verify_note(note, "checkpoint")
        if checkpoint.tree_size != size:
            raise errors.VerificationFailed(
                f"the checkpoint covers {checkpoint.tree_size} entries, {what} ends at {size}", index=min(size, checkpoint.tree_size)
            )
        root = self.frontier.root()
        if root != checkpoint.root_hash:
            raise errors.VerificationFailed(
                f"the entries hash to a root other than the signed checkpoint's at tree size {size}: the log was rewritten"
            )
        self.root = root

    def _verify_note(self, note: str, what: str) -> Checkpoint:
        """Verify a checkpoint note: with the log's key chain (the latest key first) when it is known
        (``report`` then requires the pinned key to be one of them), else with the pinned key alone."""
        candidates = self.keys[::-1] if self.stateful else [self.checkpoint_public_key]
        failure: errors.InvalidCheckpoint | None = None
        for key in candidates:
            try:
                return verify_checkpoint(note, verifier_key_of(self.origin, key))
            except errors.InvalidCheckpoint as exc:
                failure = failure or exc
        assert failure is not None
        raise errors.VerificationFailed(f"{what}: {failure.detail}") from None

    def report(self) -> VerificationReport:
        start = self.start or 0
        if self.stateful and self.checkpoint_public_key not in self.keys:
            raise errors.VerificationFailed(
                "the pinned verifier key is neither the genesis entry's checkpoint key nor one the log rotated to"
            )
        for note_kept in self.kept_to_check:
            self._verify_note(note_kept, "a kept checkpoint")
        beyond = [size for size in self.kept if size > self.size]
        if beyond:
            raise errors.VerificationFailed(
                f"the bundle holds {self.size} entries, fewer than a kept checkpoint's {max(beyond)}: the log shrank"
            )
        not_checked = []
        if start:
            not_checked += [
                f"signatures: the keys registered before index {start} are unknown without the bundle of the entries before it (--base)",
                f"domain rules: the state before index {start} is unknown without the bundle of the entries before it (--base)",
            ]
            earlier = sorted(size for size in self.kept if size < start)
            if earlier:
                not_checked.append(f"kept checkpoints at tree sizes {', '.join(map(str, earlier))}, before the range")
        if self.progress:
            self.progress(self.size - start)
        return VerificationReport(
            self.origin, self.size, self.root, self.size - start, self.last_recorded, self.state, start, not_checked, tuple(self.keys)
        )


def _fold(size: int, hashes: Sequence[bytes]) -> bytes:
    try:
        return MerkleFrontier(size, hashes).root()
    except ValueError:
        return b""


def _check_alone(record: dict[str, Any], index: int) -> None:
    """What an entry's own bytes can show without the log before it: its envelope's shape, its type, and
    its payload against the type's schema (signatures and rules need the keys and state before it)."""
    envelope = record["envelope"]
    try:
        if type(envelope) is not dict:
            raise errors.InvalidInput("envelope must be an object", field="envelope")
        if type(record["signature"]) is not str:
            raise errors.InvalidInput("signature must be a base64 string", field="signature")
        name, _, _, _, _, payload = check_envelope(envelope)
        kind = ENTRY_TYPES.get(name) or entry_type(name)
        if kind.name == GENESIS:
            raise errors.RuleViolation("a genesis entry may stand only at index 0", field="envelope.type", rule="genesis-not-first")
        load_payload(kind.schema, payload)
    except errors.LedgerError as exc:
        raise errors.VerificationFailed(f"{exc.code}: {exc.detail}", index=index) from None


def _unverified_checkpoint(note: str, failure: errors.InvalidCheckpoint) -> Checkpoint:
    """The size and root a note states, before its signature is checked (it is, once the key chain is known)."""
    body, separator, _ = note.partition("\n\n")
    try:
        if not separator:
            raise failure
        return parse_checkpoint_body(body + "\n")
    except errors.InvalidCheckpoint as exc:
        raise errors.VerificationFailed(f"a kept checkpoint does not verify: {exc.detail}") from None


def _check_genesis(envelope: Any, origin: str) -> None:
    if not isinstance(envelope, dict) or envelope.get("type") != GENESIS:
        raise errors.VerificationFailed("the first entry is not the genesis entry", index=0)
    payload = envelope.get("payload", {})
    if payload.get("origin") != origin:
        raise errors.VerificationFailed(f"genesis names origin {payload.get('origin')!r}, not {origin!r}", index=0)
