"""The signed envelope a party submits (DESIGN §4) and the log record built from it (§5)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from ledger import errors
from ledger.crypto import canonical
from ledger.domain.identifiers import KEY_ID_PATTERN, PARTY_ID_PATTERN

ENVELOPE_VERSION = 1
ENVELOPE_FIELDS = frozenset({"v", "type", "signer", "key", "signed_at", "nonce", "payload"})
SUBMISSION_FIELDS = frozenset({"envelope", "signature"})
MAX_NONCE_LENGTH = 64


@dataclass(frozen=True)
class Submission:
    """A structurally valid signed envelope, with its canonical bytes and digest.

    The signature is *not* verified yet: that needs the signer's key from the registry.
    """

    entry_type: str
    signer: str
    key_id: str
    signed_at: datetime
    nonce: str
    payload: Mapping[str, Any]
    envelope: Mapping[str, Any]
    signature: str
    canonical_envelope: bytes
    digest: bytes


def _nul_at(value: object, path: str) -> str | None:
    """The path of the first string (or key) holding U+0000, which no PostgreSQL text column can store."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        child = f"{path}.{key}"
        if isinstance(key, str) and "\x00" in key:
            return child
        found = _nul_at(item, child)
        if found is not None:
            return found
    return None


def _require(condition: bool, detail: str, field: str) -> None:
    if not condition:
        raise errors.InvalidInput(detail, field=field)


def parse_submission(body: object, *, path: str = "", encode: bool = True) -> Submission:
    """Check the shape of ``{"envelope": {...}, "signature": "..."}``.

    :param body: the decoded JSON value.
    :param path: prefix for field names in errors (``entries[3].``) when inside a batch.
    :param encode: compute the canonical bytes and digest; a replay of the log's own records, whose
        bytes are already hashed into the tree, skips them (they are then empty).
    :returns: the submission with its canonical envelope bytes (RFC 8785) and their SHA-256.
    :raises InvalidInput: (or a subclass) naming the field at fault.
    """
    _require(isinstance(body, dict), "body must be an object with envelope and signature", path.rstrip(".") or "body")
    assert isinstance(body, dict)
    unknown = set(body) - SUBMISSION_FIELDS
    _require(not unknown, f"unknown field(s): {', '.join(sorted(unknown))}", f"{path}{min(unknown) if unknown else ''}")
    envelope = body.get("envelope")
    signature = body.get("signature")
    _require(isinstance(envelope, dict), "envelope must be an object", f"{path}envelope")
    _require(isinstance(signature, str), "signature must be a base64 string", f"{path}signature")
    assert isinstance(envelope, dict) and isinstance(signature, str)
    where = f"{path}envelope."
    entry_type, signer, key_id, nonce, signed_at, payload = check_envelope(envelope, where)
    canonical_envelope = canonical.canonical_json(envelope, path=f"{path}envelope") if encode else b""
    # Refused here, after the depth check above, rather than failing the insert of a projection (and with
    # it every submission of the same append round): no PostgreSQL text column can store U+0000.
    nul = _nul_at(payload, f"{where}payload")
    _require(nul is None, "strings must not contain U+0000", nul or "")
    return Submission(
        entry_type=entry_type,
        signer=signer,
        key_id=key_id,
        signed_at=signed_at,
        nonce=nonce,
        payload=payload,
        envelope=envelope,
        signature=signature,
        canonical_envelope=canonical_envelope,
        digest=hashlib.sha256(canonical_envelope).digest() if encode else b"",
    )


# The forms clients and the server write (no fraction, or six digits); other forms go to parse_timestamp.
_COMMON_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{6})?Z")


def parse_time(text: object, *, field: str) -> datetime:
    """``canonical.parse_timestamp``, five times quicker for the two common forms (no fraction, six digits).

    For a string of those exact shapes both build the same aware UTC datetime (``fromisoformat`` reads
    the 'Z' as ``timezone.utc``) and refuse the same impossible dates; anything else is parse_timestamp's.
    """
    if type(text) is str and _COMMON_TIME.fullmatch(text):
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass  # not a real date: parse_timestamp words the error
    return canonical.parse_timestamp(text, field=field)


