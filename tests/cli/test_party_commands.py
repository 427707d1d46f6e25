"""A party's commands talk to the server named by --server (LEDGER_URL, else the local default) and
say on stderr which one, keeping stdout for what scripts read."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ledger.cli import main
from tests.api.test_submit import VERIFIER_KEY
from tests.helpers import party_payload

CLIENT_COMMANDS = ["submit", "verify-receipt", "prove", "witness", "checkpoint"]


def _signed(operator_pem, party: str) -> str:
    args = ["sign", "--key", str(operator_pem), "--signer", "operator", "--type", "party.registered", "-"]
    result = CliRunner().invoke(main, args, input=json.dumps(party_payload(party, ["lender"])))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_submit_talks_to_ledger_url_by_default_and_says_so_on_stderr(live_url, operator_pem, monkeypatch):
    monkeypatch.setenv("LEDGER_URL", live_url)
    result = CliRunner().invoke(main, ["submit"], input=_signed(operator_pem, "bank-a"))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["index"] == 1
    assert result.stderr == f"talking to {live_url}\n"


def test_server_overrides_ledger_url(live_url, operator_pem, monkeypatch):
    monkeypatch.setenv("LEDGER_URL", "http://127.0.0.1:9")
    result = CliRunner().invoke(main, ["submit", "--server", live_url + "/"], input=_signed(operator_pem, "bank-a"))
    assert result.exit_code == 0, result.output
    assert result.stderr == f"talking to {live_url}\n"


def test_verify_receipt_online_says_which_server(live_url, operator_pem, tmp_path):
    receipt = tmp_path / "receipt.json"
    submitted = CliRunner().invoke(main, ["submit", "--server", live_url], input=_signed(operator_pem, "bank-a"))
    receipt.write_text(submitted.stdout)
    result = CliRunner().invoke(main, ["verify-receipt", "--server", live_url, "--verifier-key", VERIFIER_KEY, str(receipt)])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"talking to {live_url}\n" and result.stdout.endswith("OK\n")


@pytest.mark.parametrize("name", CLIENT_COMMANDS)
def test_every_client_command_documents_server_and_hides_the_old_url(name):
    help_text = CliRunner().invoke(main, [name, "--help"]).stdout
    assert "--server URL" in help_text and "LEDGER_URL" in help_text
    assert "--url" not in help_text


@pytest.mark.parametrize("address", ["localhost:8000", "ftp://example.org", "http://", "http://[::1"])
@pytest.mark.parametrize("option", ["--server", "--url"])
def test_an_address_that_is_not_a_server_url_is_a_usage_error(address, option):
    result = CliRunner().invoke(main, ["checkpoint", option, address])
    assert result.exit_code == 2
    assert "is not a server address; one looks like http://127.0.0.1:8000" in result.stderr
    assert "Traceback" not in result.output
