"""`greenledger verify` and `python -m ledger.verify`: the offline verifier's command line (no Flask)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import BinaryIO, Sequence

from ledger import errors
from ledger.verify.bundle import corrected_indices, verify_bundle
from ledger.verify.reports import check_report


def run_verify(
    bundle: str,
    origin: str,
    verifier_key: str,
    *,
    kept: Sequence[str] = (),
    signed_reports: Sequence[str] = (),
    jobs: int | None = None,
    as_json: bool = False,
) -> int:
    """Verify ``bundle`` (a path, or - for stdin), the checkpoints kept and the signed reports given;
    print the outcome; return the exit status."""
    stream: BinaryIO = sys.stdin.buffer if bundle == "-" else open(bundle, "rb")  # noqa: SIM115 - closed below
    try:
        notes = [Path(path).read_text(encoding="utf-8") for path in kept]
        corrected = None
        if stream is not sys.stdin.buffer:  # a file can be read twice: remember only corrected entries
            corrected = corrected_indices(stream)
            stream.seek(0)
        report = verify_bundle(
            stream, origin=origin, verifier_key=verifier_key, kept=notes, corrected=corrected, jobs=jobs or os.cpu_count() or 1, progress=_progress
        )
        for path in signed_reports:
            check_report(json.loads(Path(path).read_text(encoding="utf-8")), report, verifier_key)
    except errors.LedgerError as exc:
        index = getattr(exc, "index", None)
        if as_json:
            print(json.dumps({"ok": False, "index": index, "reason": exc.detail}))
        else:
            print(f"\nFAILED: {exc.detail}", file=sys.stderr)
        return 1
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    outcome = {"ok": True, "origin": report.origin, "tree_size": report.tree_size, "root_hash": report.root_hash.hex(), "reports": len(signed_reports)}
    if as_json:
        print(json.dumps(outcome))
    else:
        print(f"\nOK: {report.tree_size} entries of {report.origin} verified; root {report.root_hash.hex()}", file=sys.stderr)
    return 0


def _progress(done: int) -> None:
    if sys.stderr.isatty():
        print(f"\rverified {done} entries", end="", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ledger.verify", description="Verify a greenledger export bundle offline.")
    parser.add_argument("bundle", help="the bundle file, or - for stdin")
    parser.add_argument("--origin", required=True, help="the log's origin, pinned out of band")
    parser.add_argument("--key", required=True, dest="verifier_key", help="the log's verifier key, pinned out of band")
    parser.add_argument("--checkpoint", action="append", default=[], dest="kept", help="a checkpoint note kept earlier (repeatable)")
    parser.add_argument("--report", action="append", default=[], dest="signed_reports", help="a signed report to recompute and compare (repeatable)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes for signature checks (default: one per core)")
    parser.add_argument("--json", action="store_true", dest="as_json", help="print the outcome as JSON")
    args = parser.parse_args(argv)
    return run_verify(
        args.bundle, args.origin, args.verifier_key, kept=args.kept, signed_reports=args.signed_reports, jobs=args.jobs, as_json=args.as_json
    )
