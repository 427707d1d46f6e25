"""Import benchmark: ``greenledger import`` of an N-row .xlsx against the batch-append rate of the same run.

One real ``greenledger serve``; a lender, a park operator, a park and ten projects registered through
the API. Then, on that server and for the same entry type (``loan.registered``):

- **baseline**: N pre-signed entries posted directly to ``POST /v1/entries/batch`` in batches of the size
  the import uses, on one keep-alive connection (signing done before the clock starts);
- **measured**: ``greenledger import book.xlsx --type loan.registered …`` as a subprocess, from start to
  exit: reading the workbook, checking every cell, signing, the server's dry run of every batch, the
  sidecar, the appends and the receipts file. The CLI's start-up (``greenledger import --help``) is measured
  too and printed beside it.

The log must grow by exactly N for each, the import must print its summary and write N receipts, or
the run fails.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench import load
from bench.append import _close_servers, _tree_size
from bench.registry import Context, benchmark
from bench.report import BenchResult, Figure
from bench.reports import run_cli
from bench.servers import HOST, LedgerServer
from bench.workload import registration
from ledger.client import make_envelope
from ledger.crypto.signing import generate_private_key, private_key_to_pem, raw_public_key, read_private_key_file

LENDER = "bench-import-bank"
OPERATOR = "bench-import-park-operator"
PROJECTS = 10
HEADER = ["贷款编号", "项目编号", "本金", "币种", "年利率", "期限(月)"]


def _post(server: LedgerServer, token: str, entries: list[dict[str, Any]]) -> None:
    result = load.sequential(HOST, server.port, "POST", "/v1/entries/batch", [(load.encode({"entries": entries}), load.bearer(token))], expect=201)
    if result.failed:
        raise RuntimeError(f"setting up the import benchmark failed: {result.samples}")


def _programme(server: LedgerServer, lender: Ed25519PrivateKey, operator_key: Ed25519PrivateKey) -> None:
    """The lender and park operator, a park (signed by the registry operator, an admin) and its projects."""
    admin = read_private_key_file(server.operator_key_path)
    parties = [
        make_envelope(entry_type="party.registered", signer="operator", key=admin, nonce=f"{party}-reg",
                      payload=registration(party, f"{party} (synthetic)", [role], raw_public_key(key)))
        for party, role, key in ((LENDER, "lender", lender), (OPERATOR, "park_operator", operator_key))
    ]  # fmt: skip
    park = {
        "park": "bench-park", "name": "Bench park", "city": "Chengdu", "economic_zone": "chengdu_plain",
        "leading_industries": ["bench"], "operator": OPERATOR, "baseline_year": 2020,
        "baseline_emissions": "1000.000", "baseline_output_value": "1000000.00", "currency": "CNY",
    }  # fmt: skip
    admin_token = server.issue_token("operator")
    _post(server, admin_token, parties)
    _post(server, admin_token, [make_envelope(entry_type="park.registered", signer="operator", key=admin, payload=park, nonce="bench-park")])
    projects = [
        make_envelope(entry_type="project.registered", signer=OPERATOR, key=operator_key, nonce=f"bench-project-{n}", payload={
            "project": f"bench-p{n}", "park": "bench-park", "name": f"Bench project {n}", "owner": "Bench Co.", "category": "3.2.1",
            "equity": "900000000000.00", "debt": "100000000000.00", "currency": "CNY", "expected_annual_reduction": "1000.000",
        })
        for n in range(PROJECTS)
    ]  # fmt: skip
    _post(server, server.issue_token(OPERATOR), projects)


def _loan(n: int, prefix: str) -> tuple[str, str, Decimal, str, str, int]:
    return (f"{prefix}{n:06d}", f"bench-p{n % PROJECTS}", Decimal(100000 + n % 997) / 4, "CNY", "3.4500", 12 + n % 5 * 12)


def _payload(row: tuple[str, str, Decimal, str, str, int]) -> dict[str, Any]:
    loan, project, principal, currency, rate, term = row
    return {"loan": loan, "project": project, "principal": f"{principal:.2f}", "currency": currency, "annual_rate_percent": rate, "term_months": term}


def _workbook(path: Path, rows: int) -> None:
    """A bank's loan book: Chinese headers, principals as numeric cells (openpyxl, write-only)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("放款")
    sheet.append(HEADER)
    for n in range(rows):
        loan, project, principal, currency, rate, term = _loan(n, "IMP")
        sheet.append([loan, project, float(principal), currency, rate, term])  # exact: quarters of a yuan
    workbook.save(path)


