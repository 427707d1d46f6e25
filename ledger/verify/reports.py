"""Recompute signed reconciliation reports from a verified bundle and compare them byte for byte."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Mapping

from ledger import errors
from ledger.crypto.canonical import canonical_json
from ledger.reconciliation import reports
from ledger.reconciliation.exceptions import Settings
from ledger.verify.bundle import VerificationReport
from ledger.verify.report import verify_report


def check_report(signed: Mapping[str, Any], verified: VerificationReport, verifier_key: str) -> None:
    """Check a signed report's signature, then recompute it from the replayed log and compare.

    :raises VerificationFailed: when the report is not the log's (its numbers or what it reflects differ).
    """
    body = None
    failure: errors.LedgerError | None = None
    # Signed by the pinned key, or by any checkpoint key the verified log rotated through.
    for key in [verifier_key, *reversed(verified.verifier_keys())]:
        try:
            body = verify_report(signed, key)
            break
        except errors.LedgerError as exc:
            failure = failure or exc
    if body is None:
        assert failure is not None
        raise errors.VerificationFailed(f"report signature: {failure.detail}") from None
    if body.get("tree_size") != verified.tree_size:
        raise errors.VerificationFailed(
            f"the report reflects tree size {body.get('tree_size')}; export the bundle at that size to recompute it"
        )
    if body.get("method") != reports.METHOD:
        # A new method is a new name: a report of another one is recomputed by the release that computes it.
        raise errors.VerificationFailed(
            f"the report was computed by method {body.get('method')!r}; this verifier computes {reports.METHOD!r}: "
            "recompute it with the greenledger release that computes the report's method (its signature is valid)"
        )
    assert verified.as_of is not None  # a verified bundle holds at least the genesis entry
    settings = Settings(financing_grace=timedelta(days=int(body.get("financing_grace_days", 365))))
    try:
        report = reports.build(str(body.get("kind")), verified.state, body.get("subject"), verified.as_of, settings)
    except errors.LedgerError as exc:
        raise errors.VerificationFailed(f"the report cannot be recomputed: {exc.detail}") from None
    recomputed = reports.signed_body(
        report, origin=verified.origin, tree_size=verified.tree_size, root_hash=verified.root_hash, as_of=verified.as_of, settings=settings
    )
    if canonical_json(recomputed) != canonical_json(dict(body)):
        differing = sorted(k for k in recomputed if recomputed[k] != body.get(k))
        raise errors.VerificationFailed(f"the {body.get('kind')} report differs from its recomputation from the log in: {', '.join(differing)}")
