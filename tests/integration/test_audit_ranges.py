"""Range bundles [from, to): exported with the frontier of the prefix, verified on top of the auditor's
earlier bundle (the incremental audit), or alone, saying plainly what could not be checked."""

from __future__ import annotations

import json

import pytest

from ledger import errors
from ledger.crypto.canonical import b64encode, canonical_json
from ledger.crypto.signing import sign_envelope
from ledger.domain.entities import Loan
from ledger.services.export import export_bundle
from ledger.verify.bundle import verify_bundle
from tests.api.test_submit import VERIFIER_KEY
from tests.conftest import ORIGIN
from tests.helpers import Programme, party_key, tree_size
from tests.integration.test_audit import EDIT_AMOUNT, _index_of, _superuser


@pytest.fixture
def prog(client, sign) -> Programme:
    prog = Programme(client, sign)
    prog.setup_verified()
    return prog


def _export(app, **kwargs) -> list[bytes]:
    return list(export_bundle(app.extensions["ledger"], **kwargs))


def _verify(lines, bases=(), kept=()):
    return verify_bundle(lines, origin=ORIGIN, verifier_key=VERIFIER_KEY, bases=bases, kept=kept, jobs=2)


def test_a_range_verified_on_its_base_is_the_whole_log_verified(app, prog):
    base = _export(app)  # yesterday's audit: the log up to N
    n = len(base) - 2
    prog.ok("bank-a", "loan.disbursed", prog.movement("L1", "300.00"))
    prog.ok("bank-a", "loan.repaid", prog.movement("L1", "100.00"))
    kept = prog.client.get("/v1/checkpoint").get_data(as_text=True)
    size = tree_size(prog.client)
    today = _export(app, start=n)  # today: only [N, M)
    head = json.loads(today[0])
    assert head["from"] == n and len(head["frontier"]) == bin(n).count("1") and head["tree_size"] == size
    assert len(today) == size - n + 2 and json.loads(today[1])["index"] == n
    report = _verify(today, bases=[base], kept=[kept])
    assert report.complete and (report.start, report.tree_size) == (0, size)
    whole = _verify(_export(app))
    assert report.root_hash == whole.root_hash and report.state.get(Loan, "L1") == whole.state.get(Loan, "L1")
    assert report.state.get(Loan, "L1").repaid == 100


def test_the_http_export_serves_ranges(app, prog):
    n = tree_size(prog.client)
    prog.ok("bank-a", "loan.disbursed", prog.movement("L1", "300.00"))
    response = prog.client.get(f"/v1/export?from={n - 2}&to={n + 1}")
    assert response.status_code == 200 and response.content_type == "application/x-ndjson"
    assert response.get_data().splitlines(keepends=True) == _export(app, start=n - 2, tree_size=n + 1)
    assert _verify(response.get_data().splitlines(), bases=[_export(app, tree_size=n - 2)]).tree_size == n + 1


@pytest.mark.parametrize(
    "query, status, code",
    [
        ("from=5&to=3", 400, "tree-size-out-of-range"),
        ("from=4&to=4", 400, "tree-size-out-of-range"),
        ("from=2&to=99999", 400, "tree-size-out-of-range"),
        ("from=99999", 400, "tree-size-out-of-range"),
        ("from=-1", 422, "invalid-input"),
        ("to=-3", 422, "invalid-input"),
        ("to=3&tree_size=4", 422, "invalid-input"),
        ("from=x", 422, "invalid-input"),
    ],
)
def test_bad_ranges_get_a_problem(prog, query, status, code):
    response = prog.client.get(f"/v1/export?{query}")
    assert response.status_code == status and response.content_type == "application/problem+json"
    assert response.get_json()["code"] == code


def test_a_tampered_record_in_the_range_is_caught_at_its_index(app, prog, database_url):
    n = tree_size(prog.client)
    base = _export(app)
    prog.ok("bank-a", "loan.disbursed", prog.movement("L1", "300.00"))
    prog.ok("bank-a", "loan.repaid", prog.movement("L1", "100.00"))
    index = _index_of(app, "loan.disbursed")
    assert index >= n
    with _superuser(database_url) as conn:
        conn.execute(EDIT_AMOUNT, (index,))
    with pytest.raises(errors.VerificationFailed) as failure:
        _verify(_export(app, start=n), bases=[base])
    assert failure.value.index == index and "invalid-signature" in failure.value.detail


def test_a_record_signed_by_another_key_in_the_range_is_caught_with_the_base(app, prog, database_url):
    n = tree_size(prog.client)
    base = _export(app)
    prog.ok("bank-a", "loan.disbursed", prog.movement("L1", "300.00"))
    index = n
    record = prog.get(f"/v1/entries/{index}")["record"]
    record["signature"] = sign_envelope(record["envelope"], party_key("bank-b"))["signature"]
    with _superuser(database_url) as conn:
        conn.execute("UPDATE entries SET record = %s WHERE idx = %s", (canonical_json(record), index))
    with pytest.raises(errors.VerificationFailed) as failure:
        _verify(_export(app, start=n), bases=[base])
    assert failure.value.index == index


