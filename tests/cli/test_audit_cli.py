"""The auditor's commands against a real server: prove, witness, and reports recomputed by verify."""

from __future__ import annotations

import json

from click.testing import CliRunner

from ledger.cli import commands
from tests.api.test_submit import VERIFIER_KEY
from tests.conftest import ORIGIN
from tests.helpers import Programme, party_payload
from tests.integration.test_audit import _superuser


def _rewrite_tail(database_url: str, cut: int) -> None:
    """As a superuser with the triggers off: drop every entry from ``cut`` on, with its nodes and checkpoints."""
    with _superuser(database_url) as conn:
        conn.execute("DELETE FROM entries WHERE idx >= %s", (cut,))
        conn.execute("DELETE FROM tree_nodes WHERE idx * (1::bigint << level) + (1::bigint << level) > %s", (cut,))
        conn.execute("DELETE FROM checkpoints WHERE tree_size > %s", (cut,))


def test_prove_a_receipt_while_the_log_grows_and_fail_once_it_is_rewritten(client, sign, live_url, tmp_path, database_url):
    runner = CliRunner()
    receipt = client.post("/v1/entries", json=sign("party.registered", party_payload("bank-a", ["lender"]))).get_json()
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(receipt))
    for n in range(5):
        client.post("/v1/entries", json=sign("party.registered", party_payload(f"later-{n}", ["lender"])))
    ok = runner.invoke(commands, ["prove", "--server", live_url, "--key", VERIFIER_KEY, str(path)])
    assert ok.exit_code == 0, ok.output
    assert "still included at tree size 7" in ok.output

    _rewrite_tail(database_url, receipt["index"])
    for n in range(8):
        client.post("/v1/entries", json=sign("party.registered", party_payload(f"other-{n}", ["lender"])))
    refused = runner.invoke(commands, ["prove", "--server", live_url, "--key", VERIFIER_KEY, str(path)])
    assert refused.exit_code == 1 and "not proven" in refused.output and f"index {receipt['index']}" in refused.output


def test_the_witness_pins_the_key_follows_growth_and_raises_the_alarm_on_a_fork_or_a_rollback(client, sign, live_url, tmp_path, database_url):
    runner = CliRunner()
    state = tmp_path / "witness"
    unpinned = runner.invoke(commands, ["witness", "--server", live_url, "--state", str(state)])
    assert unpinned.exit_code == 2 and "the first run needs --key" in unpinned.output and "ALARM" not in unpinned.output
    first = runner.invoke(commands, ["witness", "--server", live_url, "--state", str(state), "--key", VERIFIER_KEY])
    assert first.exit_code == 0 and f"first run: pinned the log's key {VERIFIER_KEY} and its checkpoint at tree size 1" in first.output
    for n in range(4):
        client.post("/v1/entries", json=sign("party.registered", party_payload(f"p-{n}", ["lender"])))
    grown = runner.invoke(commands, ["witness", "--server", live_url, "--state", str(state)])
    assert grown.exit_code == 0 and "tree size 5 extends 1" in grown.output
    stored = (state / "checkpoint").read_text()

    _rewrite_tail(database_url, 3)
    for n in range(5):
        client.post("/v1/entries", json=sign("party.registered", party_payload(f"q-{n}", ["lender"])))
    fork = runner.invoke(commands, ["witness", "--server", live_url, "--state", str(state)])
    assert fork.exit_code == 1 and "WITNESS ALARM: fork" in fork.output
    assert (state / "checkpoint").read_text() == stored  # the evidence is kept

    rollback_state = tmp_path / "witness-2"
    assert runner.invoke(commands, ["witness", "--server", live_url, "--state", str(rollback_state), "--key", VERIFIER_KEY]).exit_code == 0
    _rewrite_tail(database_url, 4)
    rollback = runner.invoke(commands, ["witness", "--server", live_url, "--state", str(rollback_state)])
    assert rollback.exit_code == 1 and "rollback" in rollback.output


def test_the_witness_refuses_a_checkpoint_signed_by_another_key(live_url, tmp_path):
    from ledger.crypto.checkpoint import verifier_key
    from ledger.crypto.signing import generate_private_key, raw_public_key

    other = verifier_key(ORIGIN, raw_public_key(generate_private_key()))
    result = CliRunner().invoke(commands, ["witness", "--server", live_url, "--state", str(tmp_path / "w"), "--key", other])
    assert result.exit_code == 1 and "does not verify" in result.output


