"""C2SP tlog-checkpoint notes signed per C2SP signed-note with Ed25519 (DESIGN §6)."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from hashlib import sha256

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ledger.crypto.canonical import b64encode
from ledger.crypto.signing import raw_public_key
from ledger.errors import InvalidCheckpoint, InvalidKey

ALG_ED25519 = 0x01
KEY_HASH_SIZE = 4
ROOT_HASH_SIZE = 32
SIGNATURE_PREFIX = "\u2014 "  # EM DASH, space
# golang.org/x/mod/sumdb/note stops at 100 so a hostile note cannot cost unbounded work.
MAX_SIGNATURES = 100
_TREE_SIZE = re.compile(r"0|[1-9][0-9]*")
_KEY_HASH_HEX = re.compile(r"[0-9a-fA-F]{8}")
_MAX_TREE_SIZE = 2**64 - 1  # C2SP sizes are uint64


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head: the log's origin, its size and its RFC 9162 root hash."""

    origin: str
    tree_size: int
    root_hash: bytes

    def __post_init__(self) -> None:
        if not self.origin or any(_is_control(c) for c in self.origin):
            raise InvalidCheckpoint("origin must be non-empty with no control characters")
        if not 0 <= self.tree_size <= _MAX_TREE_SIZE:
            raise InvalidCheckpoint("tree size out of range")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != ROOT_HASH_SIZE:
            raise InvalidCheckpoint(f"root hash must be {ROOT_HASH_SIZE} bytes")

    def body(self) -> str:
        """The note text: ``<origin>\\n<size>\\n<base64 root>\\n``.

        :returns: the three lines, each ending in a newline.
        """
        return f"{self.origin}\n{self.tree_size}\n{b64encode(self.root_hash)}\n"


def _is_control(char: str) -> bool:
    # sumdb/note refuses ASCII control characters other than newline (DEL is allowed).
    return ord(char) < 0x20


def _is_valid_name(name: str) -> bool:
    # The rule of sumdb/note's isValidName: non-empty, no spaces, no "+".
    return bool(name) and "+" not in name and not any(c.isspace() or _is_control(c) for c in name)


def _strict_b64(text: str) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidCheckpoint("malformed base64") from None
    return data


def note_key_hash(name: str, public_key: bytes) -> bytes:
    """The signed-note key hash that tags each signature line.

    :param name: the key name.
    :param public_key: raw 32-byte Ed25519 public key.
    :returns: the first 4 bytes of SHA-256(name ‖ "\\n" ‖ 0x01 ‖ public_key).
    """
    material = name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + public_key
    return sha256(material).digest()[:KEY_HASH_SIZE]


def verifier_key(name: str, public_key: bytes) -> str:
    """The verifier key string auditors pin.

    :param name: the key name (the log's origin); no spaces and no "+".
    :param public_key: raw 32-byte Ed25519 public key.
    :returns: ``<name>+<8 lowercase hex of key hash>+<base64(0x01 ‖ public_key)>``.
    :raises InvalidKey: invalid name or public key length.
    """
    if not _is_valid_name(name):
        raise InvalidKey("key name must be non-empty with no spaces and no '+'")
    if len(public_key) != 32:
        raise InvalidKey("an Ed25519 public key is 32 bytes")
    encoded = b64encode(bytes([ALG_ED25519]) + public_key)
    return f"{name}+{note_key_hash(name, public_key).hex()}+{encoded}"


def parse_verifier_key(text: str) -> tuple[str, bytes, bytes]:
    """Parse and check a verifier key string.

    :param text: ``<name>+<hash hex>+<base64(0x01 ‖ key)>``.
    :returns: (name, 4-byte key hash, 32-byte public key).
    :raises InvalidCheckpoint: malformed, not Ed25519, or the hash does not match the key.
    """
    parts = text.split("+", 2)  # the base64 part may itself contain "+"
    if len(parts) != 3:
        raise InvalidCheckpoint("verifier key must be <name>+<hash>+<key>")
    name, hash_hex, key_b64 = parts
    if not _is_valid_name(name) or _KEY_HASH_HEX.fullmatch(hash_hex) is None:
        raise InvalidCheckpoint("malformed verifier key name or hash")
    material = _strict_b64(key_b64)
    if len(material) != 33 or material[0] != ALG_ED25519:
        raise InvalidCheckpoint("verifier key is not an Ed25519 key")
    public_key = material[1:]
    key_hash = bytes.fromhex(hash_hex)
    if note_key_hash(name, public_key) != key_hash:
        raise InvalidCheckpoint("verifier key hash does not match its key")
    return name, key_hash, public_key


def sign_note(text: str, key: Ed25519PrivateKey, *, name: str) -> str:
    """Sign arbitrary note text as sumdb/note's ``Sign`` does, with one signer.

    :param text: the note text; must end in a newline and hold no control characters other
        than newline.
    :param key: the signing key.
    :param name: the key name written on the signature line.
    :returns: ``text + "\\n" + "— <name> <base64(key hash ‖ signature)>\\n"``.
    :raises InvalidCheckpoint: the text or name breaks the signed-note rules.
    """
    if not text.endswith("\n") or any(_is_control(c) and c != "\n" for c in text):
        raise InvalidCheckpoint("note text must end in a newline and hold no control characters")
    if not _is_valid_name(name):
        raise InvalidCheckpoint("key name must be non-empty with no spaces and no '+'")
    try:
        message = text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidCheckpoint("note text is not valid Unicode") from None
    signature = key.sign(message)
    tag = note_key_hash(name, raw_public_key(key))
    return f"{text}\n{SIGNATURE_PREFIX}{name} {b64encode(tag + signature)}\n"


