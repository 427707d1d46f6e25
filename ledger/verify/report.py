"""Check a signed report offline: the checkpoint key's signature over its canonical JSON."""

from __future__ import annotations

from typing import Any, Mapping

from ledger import errors
from ledger.crypto.canonical import b64decode, canonical_json
from ledger.crypto.checkpoint import parse_verifier_key
from ledger.crypto.signing import verify_signature


def verify_report(signed: Mapping[str, Any], verifier_key: str) -> Mapping[str, Any]:
    """Verify ``{"report": {...}, "signature": "..."}`` against the log's pinned verifier key.

    :returns: the report body.
    :raises InvalidSignature: when the signature does not cover exactly this report.
    :raises InvalidInput: when the document is not a signed report, or names another log.
    """
    body = signed.get("report") if isinstance(signed, Mapping) else None  # any JSON may arrive here: a file's
    if not isinstance(body, dict):
        raise errors.InvalidInput("not a signed report: no report object", field="report")
    name, _, public_key = parse_verifier_key(verifier_key)
    if body.get("origin") != name:
        raise errors.InvalidInput(f"the report is of log {body.get('origin')!r}, the key of {name!r}", field="report.origin")
    signature = b64decode(signed.get("signature"), field="signature", length=64)
    verify_signature(canonical_json(body, path="report"), signature, public_key)
    return body