#: Key id -> the signer it was last checked with, both formats checked already: a log has few pairs, and
#: a regex is dearer than a lookup (by the key id, whose hash the caller's key lookup has cached).
_CHECKED_IDS: dict[str, str] = {}
_CHECKED_IDS_LIMIT = 10_000


def check_envelope(envelope: dict[str, Any], where: str = "envelope.") -> tuple[str, str, str, str, datetime, dict[str, Any]]:
    """Check the members of an envelope (DESIGN §4), the part of ``parse_submission`` a replay needs.

    :param where: prefix of field names in errors.
    :returns: (type, signer, key id, nonce, signed_at, payload).
    :raises InvalidInput: (or a subclass) naming the field at fault.
    """
    if envelope.keys() != ENVELOPE_FIELDS:
        missing = ENVELOPE_FIELDS - set(envelope)
        _require(not missing, f"missing field(s): {', '.join(sorted(missing))}", f"{where}{min(missing) if missing else ''}")
        extra = set(envelope) - ENVELOPE_FIELDS
        _require(not extra, f"unknown field(s): {', '.join(sorted(extra))}", f"{where}{min(extra) if extra else ''}")
    version = envelope["v"]
    if type(version) is not int or version != ENVELOPE_VERSION:
        _require(False, f"v must be {ENVELOPE_VERSION}", f"{where}v")
    entry_type = envelope["type"]
    if not (isinstance(entry_type, str) and 0 < len(entry_type) <= 64):
        _require(False, "type must be an entry type name", f"{where}type")
    signer = envelope["signer"]
    key_id = envelope["key"]
    if type(signer) is not str or type(key_id) is not str or _CHECKED_IDS.get(key_id) != signer:
        _require(isinstance(signer, str) and bool(PARTY_ID_PATTERN.fullmatch(signer)), "signer must be a party id", f"{where}signer")
        _require(isinstance(key_id, str) and bool(KEY_ID_PATTERN.fullmatch(key_id)), "key must be 32 lowercase hex characters", f"{where}key")
        if type(signer) is str and type(key_id) is str:
            if len(_CHECKED_IDS) >= _CHECKED_IDS_LIMIT:
                _CHECKED_IDS.clear()
            _CHECKED_IDS[key_id] = signer
    nonce = envelope["nonce"]
    if not (isinstance(nonce, str) and 0 < len(nonce) <= MAX_NONCE_LENGTH and nonce.isprintable()):
        _require(False, f"nonce must be 1-{MAX_NONCE_LENGTH} printable characters", f"{where}nonce")
    signed_at = parse_time(envelope["signed_at"], field=f"{where}signed_at")
    payload = envelope["payload"]
    if not isinstance(payload, dict):
        _require(False, "payload must be an object", f"{where}payload")
    return entry_type, signer, key_id, nonce, signed_at, payload


def build_record(index: int, recorded_at: datetime, submission: Submission) -> dict[str, Any]:
    """The log record of DESIGN §5, whose canonical bytes are the Merkle leaf."""
    return {
        "index": index,
        "recorded_at": canonical.format_timestamp(recorded_at),
        "envelope": submission.envelope,
        "signature": submission.signature,
    }


def record_bytes(index: int, recorded_at: datetime, submission: Submission) -> bytes:
    """RFC 8785 bytes of ``build_record(...)``, assembled from the envelope's canonical bytes.

    JCS orders members by name (envelope, index, recorded_at, signature) and every other member is an
    integer or an ASCII string with nothing to escape, so splicing gives the very bytes ``canonical_json``
    would, without encoding the envelope a second time (a test holds the two equal).
    """
    return b"".join(
        (
            b'{"envelope":',
            submission.canonical_envelope,
            b',"index":%d,"recorded_at":"%s","signature":' % (index, canonical.format_timestamp(recorded_at).encode()),
            canonical.canonical_json(submission.signature),
            b"}",
        )
    )
