"""An independent check of C2SP tlog-cosignature v1 (Ed25519), written from the specification's text
(c2sp.org/tlog-cosignature, "Format" and "Ed25519 signed message"), sharing no code with
``ledger.crypto.cosignature``: the tests hold the log's cosignatures to it."""

from __future__ import annotations

import base64
import hashlib
import struct

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def verify_line(checkpoint_note: str, line: str, name: str, public_key: bytes) -> int | None:
    """The timestamp of ``line`` when it is a valid cosignature/v1 by (name, public_key) on the note's
    body, else None."""
    body = checkpoint_note.split("\n\n", 1)[0] + "\n"  # the note body, with its final newline
    prefix = "\u2014 " + name + " "
    if not line.startswith(prefix):
        return None
    raw = base64.b64decode(line[len(prefix):])
    # key ID = SHA-256(<name> || "\n" || 0x04 || 32-byte key)[:4]
    key_id = hashlib.sha256(name.encode() + b"\x0a" + b"\x04" + public_key).digest()[:4]
    if len(raw) != 4 + 8 + 64 or raw[:4] != key_id:
        return None
    (timestamp,) = struct.unpack(">Q", raw[4:12])
    if timestamp > 2**63 - 1:
        return None
    message = b"cosignature/v1\x0a" + b"time " + str(timestamp).encode() + b"\x0a" + body.encode()
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(raw[12:], message)
    except InvalidSignature:
        return None
    return int(timestamp)
