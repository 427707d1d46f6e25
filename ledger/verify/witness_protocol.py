"""A C2SP tlog-witness: ``add-checkpoint`` checks a log's new checkpoint against the latest one this witness
cosigned for that log, and cosigns it (C2SP tlog-cosignature v1) only when it extends it.

The request body is ``old <size>``, the consistency proof's hashes one per line, a blank line, then the
checkpoint note. The answers are the protocol's: 404 for a log the witness does not follow, 403 when no
signature verifies under the log's key, 400 for a malformed request or an old size above the new one,
409 (with the witness's size, ``text/x.tlog.size``) when the old size is not the one it cosigned last, or
the same size comes with another root (a fork), 422 when the proof does not verify, 200 with the
cosignature line. Checking and storing are one step under a lock, and the new checkpoint is stored
before the cosignature is returned, so the witness never cosigns a rollback.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import errors
from ledger.crypto.checkpoint import parse_checkpoint_body, parse_verifier_key, verify_checkpoint
from ledger.crypto.cosignature import cosign
from ledger.merkle.proofs import verify_consistency

SIZE_CONTENT_TYPE = "text/x.tlog.size"
MAX_PROOF_LINES = 63
#: A checkpoint with its proof is a few kilobytes; anything far larger is not a request.
MAX_REQUEST = 1 << 16


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


class Witness:
    """A witness's memory (one file per log under ``state``) and its key.

    :param logs: the verifier key of each log it follows (its name is the log's origin).
    :param now: POSIX seconds, for the cosignature's timestamp.
    """

    def __init__(self, state: Path, *, name: str, key: Ed25519PrivateKey, logs: list[str], now: Callable[[], int]) -> None:
        self.state = state
        self.name = name
        self.key = key
        self.now = now
        self.logs = {parse_verifier_key(vkey)[0]: vkey for vkey in logs}
        self._lock = threading.Lock()
        state.mkdir(parents=True, exist_ok=True)

    def _file(self, origin: str) -> Path:
        return self.state / f"{hashlib.sha256(origin.encode()).hexdigest()[:32]}.json"

    def latest(self, origin: str) -> tuple[int, bytes]:
        """The size and root of the latest checkpoint cosigned for ``origin`` ((0, b"") before any)."""
        path = self._file(origin)
        if not path.exists():
            return 0, b""
        kept = json.loads(path.read_text(encoding="utf-8"))
        return int(kept["tree_size"]), base64.b64decode(kept["root_hash"])

    def add_checkpoint(self, request: bytes) -> Answer:
        try:
            old, proof, note = _parse_request(request)
        except ValueError as exc:
            return Answer(400, f"{exc}\n")
        origin = note.split("\n", 1)[0]
        if origin not in self.logs:
            return Answer(404, f"this witness does not follow the log {origin!r}\n")
        try:
            checkpoint = verify_checkpoint(note, self.logs[origin])
        except errors.InvalidCheckpoint as exc:
            return Answer(403, f"the checkpoint does not verify under the log's key: {exc.detail}\n")
        if old > checkpoint.tree_size:
            return Answer(400, f"the old size {old} is above the checkpoint's {checkpoint.tree_size}\n")
        # Check against the stored checkpoint and store the new one as one step: between processes
        # (a lock file) and between this process's threads.
        with self._lock, open(self.state / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            size, root = self.latest(origin)
            if old != size:
                return Answer(409, f"{size}\n", SIZE_CONTENT_TYPE)
            if old == checkpoint.tree_size and size and root != checkpoint.root_hash:
                return Answer(409, f"fork: another root for tree size {size} than the one this witness cosigned\n")
            if 0 < old < checkpoint.tree_size:
                try:
                    verify_consistency(old, checkpoint.tree_size, root, checkpoint.root_hash, proof)
                except errors.LedgerError as exc:
                    return Answer(422, f"the consistency proof from {old} to {checkpoint.tree_size} does not verify: {exc.detail}\n")
            elif proof:
                return Answer(422, "the consistency proof must be empty when the old size is 0 or the same size\n")
            self._store(origin, checkpoint.tree_size, checkpoint.root_hash, note)
        body = note[: note.index("\n\n") + 1]
        return Answer(200, cosign(body, self.key, name=self.name, timestamp=self.now()))

    def _store(self, origin: str, size: int, root: bytes, note: str) -> None:
        path = self._file(origin)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"origin": origin, "tree_size": size, "root_hash": base64.b64encode(root).decode(), "note": note}))
        os.replace(temporary, path)


def _parse_request(request: bytes) -> tuple[int, list[bytes], str]:
    try:
        text = request.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("the request is not UTF-8") from None
    head, blank, note = text.partition("\n\n")
    if not blank:
        raise ValueError("the request is an old size line, proof lines, a blank line, then the checkpoint")
    lines = head.split("\n")
    first = lines[0]
    if not first.startswith("old ") or not first[4:].isdigit() or (first[4:] != "0" and first[4:].startswith("0")):
        raise ValueError("the first line is 'old <size>', in decimal without leading zeros")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise ValueError(f"at most {MAX_PROOF_LINES} consistency proof lines")
    proof = []
    for line in lines[1:]:
        try:
            digest = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError):
            digest = b""
        if len(digest) != 32:
            raise ValueError("each consistency proof line is one base64 SHA-256 hash")
        proof.append(digest)
    try:
        parse_checkpoint_body(note[: note.find("\n\n") + 1] if "\n\n" in note else note)
    except errors.InvalidCheckpoint as exc:
        raise ValueError(f"the checkpoint is malformed: {exc.detail}") from None
    return int(first[4:]), proof, note


def http_server(witness: Witness, host: str, port: int) -> ThreadingHTTPServer:
    """The witness on HTTP: ``POST /add-checkpoint`` (``serve_forever`` runs it; port 0 picks a free one).

    :raises OSError: when the address cannot be bound.
    """

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            if self.path.rstrip("/") != "/add-checkpoint":
                self._answer(Answer(404, "the witness answers POST /add-checkpoint\n"))
                return
            length = int(self.headers.get("Content-Length") or 0) if (self.headers.get("Content-Length") or "0").isdigit() else -1
            if not 0 <= length <= MAX_REQUEST:
                self._answer(Answer(400, f"the request must have a Content-Length of at most {MAX_REQUEST} bytes\n"))
                return
            self._answer(witness.add_checkpoint(self.rfile.read(length)))

        def _answer(self, answer: Answer) -> None:
            data = answer.body.encode("utf-8")
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
            pass  # the witness's answers are its log; a request line per call would bury them

    return ThreadingHTTPServer((host, port), Handler)
