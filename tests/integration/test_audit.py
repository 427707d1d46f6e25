"""The auditor's tools on a real log: export, offline verification, and tampering by a superuser who
bypasses the triggers, each caught at the right index."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from ledger import errors
from ledger.crypto.signing import sign_envelope
from ledger.services.export import export_bundle
from ledger.verify.bundle import verify_bundle
from tests.api.test_submit import VERIFIER_KEY
from tests.conftest import ORIGIN, libpq_url
from tests.helpers import T_2025, T_2026, Programme, party_key, party_payload, tree_size


@pytest.fixture
def prog(client, sign) -> Programme:
    prog = Programme(client, sign)
    prog.setup_verified()
    prog.ok("bank-a", "loan.disbursed", prog.movement("L1", "300.00"))
    prog.ok("mrv", "reduction.verified", prog.reduction("v2", start=T_2025, end=T_2026))
    prog.ok("mrv", "credits.issued", {"verification": "v1", "serial_start": 1, "serial_end": 100, "holder": "bank-a"})
    return prog


#: A superuser's edit of a stored record: the disbursed amount 300.00 becomes 900.00.
EDIT_AMOUNT = "UPDATE entries SET record = convert_to(replace(convert_from(record, 'UTF8'), '\"300.00\"', '\"900.00\"'), 'UTF8') WHERE idx = %s"


def _bundle(app) -> list[bytes]:
    return list(export_bundle(app.extensions["ledger"]))


def _verify(lines, kept=(), corrected=None):
    return verify_bundle(lines, origin=ORIGIN, verifier_key=VERIFIER_KEY, kept=kept, corrected=corrected)


def _superuser(database_url: str) -> psycopg.Connection:
    conn = psycopg.connect(libpq_url(database_url), autocommit=True)
    conn.execute("SET session_replication_role = replica")  # a superuser switching the append-only triggers off
    return conn


def _index_of(app, entry_type: str) -> int:
    client = app.test_client()
    items = client.get(f"/v1/entries?type={entry_type}").get_json()["items"]
    return items[0]["record"]["index"]


def test_a_clean_export_verifies_and_its_replay_matches_the_server(app, prog):
    lines = _bundle(app)
    assert len(lines) == tree_size(prog.client) + 2  # manifest, records, checkpoint
    report = _verify(lines)
    assert report.tree_size == tree_size(prog.client)
    from ledger.domain.entities import Loan

    assert report.state.get(Loan, "L1") == _loan_from_api(prog)


def _loan_from_api(prog):
    from decimal import Decimal

    from ledger.crypto.canonical import parse_timestamp
    from ledger.domain.entities import Loan

    body = prog.get("/v1/loans/L1")
    return Loan(
        body["loan_id"], body["lender"], body["project_id"], Decimal(body["principal"]), body["currency"], Decimal(body["annual_rate_percent"]),
        body["term_months"], body["exceeds_investment"], Decimal(body["disbursed"]), Decimal(body["repaid"]),
        parse_timestamp(body["first_disbursed_at"], field="x"), body["registered_index"], body["last_index"],
    )


def test_the_http_export_streams_the_same_bundle(app, prog):
    response = prog.client.get("/v1/export")
    assert response.status_code == 200 and response.content_type == "application/x-ndjson"
    assert response.get_data().splitlines(keepends=True) == _bundle(app)
    partial = prog.client.get("/v1/export?tree_size=5").get_data().splitlines(keepends=True)
    assert len(partial) == 7 and _verify(partial).tree_size == 5
    bad = prog.client.get("/v1/export?tree_size=99999")
    assert bad.status_code == 400 and bad.get_json()["code"] == "tree-size-out-of-range"


def test_the_verifier_runs_without_flask_sqlalchemy_or_a_database_driver(app, prog, tmp_path):
    bundle = tmp_path / "bundle.jsonl"
    bundle.write_bytes(b"".join(_bundle(app)))
    blocked = ["flask", "flask_smorest", "werkzeug", "sqlalchemy", "psycopg", "psycopg_binary", "alembic", "pgserver", "gunicorn"]
    script = (
        "import sys\n"
        f"for name in {blocked!r}: sys.modules[name] = None  # importing any of them now fails\n"
        "from ledger.verify.cli import main\n"
        f"sys.exit(main([{str(bundle)!r}, '--origin', {ORIGIN!r}, '--key', {VERIFIER_KEY!r}, '--json']))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=Path(__file__).parents[2], timeout=120)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert (outcome["ok"], outcome["origin"], outcome["tree_size"]) == (True, ORIGIN, tree_size(prog.client))


def test_the_cli_verifies_and_names_the_first_failing_index(app, prog, tmp_path, database_url):
    runner = app.test_cli_runner()
    out = tmp_path / "bundle.jsonl"
    assert runner.invoke(args=["ledger", "export", str(out)]).exit_code == 0
    ok = runner.invoke(args=["ledger", "verify", str(out), "--origin", ORIGIN, "--key", VERIFIER_KEY, "--json"])
    assert ok.exit_code == 0 and json.loads(ok.output.splitlines()[-1])["ok"] is True
    disbursed = _index_of(app, "loan.disbursed")
    with _superuser(database_url) as conn:
        conn.execute(EDIT_AMOUNT, (disbursed,))
    assert runner.invoke(args=["ledger", "export", str(out)]).exit_code == 0
    failed = runner.invoke(args=["ledger", "verify", str(out), "--origin", ORIGIN, "--key", VERIFIER_KEY, "--json"])
    assert failed.exit_code == 1
    outcome = json.loads(failed.output.splitlines()[-1])
    assert outcome["ok"] is False and outcome["index"] == disbursed and "signature" in outcome["reason"]


def _tampered(app, database_url, statement, params=()) -> errors.VerificationFailed:
    with _superuser(database_url) as conn:
        conn.execute(statement, params)
    with pytest.raises(errors.VerificationFailed) as failure:
        _verify(_bundle(app))
    return failure.value


def test_an_edited_amount_fails_at_its_index(app, prog, database_url):
    index = _index_of(app, "loan.disbursed")
    failure = _tampered(app, database_url, EDIT_AMOUNT, (index,))
    assert failure.index == index and "invalid-signature" in failure.detail


def test_a_deleted_row_fails_at_its_index(app, prog, database_url):
    index = _index_of(app, "reduction.verified")
    failure = _tampered(app, database_url, "DELETE FROM entries WHERE idx = %s", (index,))
    assert failure.index == index and "missing" in failure.detail


def test_two_swapped_rows_fail_at_the_first(app, prog, database_url):
    a, b = 12, 15
    failure = _tampered(
        app, database_url,
        "UPDATE entries SET record = CASE idx WHEN %s THEN (SELECT record FROM entries WHERE idx = %s) ELSE (SELECT record FROM entries WHERE idx = %s) END WHERE idx IN (%s, %s)",
        (a, b, a, a, b),
    )
    assert failure.index == a


def test_a_signature_replaced_by_another_keys_valid_signature_fails(app, prog, database_url):
    index = _index_of(app, "loan.disbursed")
    record = prog.get(f"/v1/entries/{index}")["record"]
    forged = sign_envelope(record["envelope"], party_key("bank-b"))["signature"]  # valid, but by bank-b's key
    record["signature"] = forged
    from ledger.crypto.canonical import canonical_json

    failure = _tampered(app, database_url, "UPDATE entries SET record = %s WHERE idx = %s", (canonical_json(record), index))
    assert failure.index == index and "invalid-signature" in failure.detail


def test_a_key_registration_forged_after_the_fact_fails(app, prog, database_url):
    """The attacker rewrites bank-b's registration to carry a key of their own."""
    from ledger.crypto.canonical import b64encode, canonical_json
    from ledger.crypto.signing import raw_public_key

    items = prog.client.get("/v1/entries?type=party.registered&limit=100").get_json()["items"]
    (entry,) = [i["record"] for i in items if i["record"]["envelope"]["payload"]["party"] == "bank-b"]
    entry["envelope"]["payload"]["public_key"] = b64encode(raw_public_key(party_key("attacker")))
    failure = _tampered(app, database_url, "UPDATE entries SET record = %s WHERE idx = %s", (canonical_json(entry), entry["index"]))
    assert failure.index == entry["index"]


