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


#: Exit status when nothing failed but a range was verified without its base, so some checks were impossible.
EXIT_PARTIAL = 3


def run_verify(
    bundle: str,
    origin: str,
    verifier_key: str,
    *,
    bases: Sequence[str] = (),
    kept: Sequence[str] = (),
    signed_reports: Sequence[str] = (),
    jobs: int | None = None,
    as_json: bool = False,
) -> int:
    """Verify ``bundle`` (a path, or - for stdin) on top of its ``bases`` (paths, in order), the
    checkpoints kept and the signed reports given; print the outcome; return the exit status: 0 when
    everything was verified, 1 on a failure, ``EXIT_PARTIAL`` when a range without its base passed
    every check that could be made."""
    try:
        stream: BinaryIO = sys.stdin.buffer if bundle == "-" else open(bundle, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        print(f"\nFAILED: cannot read {bundle}: {exc.strerror}", file=sys.stderr)
        return 1
    base_files: list[BinaryIO] = []
    try:
        notes = [Path(path).read_text(encoding="utf-8") for path in kept]
        for path in bases:
            base_files.append(open(path, "rb"))  # noqa: SIM115 - closed below
        corrected: set[int] | None = None
        if stream is not sys.stdin.buffer:  # files can be read twice: remember only corrected entries
            corrected = set()
            for file in [*base_files, stream]:
                corrected |= corrected_indices(file)
                file.seek(0)
        report = verify_bundle(
            stream, origin=origin, verifier_key=verifier_key, kept=notes, corrected=corrected, jobs=jobs or os.cpu_count() or 1,
            progress=_progress, bases=base_files,
        )  # fmt: skip
        if signed_reports and not report.complete:
            raise errors.VerificationFailed(f"reports cannot be recomputed from a range without its base (the state before index {report.start})")
        for path in signed_reports:
            check_report(json.loads(Path(path).read_text(encoding="utf-8")), report, verifier_key)
    except OSError as exc:
        print(f"\nFAILED: cannot read {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1
    except errors.LedgerError as exc:
        index = getattr(exc, "index", None)
        if as_json:
            print(json.dumps({"ok": False, "index": index, "reason": exc.detail}))
        else:
            print(f"\nFAILED: {exc.detail}", file=sys.stderr)
        return 1
    finally:
        for file in base_files:
            file.close()
        if stream is not sys.stdin.buffer:
            stream.close()
    outcome = {
        "ok": report.complete, "origin": report.origin, "from": report.start, "tree_size": report.tree_size,
        "root_hash": report.root_hash.hex(), "reports": len(signed_reports),
    }  # fmt: skip
    if not report.complete:
        outcome.update(index=None, reason="partial: a range verified without its base", not_checked=report.not_checked)
    if as_json:
        print(json.dumps(outcome))
    elif report.complete:
        print(f"\nOK: {report.tree_size} entries of {report.origin} verified; root {report.root_hash.hex()}", file=sys.stderr)
    else:
        print(
            f"\nPARTIAL: entries {report.start} to {report.tree_size - 1} of {report.origin} passed every check possible "
            f"without the entries before them (leaf hashes and the root {report.root_hash.hex()} against the signed "
            f"checkpoint, indices, recorded_at order, canonical bytes, envelope and payload formats). NOT checked:\n"
            + "".join(f"  - {item}\n" for item in report.not_checked),
            file=sys.stderr,
        )
    return 0 if report.complete else EXIT_PARTIAL


def _progress(done: int) -> None:
    if sys.stderr.isatty():
        print(f"\rverified {done} entries", end="", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ledger.verify", description="Verify a greenledger export bundle offline.")
    parser.add_argument("bundle", help="the bundle file, or - for stdin")
    parser.add_argument("--origin", required=True, help="the log's origin, pinned out of band")
    parser.add_argument("--key", required=True, dest="verifier_key", help="the log's verifier key, pinned out of band")
    parser.add_argument("--base", action="append", default=[], dest="bases", help="for a range bundle: the bundle(s) before it, in order from index 0 (repeatable)")
    parser.add_argument("--checkpoint", action="append", default=[], dest="kept", help="a checkpoint note kept earlier (repeatable)")
    parser.add_argument("--report", action="append", default=[], dest="signed_reports", help="a signed report to recompute and compare (repeatable)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes for signature checks (default: one per core)")
    parser.add_argument("--json", action="store_true", dest="as_json", help="print the outcome as JSON")
    args = parser.parse_args(argv)
    return run_verify(
        args.bundle, args.origin, args.verifier_key, bases=args.bases, kept=args.kept, signed_reports=args.signed_reports, jobs=args.jobs, as_json=args.as_json
    )