def open_note(note: str, verifier_key: str) -> str:
    """Verify a signed note against one verifier key, as sumdb/note's ``Open`` does.

    Signatures by other keys are ignored (witness cosignatures, for example); the note must
    carry one by ``verifier_key`` and every signature by that key must verify.

    :param note: the full note text.
    :param verifier_key: the pinned verifier key string.
    :returns: the verified text (everything before the blank line, with its final newline).
    :raises InvalidCheckpoint: malformed note or key, no signature by the key, or a bad one.
    """
    name, key_hash, public_key = parse_verifier_key(verifier_key)
    try:
        note.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidCheckpoint("note is not valid UTF-8") from None
    if any(_is_control(c) and c != "\n" for c in note):
        raise InvalidCheckpoint("note contains control characters")
    split = note.rfind("\n\n")
    if split < 0:
        raise InvalidCheckpoint("note has no blank line before its signatures")
    text, signatures = note[: split + 1], note[split + 2 :]
    if not signatures.endswith("\n"):
        raise InvalidCheckpoint("signature block must end in a newline")
    lines = signatures[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise InvalidCheckpoint("too many signatures")
    verifier = Ed25519PublicKey.from_public_bytes(public_key)
    verified = False
    for line in lines:
        signer, signature = _parse_signature_line(line)
        # Like sumdb/note, only the first signature by our key counts; others are ignored.
        if verified or signer != name or signature[:KEY_HASH_SIZE] != key_hash:
            continue
        try:
            verifier.verify(signature[KEY_HASH_SIZE:], text.encode("utf-8"))
        except _CryptoInvalidSignature:
            raise InvalidCheckpoint(f"invalid signature by {name}") from None
        verified = True
    if not verified:
        raise InvalidCheckpoint(f"note carries no signature by {name}")
    return text


def _parse_signature_line(line: str) -> tuple[str, bytes]:
    if not line.startswith(SIGNATURE_PREFIX):
        raise InvalidCheckpoint("signature line must start with an em dash and a space")
    name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    blob = _strict_b64(encoded)
    if not _is_valid_name(name) or not encoded or len(blob) < KEY_HASH_SIZE + 1:
        raise InvalidCheckpoint("malformed signature line")
    return name, blob


def sign_checkpoint(
    checkpoint: Checkpoint, key: Ed25519PrivateKey, *, name: str | None = None
) -> str:
    """Sign a checkpoint, producing the note the service publishes.

    :param checkpoint: origin, size and root.
    :param key: the ledger's checkpoint key.
    :param name: key name on the signature line; defaults to the origin, which is what
        ``verify_checkpoint`` requires.
    :returns: body, blank line, ``— <name> <base64(key hash ‖ signature)>`` and a newline.
    :raises InvalidCheckpoint: the name is not a valid signed-note key name.
    """
    return sign_note(checkpoint.body(), key, name=checkpoint.origin if name is None else name)


def parse_checkpoint_body(body: str) -> Checkpoint:
    """Parse checkpoint text strictly (C2SP tlog-checkpoint).

    :param body: origin, decimal size (no leading zeros), base64 32-byte root, each ending in
        a newline; non-empty extension lines may follow and are ignored.
    :returns: the checkpoint.
    :raises InvalidCheckpoint: any other shape.
    """
    if not body.endswith("\n"):
        raise InvalidCheckpoint("checkpoint must end in a newline")
    lines = body[:-1].split("\n")
    if len(lines) < 3 or any(not line for line in lines):
        raise InvalidCheckpoint("checkpoint needs origin, size and root lines")
    origin, size_text, root_text = lines[:3]
    if _TREE_SIZE.fullmatch(size_text) is None:
        raise InvalidCheckpoint("tree size must be decimal without leading zeros")
    root = _strict_b64(root_text)
    if b64encode(root) != root_text:
        raise InvalidCheckpoint("root hash is not canonical base64")
    return Checkpoint(origin=origin, tree_size=int(size_text), root_hash=root)


def verify_checkpoint(note: str, verifier_key: str) -> Checkpoint:
    """Verify a checkpoint note against the pinned verifier key.

    :param note: the full note text.
    :param verifier_key: ``<name>+<hash>+<key>``; the name must equal the checkpoint's origin.
    :returns: the verified checkpoint.
    :raises InvalidCheckpoint: malformed note or body, no or bad signature, or origin mismatch.
    """
    checkpoint = parse_checkpoint_body(open_note(note, verifier_key))
    name = verifier_key.split("+", 1)[0]
    if checkpoint.origin != name:
        raise InvalidCheckpoint("checkpoint origin does not match the verifier key name")
    return checkpoint



ROTATION_STATEMENT = "greenledger/checkpoint-key-rotation/v1"


def rotation_statement(origin: str, previous_key: bytes, new_key: bytes) -> bytes:
    """The bytes both keys of a checkpoint-key rotation sign: the old one to endorse the new one, the
    new one to show it is held. Bound to the log's origin, so it cannot be replayed on another log."""
    return f"{ROTATION_STATEMENT}\n{origin}\n{b64encode(previous_key)}\n{b64encode(new_key)}\n".encode()