def test_a_rewritten_tail_is_caught_against_a_checkpoint_kept_before(app, prog, database_url, sign):
    kept = prog.client.get("/v1/checkpoint").get_data(as_text=True)
    size = tree_size(prog.client)
    cut = size - 3
    with _superuser(database_url) as conn:
        conn.execute("DELETE FROM entries WHERE idx >= %s", (cut,))
        conn.execute("DELETE FROM tree_nodes WHERE idx * (1::bigint << level) + (1::bigint << level) > %s", (cut,))
        conn.execute("DELETE FROM checkpoints WHERE tree_size > %s", (cut,))
    # the server, none the wiser, appends other content on top of the truncated log (with a valid checkpoint)
    for n in range(4):
        prog.ok("operator", "party.registered", party_payload(f"late-{n}", ["lender"]))
    lines = _bundle(app)
    assert _verify(lines).tree_size == cut + 4  # self-consistent on its own...
    with pytest.raises(errors.VerificationFailed) as failure:
        _verify(lines, kept=[kept])  # ...but not an extension of what the auditor saw
    assert failure.value.index == size - 1 and "forked" in failure.value.detail


def test_a_clean_export_of_the_demo_verifies_and_its_reports_recompute(app, database_url, tmp_path):
    from ledger.crypto.signing import private_key_to_pem
    from ledger.verify.reports import check_report
    from tests.conftest import OPERATOR_KEY

    config = app.extensions["ledger_config"]
    config.operator_key_path.parent.mkdir(parents=True)
    config.operator_key_path.write_bytes(private_key_to_pem(OPERATOR_KEY))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["ledger", "demo", "--projects", "12", "--loans", "20"]).exit_code == 0
    verified = _verify(_bundle(app))
    client = app.test_client()
    assert verified.tree_size == client.get("/v1/log").get_json()["tree_size"]
    urls = (
        "/v1/reports/summary", "/v1/reports/programme", "/v1/reports/lenders/icbc-sichuan", "/v1/reports/parks/tianfu-hq",
        "/v1/reports/parks/luzhou-food", "/v1/reports/parks/panzhihua-vanadium",
        "/v1/reports/reward-programs/nzc-rewards-2025", "/v1/reports/reward-programs/nzc-park-success-2025",
    )  # fmt: skip
    for url in urls:
        check_report(client.get(url).get_json(), verified, VERIFIER_KEY)  # raises unless byte-equal
    programme = client.get("/v1/reports/programme").get_json()["report"]["figures"]["years"]
    assert [year["target_year"] for year in programme] == [2025] and programme[0]["status"]["assessed-successful"] >= 10


