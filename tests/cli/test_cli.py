"""The command line: init, key files, signing, submitting over real HTTP, and verifying receipts."""

from __future__ import annotations

import json
import stat

from click.testing import CliRunner

from ledger.cli import commands
from ledger.crypto.checkpoint import verifier_key
from ledger.crypto.signing import (
    raw_public_key,
    read_private_key_file,
    verify_envelope,
)
from tests.api.test_submit import VERIFIER_KEY
from tests.conftest import OPERATOR_KEY, ORIGIN, token_for
from tests.helpers import party_payload, tree_size


def test_init_writes_private_keys_and_the_genesis_entry(make_app, empty_database_url):
    app = make_app(empty_database_url)
    config = app.extensions["ledger_config"]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ledger", "init", "--operator-id", "registry"])
    assert result.exit_code == 0, result.output
    assert "genesis appended at index 0" in result.output
    for path in (config.checkpoint_key_path, config.operator_key_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    checkpoint_key = read_private_key_file(config.checkpoint_key_path)
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(app, 'registry')}"
    info = client.get("/v1/log").get_json()
    assert info["verifier_key"] == verifier_key(ORIGIN, raw_public_key(checkpoint_key))
    genesis = client.get("/v1/entries/0").get_json()["record"]["envelope"]
    assert genesis["type"] == "ledger.genesis" and genesis["signer"] == "registry"
    again = runner.invoke(args=["ledger", "init"])
    assert again.exit_code == 1 and "already initialized" in again.output
    assert tree_size(client) == 1


def test_keys_generate_refuses_to_overwrite(tmp_path):
    runner = CliRunner()
    path = tmp_path / "k.pem"
    first = runner.invoke(commands, ["keys", "generate", str(path), "--json"])
    assert first.exit_code == 0, first.output
    info = json.loads(first.stdout)
    assert len(info["key_id"]) == 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    second = runner.invoke(commands, ["keys", "generate", str(path)])
    assert second.exit_code == 1 and "error" in second.output


def test_encrypted_key_needs_its_passphrase(tmp_path, monkeypatch):
    monkeypatch.setenv("KEY_PASS", "correct horse")
    runner = CliRunner()
    path = tmp_path / "k.pem"
    assert runner.invoke(commands, ["keys", "generate", str(path), "--passphrase-env", "KEY_PASS"]).exit_code == 0
    payload = tmp_path / "p.json"
    payload.write_text(json.dumps({"party": "x", "public_key": party_payload("x", ["lender"])["public_key"]}))  # sign checks the payload first
    without = runner.invoke(commands, ["sign", "--key", str(path), "--signer", "x", "--type", "key.added", str(payload)])
    assert without.exit_code == 1 and "error" in without.output
    with_pass = runner.invoke(commands, ["sign", "--key", str(path), "--passphrase-env", "KEY_PASS", "--signer", "x", "--type", "key.added", str(payload)])
    assert with_pass.exit_code == 0, with_pass.output


def test_sign_submit_and_verify_a_receipt_over_http(live_url, operator_pem, tmp_path):
    runner = CliRunner()
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps(party_payload("bank-a", ["lender"])))
    signed = runner.invoke(commands, ["sign", "--key", str(operator_pem), "--signer", "operator", "--type", "party.registered", "--nonce", "cli-1", str(payload)])
    assert signed.exit_code == 0, signed.output
    envelope = json.loads(signed.stdout)
    verify_envelope(envelope["envelope"], envelope["signature"], raw_public_key(OPERATOR_KEY))

    submitted = runner.invoke(commands, ["submit", "--server", live_url, "-"], input=signed.stdout)
    assert submitted.exit_code == 0, submitted.output
    receipt = json.loads(submitted.stdout)
    assert receipt["index"] == 1
    assert submitted.stderr == f"talking to {live_url}\n"  # stdout stays the receipt alone
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_text(submitted.stdout)

    online = runner.invoke(commands, ["verify-receipt", "--url", live_url, "--verifier-key", VERIFIER_KEY, str(receipt_file)])
    assert online.exit_code == 0, online.output
    assert "entry 1 is included" in online.stdout and online.stdout.strip().endswith("OK")

    offline = runner.invoke(commands, ["verify-receipt", "--offline", "--verifier-key", VERIFIER_KEY, str(receipt_file)])
    assert offline.exit_code == 0, offline.output
    assert "talking to" not in offline.output  # offline means no server

    # the receipt stays provable after the log grows (consistency to the new checkpoint)
    more = runner.invoke(commands, ["sign", "--key", str(operator_pem), "--signer", "operator", "--type", "party.registered", "-"], input=json.dumps(party_payload("bank-b", ["lender"])))
    assert runner.invoke(commands, ["submit", "--url", live_url], input=more.stdout).exit_code == 0  # the old name of --server
    later = runner.invoke(commands, ["verify-receipt", "--url", live_url, "--verifier-key", VERIFIER_KEY, str(receipt_file)])
    assert later.exit_code == 0 and "(size 3)" in later.output

    checkpoint = runner.invoke(commands, ["checkpoint", "--server", live_url])
    assert checkpoint.exit_code == 0 and checkpoint.stdout.startswith(ORIGIN + "\n3\n")


