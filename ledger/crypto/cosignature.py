"""C2SP tlog-cosignature v1 (Ed25519): a witness's timestamped signature on a checkpoint it verified.

A cosignature is a signed-note signature line ``— <witness name> base64(key ID ‖ timestamp ‖ signature)``
where the key ID is SHA-256(name ‖ "\\n" ‖ 0x04 ‖ public key)[:4], the timestamp a big-endian u64 of
POSIX seconds, and the Ed25519 signature is over ``cosignature/v1\\ntime <timestamp>\\n`` followed by the
checkpoint's body. A witness policy names the witnesses a reader trusts and how many of them must have
cosigned. Pure.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from hashlib import sha256
from typing import Sequence

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.crypto.checkpoint import SIGNATURE_PREFIX
from ledger.crypto.signing import raw_public_key
from ledger.errors import InvalidCheckpoint

ALG_COSIGNATURE_V1 = 0x04
KEY_ID_SIZE = 4
TIMESTAMP_SIZE = 8
SIGNATURE_SIZE = 64
HEADER = "cosignature/v1\n"
MAX_TIMESTAMP = 2**63 - 1


@dataclass(frozen=True)
class Cosigner:
    """A witness as a reader pins it: its name and Ed25519 public key."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return cosigner_key_id(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        return cosigner_vkey(self.name, self.public_key)


@dataclass(frozen=True)
class WitnessPolicy:
    """At least ``threshold`` of ``witnesses`` must have cosigned a checkpoint for a reader to trust it."""

    witnesses: tuple[Cosigner, ...]
    threshold: int

    def __post_init__(self) -> None:
        if not 1 <= self.threshold <= len(self.witnesses):
            raise InvalidCheckpoint(f"a witness policy needs a threshold from 1 to the {len(self.witnesses)} witnesses it names, not {self.threshold}")
        if len({w.name for w in self.witnesses}) != len(self.witnesses):
            raise InvalidCheckpoint("a witness policy names each witness once")


def cosigner_key_id(name: str, public_key: bytes) -> bytes:
    return sha256(name.encode("utf-8") + b"\n" + bytes([ALG_COSIGNATURE_V1]) + public_key).digest()[:KEY_ID_SIZE]


def cosigner_vkey(name: str, public_key: bytes) -> str:
    """The witness's verifier key as signed-note vkeys write it, with signature type 0x04."""
    encoded = base64.b64encode(bytes([ALG_COSIGNATURE_V1]) + public_key).decode()
    return f"{name}+{cosigner_key_id(name, public_key).hex()}+{encoded}"


def parse_cosigner_vkey(text: str) -> Cosigner:
    """:raises InvalidCheckpoint: for anything but ``<name>+<8 hex>+<base64(0x04 ‖ 32-byte key)>`` whose hash matches."""
    name, _, rest = text.strip().partition("+")
    hash_hex, _, encoded = rest.partition("+")
    try:
        material = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidCheckpoint(f"the witness key {text!r} is not name+hash+base64") from None
    if not name or " " in name or len(material) != 33 or material[0] != ALG_COSIGNATURE_V1:
        raise InvalidCheckpoint(f"the witness key {text!r} is not a cosignature/v1 (type 0x04) Ed25519 key")
    cosigner = Cosigner(name, material[1:])
    if cosigner.key_id.hex() != hash_hex:
        raise InvalidCheckpoint(f"the witness key {text!r} has a hash that does not match its key")
    return cosigner


def signed_message(checkpoint_body: str, timestamp: int) -> bytes:
    """What a cosigner signs: the header line, the time line, then the checkpoint's body."""
    return f"{HEADER}time {timestamp}\n{checkpoint_body}".encode("utf-8")


def cosign(checkpoint_body: str, key: Ed25519PrivateKey, *, name: str, timestamp: int) -> str:
    """A cosignature line (ending in a newline) on a checkpoint body (its text before the blank line).

    :raises InvalidCheckpoint: for a timestamp outside 0 to 2**63 - 1.
    """
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise InvalidCheckpoint("a cosignature's timestamp is 0 to 2**63 - 1")
    signature = key.sign(signed_message(checkpoint_body, timestamp))
    blob = cosigner_key_id(name, raw_public_key(key)) + timestamp.to_bytes(TIMESTAMP_SIZE, "big") + signature
    return f"{SIGNATURE_PREFIX}{name} {base64.b64encode(blob).decode()}\n"


def split_note(note: str) -> tuple[str, list[str]]:
    """A note's body (with its final newline) and its signature lines.

    :raises InvalidCheckpoint: when there is no blank line before the signatures.
    """
    at = note.find("\n\n")
    if at < 0 or not note.endswith("\n"):
        raise InvalidCheckpoint("a note is its text, a blank line, then signature lines each ending in a newline")
    return note[: at + 1], note[at + 2 : -1].split("\n") if note[at + 2 :] else []


def cosigned_by(note: str, policy: WitnessPolicy) -> dict[str, int]:
    """The policy's witnesses whose cosignature on ``note`` verifies, with the time each cosigned.

    Lines from other keys are ignored, as signed notes say; a line that names a policy witness and its
    key ID but does not verify is a forgery, and refuses the note.

    :raises InvalidCheckpoint: for a malformed note or a cosignature by a policy witness that does not verify.
    """
    body, lines = split_note(note)
    by_id = {(w.name, w.key_id): w for w in policy.witnesses}
    found: dict[str, int] = {}
    for line in lines:
        if not line.startswith(SIGNATURE_PREFIX):
            raise InvalidCheckpoint("a signature line starts with an em dash and a space")
        name, _, encoded = line[len(SIGNATURE_PREFIX):].partition(" ")
        try:
            blob = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidCheckpoint(f"the signature line of {name} is not base64") from None
        witness = by_id.get((name, blob[:KEY_ID_SIZE]))
        if witness is None:
            continue
        if len(blob) != KEY_ID_SIZE + TIMESTAMP_SIZE + SIGNATURE_SIZE:
            raise InvalidCheckpoint(f"the cosignature of {name} is not {KEY_ID_SIZE + TIMESTAMP_SIZE + SIGNATURE_SIZE} bytes")
        timestamp = int.from_bytes(blob[KEY_ID_SIZE : KEY_ID_SIZE + TIMESTAMP_SIZE], "big")
        try:
            Ed25519PublicKey.from_public_bytes(witness.public_key).verify(blob[KEY_ID_SIZE + TIMESTAMP_SIZE :], signed_message(body, timestamp))
        except _CryptoInvalidSignature:
            raise InvalidCheckpoint(f"the cosignature of witness {name} does not verify: forged, or on another checkpoint") from None
        found.setdefault(name, timestamp)
    return found


def check_policy(note: str, policy: WitnessPolicy) -> dict[str, int]:
    """``cosigned_by``, refusing a note fewer than ``policy.threshold`` witnesses cosigned.

    :raises InvalidCheckpoint: naming who cosigned and how many were needed.
    """
    found = cosigned_by(note, policy)
    if len(found) < policy.threshold:
        names = ", ".join(sorted(found)) or "none"
        raise InvalidCheckpoint(f"{len(found)} of the policy's {len(policy.witnesses)} witnesses cosigned ({names}); {policy.threshold} are needed")
    return found


def merge_cosignatures(note: str, lines: Sequence[str]) -> str:
    """The note with cosignature lines added after its own signatures (each once)."""
    existing = set(split_note(note)[1])
    added = [line.rstrip("\n") for line in lines if line.rstrip("\n") not in existing]
    return note + "".join(f"{line}\n" for line in dict.fromkeys(added))
