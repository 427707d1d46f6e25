"""Envelope signature checks for the offline verifier: inline, or in batches on one worker process per core.

Signatures are the costliest part of verification, so while the main process replays the rules in
order, worker processes check the signatures of earlier records. A batch is its records' canonical
bytes, newline-joined, with one key number per record. On platforms that fork, the bytes travel
through shared memory mapped before the workers start (a few megabytes per batch in flight), and the
pipe to a worker carries only where they are and the keys, so the main process spends next to
nothing on handing work over; elsewhere they travel through the pipe.
"""

from __future__ import annotations

import binascii
import mmap
import multiprocessing
from array import array
from binascii import a2b_base64, b2a_base64
from collections import deque
from multiprocessing.connection import Connection, wait
from typing import Any

from cryptography.exceptions import InvalidSignature as _BadSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger import errors
from ledger.crypto.canonical import b64decode
from ledger.crypto.signing import public_key_from_raw

#: Records per batch, and the bytes a batch may hold (its shared-memory slot's size).
SIGNATURE_BATCH = 2000
SLOT_BYTES = 4 << 20
#: Batches in flight per worker before the main process waits: keeps memory flat when replay outruns signatures.
BATCHES_IN_FLIGHT = 3

_SIGNATURE_FIELD = b',"signature":"'

#: Loaded public keys, per process: loading one costs a quarter of a verification, and a log has few keys.
_PUBLIC_KEYS: dict[bytes, Ed25519PublicKey] = {}

Failure = tuple[int, str]


def first_bad_signature(first: int, lines: bytes, key_numbers: array[int], keys: list[bytes]) -> Failure | None:
    """The first (index, reason) among a batch of records whose signature does not verify.

    :param first: the index of the batch's first record (the others follow without a gap).
    :param lines: the records' canonical bytes, newline-joined. Each was checked as its record's
        canonical form before it was sent, so the envelope's signed bytes sit between ``{"envelope":``
        and the last ``,"index":``, and the signature is the text of the last member, a JSON string
        with nothing to unescape in valid base64.
    :param key_numbers: per record, the position in ``keys`` of the public key it must verify under.
    :param keys: the batch's raw public keys.
    """
    loaded = _PUBLIC_KEYS
    verifiers = []
    for raw in keys:
        verifier = loaded.get(raw)
        if verifier is None:
            verifier = loaded[raw] = public_key_from_raw(raw)
        verifiers.append(verifier)
    for index, (line, key_number) in enumerate(zip(lines.split(b"\n"), key_numbers), first):
        signature_b64 = line[line.rindex(_SIGNATURE_FIELD) + len(_SIGNATURE_FIELD) : -2]
        signature = _canonical_signature(signature_b64)
        if signature is None:
            return index, f"invalid-signature: {_signature_fault(signature_b64)}"
        try:
            verifiers[key_number].verify(signature, line[12 : line.rindex(b',"index":')])
        except _BadSignature:
            return index, "invalid-signature: the signature does not verify"
    return None


def _canonical_signature(text: bytes) -> bytes | None:
    """The 64 bytes that ``text`` is the canonical padded base64 of (what ``b64decode`` accepts), else None.

    The strict decoder and the round trip refuse what ``b64decode`` refuses (other characters, padding
    out of place, non-zero padding bits) at a fraction of its cost: it runs once per entry.
    """
    try:
        signature = a2b_base64(text, strict_mode=True)
    except binascii.Error:
        return None
    return signature if len(signature) == 64 and b2a_base64(signature, newline=False) == text else None


def _signature_fault(text: bytes) -> str:
    """Why ``text`` is not a signature, in ``b64decode``'s words."""
    if b"\\" in text:
        return "must be base64"
    try:
        b64decode(text.decode("ascii", "replace"), field="signature", length=64)
    except errors.InvalidBase64 as exc:
        return exc.detail
    return "must be the canonical base64 of 64 bytes"


def _serve(connection: Connection, slots: list[mmap.mmap]) -> None:
    """A worker: check each batch it is sent, answer (the batch's first index, the first failure or None)."""
    while (message := connection.recv()) is not None:
        slot, size, lines, first, key_numbers, keys = message
        if slot is not None:
            lines = slots[slot][:size]
        connection.send((first, first_bad_signature(first, lines, key_numbers, keys)))
    connection.close()