def test_a_base_that_does_not_end_where_the_range_starts_is_refused(app, prog):
    n = tree_size(prog.client)
    prog.ok("bank-a", "loan.disbursed", prog.movement("L1", "300.00"))
    with pytest.raises(errors.VerificationFailed) as failure:
        _verify(_export(app, start=n), bases=[_export(app, tree_size=n - 1)])
    assert "starts at index" in failure.value.detail and f"end at {n - 1}" in failure.value.detail


def test_a_range_whose_frontier_is_not_its_bases_is_refused(app, prog):
    n = tree_size(prog.client)
    base = _export(app)
    prog.ok("bank-a", "loan.disbursed", prog.movement("L1", "300.00"))
    today = _export(app, start=n)
    head = json.loads(today[0])
    head["frontier"][-1] = b64encode(bytes(32))
    forged = [canonical_json(head) + b"\n", *today[1:]]
    with pytest.raises(errors.VerificationFailed) as failure:
        _verify(forged, bases=[base])
    assert "does not extend its base" in failure.value.detail
    with pytest.raises(errors.VerificationFailed) as alone:  # on its own, the signed root gives it away
        _verify(forged)
    assert "root other than the signed checkpoint" in alone.value.detail


def test_a_range_alone_checks_what_it_can_and_says_what_it_did_not(app, prog, database_url):
    n = tree_size(prog.client)
    prog.ok("bank-a", "loan.disbursed", prog.movement("L1", "300.00"))
    report = _verify(_export(app, start=n - 3))
    assert not report.complete and report.start == n - 3 and report.tree_size == n + 1
    assert any(item.startswith("signatures") for item in report.not_checked)
    assert any(item.startswith("domain rules") for item in report.not_checked)
    index = _index_of(app, "loan.disbursed")
    with _superuser(database_url) as conn:  # a superuser's edit: the leaf no longer hashes to the signed root
        conn.execute(EDIT_AMOUNT, (index,))
    with pytest.raises(errors.VerificationFailed) as failure:
        _verify(_export(app, start=n - 3))
    assert "root other than the signed checkpoint" in failure.value.detail


def test_the_cli_exports_and_verifies_ranges_with_honest_exit_codes(app, prog, tmp_path):
    runner = app.test_cli_runner()
    n = tree_size(prog.client)
    base, today = tmp_path / "base.jsonl", tmp_path / "today.jsonl"
    assert runner.invoke(args=["ledger", "export", str(base)]).exit_code == 0
    prog.ok("bank-a", "loan.disbursed", prog.movement("L1", "300.00"))
    assert runner.invoke(args=["ledger", "export", str(today), "--from", str(n)]).exit_code == 0
    pinned = ["--origin", ORIGIN, "--key", VERIFIER_KEY, "--json"]
    full = runner.invoke(args=["ledger", "verify", str(today), "--base", str(base), *pinned])
    assert full.exit_code == 0, full.output
    outcome = json.loads(full.output.splitlines()[-1])
    assert (outcome["ok"], outcome["from"], outcome["tree_size"]) == (True, 0, n + 1)
    alone = runner.invoke(args=["ledger", "verify", str(today), *pinned])
    assert alone.exit_code == 3
    partial = json.loads(alone.output.splitlines()[-1])
    assert partial["ok"] is False and partial["index"] is None and partial["from"] == n and len(partial["not_checked"]) == 2
    report = tmp_path / "summary.json"
    report.write_text(json.dumps(prog.client.get("/v1/reports/summary").get_json()))
    refused = runner.invoke(args=["ledger", "verify", str(today), *pinned, "--report", str(report)])
    assert refused.exit_code == 1 and "without its base" in json.loads(refused.output.splitlines()[-1])["reason"]
    recomputed = runner.invoke(args=["ledger", "verify", str(today), "--base", str(base), *pinned, "--report", str(report)])
    assert recomputed.exit_code == 0, recomputed.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--from", "5", "--to", "3"], "from must be between 0 and 2"),
        (["--from", "-1"], "--from must be 0 or more"),
        (["--to", "99999"], "--to must be between 1 and the log's size"),
        (["--from", "3", "--tree-size", "99999"], "--tree-size must be between 1"),
        (["--to", "3", "--tree-size", "4"], "disagree"),
    ],
)
def test_the_cli_refuses_bad_ranges_clearly_and_writes_nothing(app, prog, tmp_path, args, message):
    out = tmp_path / "bundle.jsonl"
    result = app.test_cli_runner().invoke(args=["ledger", "export", str(out), *args])
    assert result.exit_code == 1 and message in result.output and not out.exists()