def test_verify_recomputes_signed_reports_from_the_bundle(app, client, sign, tmp_path):
    prog = Programme(client, sign)
    prog.setup_verified()
    prog.ok("bank-a", "loan.disbursed", prog.movement("L1", "200.00"))
    runner = app.test_cli_runner()
    bundle = tmp_path / "bundle.jsonl"
    assert runner.invoke(args=["ledger", "export", str(bundle)]).exit_code == 0
    paths = []
    for name, url in (("summary", "/v1/reports/summary"), ("project", "/v1/reports/projects/p1"), ("lender", "/v1/reports/lenders/bank-a")):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(client.get(url).get_json()))
        paths += ["--report", str(path)]
    ok = runner.invoke(args=["ledger", "verify", str(bundle), "--origin", ORIGIN, "--key", VERIFIER_KEY, "--json", *paths])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output.splitlines()[-1])["reports"] == 3

    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps(client.get("/v1/reports/summary?tree_size=5").get_json()))
    refused = runner.invoke(args=["ledger", "verify", str(bundle), "--origin", ORIGIN, "--key", VERIFIER_KEY, "--json", "--report", str(stale)])
    assert refused.exit_code == 1 and "export the bundle at that size" in json.loads(refused.output.splitlines()[-1])["reason"]


def test_verify_catches_a_validly_signed_report_whose_numbers_are_not_the_logs(app, client, sign, tmp_path):
    """The server's own key signs a report with an inflated figure: only recomputation can catch it."""
    from ledger.crypto.canonical import b64encode, canonical_json
    from tests.conftest import CHECKPOINT_KEY

    prog = Programme(client, sign)
    prog.setup_verified()
    runner = app.test_cli_runner()
    bundle = tmp_path / "bundle.jsonl"
    assert runner.invoke(args=["ledger", "export", str(bundle)]).exit_code == 0
    body = client.get("/v1/reports/projects/p1").get_json()["report"]
    body["figures"]["reductions"]["verified"] = "9999.000"
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({"report": body, "signature": b64encode(CHECKPOINT_KEY.sign(canonical_json(body)))}))
    result = runner.invoke(args=["ledger", "verify", str(bundle), "--origin", ORIGIN, "--key", VERIFIER_KEY, "--json", "--report", str(forged)])
    assert result.exit_code == 1
    assert "differs from its recomputation from the log in: figures" in json.loads(result.output.splitlines()[-1])["reason"]


def test_the_witness_follows_a_checkpoint_key_rotation_made_from_the_command_line(app, client, sign, live_url, tmp_path):
    from ledger.crypto.checkpoint import parse_verifier_key
    from ledger.crypto.signing import raw_public_key, read_private_key_file, write_private_key_file
    from tests.conftest import CHECKPOINT_KEY, OPERATOR_KEY

    config = app.extensions["ledger_config"]
    config.keys_dir.mkdir(parents=True, exist_ok=True)
    write_private_key_file(config.checkpoint_key_path, CHECKPOINT_KEY)
    write_private_key_file(config.operator_key_path, OPERATOR_KEY)
    runner = CliRunner()
    state = tmp_path / "witness"
    assert runner.invoke(commands, ["witness", "--server", live_url, "--state", str(state), "--key", VERIFIER_KEY]).exit_code == 0

    rotated = app.test_cli_runner().invoke(args=["ledger", "checkpoint-key", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    retired_path = next(p for p in config.checkpoint_key_files() if p != config.checkpoint_key_path)
    assert f"the new key is {config.checkpoint_key_path}; the old one is kept as {retired_path}" in rotated.stdout
    new_key = read_private_key_file(config.checkpoint_key_path)
    assert raw_public_key(new_key) != raw_public_key(CHECKPOINT_KEY)
    retired = [p for p in config.checkpoint_key_files() if p != config.checkpoint_key_path]
    assert [raw_public_key(read_private_key_file(p)) for p in retired] == [raw_public_key(CHECKPOINT_KEY)]
    client.post("/v1/entries", json=sign("party.registered", party_payload("after-rotation", ["lender"])))

    followed = runner.invoke(commands, ["witness", "--server", live_url, "--state", str(state)])
    assert followed.exit_code == 0, followed.output
    assert "rotated its checkpoint key" in followed.output and "tree size 3 extends 1" in followed.output
    pinned = (state / "verifier_key").read_text().strip()
    assert parse_verifier_key(pinned)[2] == raw_public_key(new_key)
    again = runner.invoke(commands, ["witness", "--server", live_url, "--state", str(state)])
    assert again.exit_code == 0 and "tree size 3 extends 3" in again.output


def test_a_rotation_is_refused_when_the_admin_key_is_wrong(app, tmp_path):
    from ledger.crypto.signing import write_private_key_file
    from tests.conftest import CHECKPOINT_KEY
    from tests.helpers import party_key

    config = app.extensions["ledger_config"]
    config.keys_dir.mkdir(parents=True, exist_ok=True)
    write_private_key_file(config.checkpoint_key_path, CHECKPOINT_KEY)
    wrong = tmp_path / "wrong.pem"
    write_private_key_file(wrong, party_key("nobody"))
    result = app.test_cli_runner().invoke(args=["ledger", "checkpoint-key", "rotate", "--admin-key", str(wrong)])
    assert result.exit_code == 1 and "unknown-key" not in result.output and "error" in result.output
    assert config.checkpoint_key_files() == [config.checkpoint_key_path]
    assert app.test_client().get("/v1/log").get_json()["tree_size"] == 1