class _Workers:
    """Worker processes, each fed batches through its own pipe, the bytes through shared memory slots."""

    def __init__(self, jobs: int) -> None:
        forking = "fork" in multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if forking else None)
        # Anonymous shared mappings made before the fork are the children's too; with another start
        # method the bytes go through the pipe.
        self._slots = [mmap.mmap(-1, SLOT_BYTES) for _ in range(BATCHES_IN_FLIGHT * jobs)] if forking else []
        self._free = list(range(len(self._slots)))
        self._connections: list[Connection] = []
        self._processes: list[Any] = []
        for _ in range(jobs):
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs, self._slots), daemon=True)
            process.start()
            theirs.close()
            self._connections.append(ours)
            self._processes.append(process)
        #: Per worker, the slots (or None) of the batches sent to it and not yet answered, oldest first.
        self._sent: dict[Connection, deque[int | None]] = {c: deque() for c in self._connections}
        self.failures: list[Failure] = []

    def submit(self, first: int, lines: bytes, key_numbers: array[int], keys: list[bytes]) -> None:
        while min(len(sent) for sent in self._sent.values()) >= BATCHES_IN_FLIGHT:
            self._collect()
        connection = min(self._connections, key=lambda c: len(self._sent[c]))
        if len(lines) <= SLOT_BYTES and self._free:
            slot: int | None = self._free.pop()
            assert slot is not None
            self._slots[slot][: len(lines)] = lines
            connection.send((slot, len(lines), b"", first, key_numbers, keys))
        else:
            slot = None
            connection.send((None, 0, lines, first, key_numbers, keys))
        self._sent[connection].append(slot)

    def _collect(self) -> None:
        """Wait for at least one answer; take every answer that has come."""
        busy = [c for c, sent in self._sent.items() if sent]
        for connection in wait(busy):
            assert isinstance(connection, Connection)
            try:
                _, failure = connection.recv()
            except EOFError:
                raise errors.VerificationFailed("a signature worker process died") from None
            slot = self._sent[connection].popleft()
            if slot is not None:
                self._free.append(slot)
            if failure is not None:
                self.failures.append(failure)

    def drain(self) -> None:
        while any(self._sent.values()):
            self._collect()

    def close(self) -> None:
        for connection in self._connections:
            try:
                connection.send(None)
            except OSError:
                pass  # already gone
            connection.close()
        for process in self._processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
        for slot in self._slots:
            slot.close()


#: The key numbers of a batch of one record (only read).
_ONE_RECORD = array("I", [0])


class SignatureChecks:
    """Ed25519 checks inline (one job) or in batches on worker processes (several)."""

    def __init__(self, jobs: int) -> None:
        self._workers = _Workers(jobs) if jobs > 1 else None
        self._first = 0
        self._bytes = 0
        self._lines: list[bytes] = []
        self._key_numbers = array("I")
        self._keys: dict[bytes, int] = {}
        self._failures: list[Failure] = []

    def check(self, index: int, line: bytes, public_key: bytes) -> None:
        """Check the signature of the canonical record ``line`` at ``index`` (consecutive from one call to
        the next) against ``public_key``, now or in a batch."""
        if self._workers is None:  # inline: as a batch of one, without building one per entry
            failure = first_bad_signature(index, line, _ONE_RECORD, [public_key])
            if failure is not None:
                self._failures.append(failure)
                raise errors.VerificationFailed(failure[1], index=failure[0])
            return
        lines = self._lines
        if not lines:
            self._first = index
        elif self._bytes + len(line) >= SLOT_BYTES:
            self._send()
            self._first = index
            lines = self._lines
        lines.append(line)
        self._bytes += len(line) + 1
        keys = self._keys
        number = keys.get(public_key)
        if number is None:
            number = keys[public_key] = len(keys)
        self._key_numbers.append(number)
        if len(lines) >= SIGNATURE_BATCH:
            self._send()

    def _send(self) -> None:
        if not self._lines:
            return
        assert self._workers is not None  # inline checks never gather a batch
        batch = (self._first, b"\n".join(self._lines), self._key_numbers, list(self._keys))
        self._lines, self._key_numbers, self._keys, self._bytes = [], array("I"), {}, 0
        self._workers.submit(*batch)

    def first_failure(self) -> Failure | None:
        """Wait for every batch sent; the smallest (index, reason) whose signature failed, if any."""
        if self._workers is not None:
            self._send()
            self._workers.drain()
            self._failures += self._workers.failures
            self._workers.failures = []
        return min(self._failures, default=None)

    def close(self) -> None:
        if self._workers is not None:
            self._workers.close()