def test_tampered_receipt_fails_verification(live_url, operator_pem, tmp_path):
    runner = CliRunner()
    signed = runner.invoke(commands, ["sign", "--key", str(operator_pem), "--signer", "operator", "--type", "party.registered", "-"], input=json.dumps(party_payload("bank-a", ["lender"])))
    receipt = json.loads(runner.invoke(commands, ["submit", "--server", live_url], input=signed.stdout).stdout)
    receipt["index"] = 0
    result = runner.invoke(commands, ["verify-receipt", "--offline", "--verifier-key", VERIFIER_KEY, "-"], input=json.dumps(receipt))
    assert result.exit_code == 1 and "verification failed" in result.output


def test_submit_reports_the_problem_and_exits_non_zero(live_url, operator_pem):
    runner = CliRunner()
    bad = {"envelope": {"v": 1}, "signature": "x"}
    result = runner.invoke(commands, ["submit", "--url", live_url], input=json.dumps(bad))
    assert result.exit_code == 1
    sentence, problem = result.stderr.splitlines()[-2:]
    assert sentence.startswith("error: the server refused it (422 invalid-input): missing field(s)")  # words for a person
    assert json.loads(problem)["code"] == "invalid-input"  # and the problem for a script


def test_sign_rejects_a_payload_that_is_not_json(operator_pem):
    result = CliRunner().invoke(commands, ["sign", "--key", str(operator_pem), "--signer", "operator", "--type", "key.added", "-"], input="{nope")
    assert result.exit_code == 1 and "not JSON" in result.output


def test_tokens_are_issued_listed_and_revoked_from_the_command_line(app):
    runner = app.test_cli_runner()
    issued = runner.invoke(args=["ledger", "tokens", "issue", "operator", "--expires-in", "7", "--label", "ops laptop", "--json"])
    assert issued.exit_code == 0, issued.output
    token = json.loads(issued.output)
    client = app.test_client()
    assert client.get("/v1/log", headers={"Authorization": f"Bearer {token['token']}"}).status_code == 200
    listed = runner.invoke(args=["ledger", "tokens", "list", "--party", "operator"])
    assert token["token_id"] in listed.output and "ops laptop" in listed.output and "live" in listed.output
    assert token["token"].rpartition("_")[2] not in listed.output
    revoked = runner.invoke(args=["ledger", "tokens", "revoke", token["token_id"]])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/v1/log", headers={"Authorization": f"Bearer {token['token']}"}).status_code == 401
    again = runner.invoke(args=["ledger", "tokens", "revoke", token["token_id"]])
    assert again.exit_code == 1 and "no unrevoked token" in again.output


def test_a_token_for_an_unknown_party_or_a_bad_lifetime_is_refused(app):
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["ledger", "tokens", "issue", "nobody"])
    assert unknown.exit_code == 1 and "no registered party 'nobody'" in unknown.output
    too_long = runner.invoke(args=["ledger", "tokens", "issue", "operator", "--expires-in", "4000"])
    assert too_long.exit_code == 2 and "--expires-in" in too_long.output
    assert runner.invoke(args=["ledger", "tokens", "list"]).output == ""