@benchmark(
    "import",
    description="greenledger import of an N-row .xlsx (loan.registered) vs posting the same type pre-signed in batches",
    quick={"rows": 2000, "batch": 500},
    full={"rows": 20000, "batch": 500},
)
def import_bench(ctx: Context) -> BenchResult:
    p = ctx.params
    rows, size = p["rows"], p["batch"]
    result = BenchResult(ctx.name)
    with LedgerServer() as server:
        ctx.say(f"greenledger serve ready on port {server.port} in {server.info['startup_s']} s ({server.info['database']})")
        lender, operator_key = generate_private_key(), generate_private_key()
        _programme(server, lender, operator_key)
        token = server.issue_token(LENDER)

        # Baseline: the same entry type, signed beforehand, posted directly in batches of the import's size.
        entries = [
            make_envelope(entry_type="loan.registered", signer=LENDER, key=lender, payload=_payload(_loan(n, "DIR")), nonce=f"direct-{n}")
            for n in range(rows)
        ]
        bodies = [(load.encode({"entries": entries[i : i + size]}), load.bearer(token)) for i in range(0, rows, size)]
        size_before = _tree_size(server)
        direct = load.sequential(HOST, server.port, "POST", "/v1/entries/batch", bodies, expect=201)
        result.runs[f"batch-append of {size}"] = direct.summary()
        grown = _tree_size(server) - size_before
        if direct.failed or grown != rows:
            result.errors.append(f"posting {rows} entries directly grew the log by {grown} ({direct.samples[:2]})")
        baseline = rows / direct.elapsed_s if direct.elapsed_s else 0.0
        ctx.say(f"batch-append: {rows} entries in {direct.elapsed_s:.2f} s, {baseline:.0f} entries/s")

        book = server.tmp / "放款明细.xlsx"
        _workbook(book, rows)
        key_file = server.tmp / "bank.pem"
        key_file.write_bytes(private_key_to_pem(lender))
        startup, _ = run_cli(server, ["import", "--help"], timeout=120, label="startup")
        size_before = _tree_size(server)
        elapsed, output = run_cli(
            server,
            ["import", str(book), "--type", "loan.registered", "--key", str(key_file), "--signer", LENDER,
             "--server", server.base_url, "--token", token, "--batch", str(size)],
            timeout=1800, label="import",
        )  # fmt: skip
        grown = _tree_size(server) - size_before
        receipts = book.with_name(book.name + ".receipts.jsonl").read_text(encoding="utf-8").splitlines()
        summary = next((line for line in output.splitlines() if line.startswith("imported ")), "")
        if grown != rows or len(receipts) != rows or not summary.startswith(f"imported {rows:,} rows"):
            result.errors.append(f"the import grew the log by {grown}, wrote {len(receipts)} receipts and said {summary!r}")
        if receipts and json.loads(receipts[0])["row"] != 2:
            result.errors.append("the first receipt is not row 2's")
        rate = rows / elapsed if elapsed else 0.0
        ctx.say(f"import: {rows} rows in {elapsed:.2f} s ({rate:.0f} rows/s; CLI start-up {startup:.2f} s): {summary}")
        result.runs["import"] = {
            "sent": rows, "accepted": len(receipts), "failed": rows - len(receipts),
            "elapsed_s": round(elapsed, 3), "cli_startup_s": round(startup, 3), "summary": summary,
        }  # fmt: skip
    _close_servers(result, server, "ours")

    result.figures += [
        Figure(f"import of a {rows:,}-row xlsx (whole command, CLI start-up {startup:.2f} s)", rate, "rows/s", baseline,
               f"batch-append, same type, pre-signed, {size} a request", goal=">= 0.5x"),
        Figure(f"import of a {rows:,}-row xlsx, less CLI start-up", rows / (elapsed - startup) if elapsed > startup else 0.0, "rows/s",
               baseline, f"batch-append, same type, pre-signed, {size} a request"),
    ]  # fmt: skip
    result.details["params"] = p
    return result
