"""Ed25519 keys, key ids, PKCS#8 key files and signed envelopes (DESIGN §4, §10)."""

from __future__ import annotations

import os
import pathlib
import threading
from collections.abc import Mapping
from hashlib import sha256

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ledger.crypto.canonical import b64decode, b64encode, canonical_json
from ledger.errors import InvalidBase64, InvalidKey, InvalidSignature

PUBLIC_KEY_SIZE = 32
SEED_SIZE = 32
SIGNATURE_SIZE = 64


def key_id(public_key: bytes) -> str:
    """Key id of a public key.

    :param public_key: the raw 32-byte Ed25519 public key.
    :returns: lowercase hex of the first 16 bytes of SHA-256(public_key), 32 characters.
    :raises InvalidKey: ``public_key`` is not 32 bytes.
    """
    if len(public_key) != PUBLIC_KEY_SIZE:
        raise InvalidKey(f"an Ed25519 public key is {PUBLIC_KEY_SIZE} bytes")
    return sha256(public_key).digest()[:16].hex()


def generate_private_key() -> Ed25519PrivateKey:
    """A fresh key from the operating system's CSPRNG.

    :returns: a new Ed25519 private key.
    """
    return Ed25519PrivateKey.generate()


def private_key_from_seed(seed: bytes) -> Ed25519PrivateKey:
    """Rebuild a key from its RFC 8032 secret (fixed keys in tests, known vectors).

    :param seed: the 32-byte secret key.
    :returns: the Ed25519 private key.
    :raises InvalidKey: ``seed`` is not 32 bytes.
    """
    if len(seed) != SEED_SIZE:
        raise InvalidKey(f"an Ed25519 seed is {SEED_SIZE} bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


def raw_public_key(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The raw public key bytes, the form key ids and payloads use.

    :param key: a private key (its public half is taken) or a public key.
    :returns: 32 bytes.
    """
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_from_raw(raw: bytes) -> Ed25519PublicKey:
    """Load a raw public key.

    :param raw: 32 bytes.
    :returns: the Ed25519 public key.
    :raises InvalidKey: not 32 bytes.
    """
    if not isinstance(raw, bytes) or len(raw) != PUBLIC_KEY_SIZE:
        raise InvalidKey(f"an Ed25519 public key is {PUBLIC_KEY_SIZE} bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def private_key_to_pem(key: Ed25519PrivateKey, passphrase: bytes | None = None) -> bytes:
    """Serialize as PKCS#8 PEM, what ``openssl genpkey -algorithm ed25519`` writes.

    :param key: the private key.
    :param passphrase: when given, the PEM is encrypted PKCS#8 (``BestAvailableEncryption``).
    :returns: the PEM bytes.
    :raises InvalidKey: ``passphrase`` is empty (an empty passphrase protects nothing).
    """
    encryption: serialization.KeySerializationEncryption
    if passphrase is None:
        encryption = serialization.NoEncryption()
    elif not passphrase:
        raise InvalidKey("the passphrase must not be empty")
    else:
        encryption = serialization.BestAvailableEncryption(passphrase)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def load_private_key_pem(data: bytes, passphrase: bytes | None = None) -> Ed25519PrivateKey:
    """Load a PKCS#8 PEM Ed25519 private key.

    :param data: the PEM bytes.
    :param passphrase: required if and only if the PEM is encrypted.
    :returns: the private key.
    :raises InvalidKey: not PEM, not Ed25519, wrong or missing passphrase, or a passphrase
        given for an unencrypted key (the configuration and the file disagree); the detail says which.
    """
    encrypted = b"ENCRYPTED" in data  # PKCS#8's "BEGIN ENCRYPTED PRIVATE KEY", or OpenSSL's "Proc-Type: 4,ENCRYPTED"
    try:
        key = serialization.load_pem_private_key(data, password=passphrase)
    except TypeError:
        # cryptography raises TypeError when a passphrase is missing or superfluous.
        if passphrase is None:
            raise InvalidKey("the private key is encrypted, and no passphrase was given") from None
        raise InvalidKey("the private key is not encrypted, yet a passphrase was given") from None
    except (ValueError, UnsupportedAlgorithm):
        if encrypted and passphrase is not None:
            raise InvalidKey("wrong passphrase for the private key") from None
        raise InvalidKey("not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidKey("the private key is not an Ed25519 key")
    return key



def public_key_from_pem(data: bytes) -> bytes:
    """The raw public key in a PEM key file: a public key ("BEGIN PUBLIC KEY", as ``openssl pkey
    -pubout`` writes) or an unencrypted PKCS#8 private key, of which only the public half is taken.

    :param data: the PEM bytes.
    :returns: 32 bytes.
    :raises InvalidKey: not PEM, not Ed25519, or an encrypted private key (its public half cannot be
        read without the passphrase, which only its holder should know).
    """
    if b"-----BEGIN PUBLIC KEY-----" in data:
        try:
            public = serialization.load_pem_public_key(data)
        except (ValueError, UnsupportedAlgorithm):
            raise InvalidKey("cannot read public key: not PEM") from None
        if not isinstance(public, Ed25519PublicKey):
            raise InvalidKey("the public key is not an Ed25519 key")
        return raw_public_key(public)
    if b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in data:
        raise InvalidKey("the key file is encrypted; give its public key instead")
    return raw_public_key(load_private_key_pem(data))

def write_private_key_file(
    path: pathlib.Path, key: Ed25519PrivateKey, passphrase: bytes | None = None
) -> None:
    """Write a key file readable by its owner only, never replacing an existing one.

    :param path: where to write; the directory must exist.
    :param key: the private key.
    :param passphrase: encrypt the PKCS#8 when given.
    :raises InvalidKey: the file already exists, or cannot be written.
    """
    pem = private_key_to_pem(key, passphrase)
    # O_EXCL: losing a key by overwriting it is unrecoverable, so existing files are refused;
    # the mode is set at creation so the key is never briefly world-readable.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise InvalidKey(f"refusing to overwrite existing key file {path}") from None
    except OSError as exc:
        raise InvalidKey(f"cannot create key file {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        # A truncated key file would be refused at every later start; remove it.
        path.unlink(missing_ok=True)
        raise InvalidKey(f"cannot write key file {path}: {exc.strerror}") from None


def read_private_key_file(path: pathlib.Path, passphrase: bytes | None = None) -> Ed25519PrivateKey:
    """Read a key file written by ``write_private_key_file`` or openssl.

    :param path: the PEM file.
    :param passphrase: required if and only if the file is encrypted.
    :returns: the private key.
    :raises InvalidKey: the file cannot be read or holds no usable Ed25519 key.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidKey(f"cannot read key file {path}: {exc.strerror}") from None
    try:
        return load_private_key_pem(data, passphrase)
    except InvalidKey as exc:
        raise InvalidKey(f"key file {path}: {exc.detail}") from None  # which of a server's key files


def sign_envelope(envelope: Mapping[str, object], key: Ed25519PrivateKey) -> dict[str, object]:
    """Sign an envelope as a party does (DESIGN §4).

    :param envelope: the envelope fields; must be JCS-encodable.
    :param key: the signer's private key.
    :returns: ``{"envelope": <dict copy of envelope>, "signature": <base64 signature>}``.
    :raises NonCanonicalValue: the envelope holds a value JCS cannot encode exactly.
    """
    body = dict(envelope)
    signature = key.sign(canonical_json(body, path="envelope"))
    return {"envelope": body, "signature": b64encode(signature)}


def verify_signature(message: bytes, signature: bytes, public_key: bytes) -> None:
    """Check an Ed25519 signature.

    :param message: the signed bytes.
    :param signature: the 64-byte signature.
    :param public_key: the raw 32-byte public key.
    :raises InvalidSignature: the signature is not 64 bytes or does not verify.
    :raises InvalidKey: ``public_key`` is not 32 bytes.
    """
    verifier = public_key_from_raw(public_key)
    if len(signature) != SIGNATURE_SIZE:
        raise InvalidSignature(f"an Ed25519 signature is {SIGNATURE_SIZE} bytes", field="signature")
    try:
        verifier.verify(signature, message)
    except _CryptoInvalidSignature:
        raise InvalidSignature("signature does not verify", field="signature") from None


class VerifiedSignatures:
    """A bounded memory of signatures that verified: (public key, message, signature) triples, each kept
    as the SHA-256 of the three, so that checking the same bytes again (an append right after its dry
    run) costs a hash instead of an Ed25519 verification.

    Whether a signature verifies is a pure function of those bytes, so a remembered answer is always
    the right one; whether the key may sign (registered to the signer, not revoked) is not part of it
    and is checked by the caller every time. Only successes are remembered: a failure is verified (and
    refused) anew each time. The key cannot be forged: a hit needs the very bytes, or a SHA-256
    collision. The oldest digests are forgotten first once ``limit`` are held; safe across threads.
    """

    def __init__(self, limit: int = 65_536) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self._digests: dict[bytes, None] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _digest(message: bytes, signature: bytes, public_key: bytes) -> bytes:
        # Key and signature have fixed sizes (checked before anything is remembered), so the three
        # concatenated name one triple only.
        return sha256(b"".join((public_key, signature, message))).digest()

    def __len__(self) -> int:
        return len(self._digests)

    def verify(self, message: bytes, signature: bytes, public_key: bytes) -> None:
        """``verify_signature``, answered from memory when these bytes verified before.

        :raises InvalidSignature, InvalidKey: as ``verify_signature``.
        """
        if len(public_key) != PUBLIC_KEY_SIZE or len(signature) != SIGNATURE_SIZE:
            verify_signature(message, signature, public_key)  # raises: such a triple is never remembered
        digest = self._digest(message, signature, public_key)
        if digest in self._digests:
            return
        verify_signature(message, signature, public_key)
        with self._lock:
            self._digests[digest] = None
            while len(self._digests) > self.limit:
                del self._digests[next(iter(self._digests))]

    def clear(self) -> None:
        with self._lock:
            self._digests.clear()


def verify_envelope(
    envelope: Mapping[str, object],
    signature_b64: object,
    public_key: bytes,
    *,
    canonical: bytes | None = None,
    verified: VerifiedSignatures | None = None,
) -> None:
    """Check a party's signature over JCS(envelope).

    :param envelope: the envelope exactly as received.
    :param canonical: JCS(envelope) when the caller has it already (saves encoding it again).
    :param signature_b64: the ``signature`` member as received.
    :param public_key: the raw 32-byte public key of the envelope's ``key``.
    :param verified: remember a signature that verifies there, and answer one remembered from it.
    :raises InvalidSignature: bad base64, not 64 bytes, or the signature does not verify.
    :raises NonCanonicalValue: the envelope holds a value JCS cannot encode exactly.
    :raises InvalidKey: ``public_key`` is not 32 bytes.
    """
    try:
        signature = b64decode(signature_b64, field="signature", length=SIGNATURE_SIZE)
    except InvalidBase64 as exc:
        raise InvalidSignature(exc.detail, field="signature") from None
    message = canonical if canonical is not None else canonical_json(dict(envelope), path="envelope")
    if verified is None:
        verify_signature(message, signature, public_key)
    else:
        verified.verify(message, signature, public_key)