def test_the_verifier_remembers_only_the_entries_the_log_corrects(app, prog):
    from ledger.verify.bundle import corrected_indices

    disbursed = _index_of(app, "loan.disbursed")
    prog.ok("bank-a", "entry.corrected", {"corrects": disbursed, "reason": "typo", "payload": prog.movement("L1", "30.00")})
    lines = _bundle(app)
    assert corrected_indices(lines) == {disbursed}
    report = _verify(lines, corrected={disbursed})  # the correction still replays against the remembered entry
    from ledger.domain.entities import Loan

    assert report.state.get(Loan, "L1").disbursed == Decimal("30.00")
    assert set(report.state._entries) == {disbursed}


@pytest.mark.parametrize("jobs", [1, 2])
def test_signatures_checked_on_worker_processes_name_the_same_first_index(app, prog, database_url, jobs):
    index = _index_of(app, "reduction.verified")
    record = prog.get(f"/v1/entries/{index}")["record"]
    record["signature"] = sign_envelope(record["envelope"], party_key("mrv-2"))["signature"]
    from ledger.crypto.canonical import canonical_json

    with _superuser(database_url) as conn:
        conn.execute("UPDATE entries SET record = %s WHERE idx = %s", (canonical_json(record), index))
    with pytest.raises(errors.VerificationFailed) as failure:
        verify_bundle(_bundle(app), origin=ORIGIN, verifier_key=VERIFIER_KEY, jobs=jobs)
    assert failure.value.index == index and "invalid-signature" in failure.value.detail


def test_a_deleted_last_row_still_ends_the_export_and_fails_verification(app, prog, database_url):
    """Reading the log by the last index seen, not by a count, ends even when the tail has a hole."""
    last = tree_size(prog.client) - 1
    failure = _tampered(app, database_url, "DELETE FROM entries WHERE idx = %s", (last,))
    assert "the checkpoint covers" in failure.detail and failure.index == last
    lines = _bundle(app)
    assert len(lines) == last + 2  # manifest, every remaining record once, checkpoint
