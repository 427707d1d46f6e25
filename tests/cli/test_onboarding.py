"""`greenledger parties add`: the registry operator registers a party and hands it what its first write needs."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from ledger.cli import commands
from ledger.crypto.canonical import b64encode
from ledger.crypto.signing import key_id, private_key_to_pem, raw_public_key, read_private_key_file
from ledger.services.tokens import list_tokens
from tests.conftest import OPERATOR_KEY, bearer
from tests.helpers import party_key, tree_size

USCC = "91510600MA6DYB8K34"  # its check character is right
BAD_CHECK = "91510600MA6DYB8K35"


@pytest.fixture
def operator_key_file(app: Any) -> Path:
    """The server's operator key where `init` leaves it: LEDGER_HOME/keys/operator.pem."""
    config = app.extensions["ledger_config"]
    config.keys_dir.mkdir(parents=True, exist_ok=True)
    config.operator_key_path.write_bytes(private_key_to_pem(OPERATOR_KEY))
    return config.operator_key_path


def _add(app: Any, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["ledger", "parties", "add", *args])


def _token(output: str) -> str:
    return re.search(r"API token  (glt_\S+)", output).group(1)


def _refused(app: Any, client: Any, result: Any, party: str) -> None:
    """Exit 1, no traceback, and nothing appended or issued."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    assert tree_size(client) == 1
    assert list_tokens(app.extensions["ledger"], party) == []


def test_a_party_with_a_new_key_gets_its_registration_token_and_next_steps(app, client, operator_key_file, tmp_path):
    key_file = tmp_path / "keys" / "deyang-bank.pem"
    result = _add(app, "deyang-bank", "--name", "Bank of Deyang", "--uscc", USCC, "--role", "lender", "--new-key-file", str(key_file), "--url", "https://ledger.example")
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    kid = key_id(raw_public_key(read_private_key_file(key_file)))
    out = result.stdout
    assert "registered deyang-bank (lender) at index 1" in out
    for expected in ("party id   deyang-bank", f"key id     {kid}", f"key file   {key_file}", "server     https://ledger.example",
                     "export LEDGER_URL=https://ledger.example LEDGER_TOKEN=glt_",
                     "greenledger template loan.registered > loan.json",
                     f"greenledger sign --key {key_file} --signer deyang-bank --type loan.registered loan.json > loan.signed.json",
                     "greenledger submit loan.signed.json > receipt.json"):  # fmt: skip
        assert expected in out, expected
    assert "PRIVATE KEY" not in result.output  # the private key stays in its file

    token = _token(out)
    assert client.get("/v1/loans", headers=bearer(token)).status_code == 200  # the token is deyang-bank's
    party = client.get("/v1/parties/deyang-bank").get_json()
    assert party["roles"] == ["lender"] and party["unified_social_credit_code"] == USCC
    assert [k["key_id"] for k in party["keys"]] == [kid]
    record = client.get("/v1/entries/1").get_json()["record"]["envelope"]
    assert record["type"] == "party.registered" and record["signer"] == "operator"
    assert [t.label for t in list_tokens(app.extensions["ledger"], "deyang-bank")] == ["onboarding"]


def test_the_public_key_may_come_as_base64_or_from_the_partys_key_file(app, client, operator_key_file, tmp_path):
    given = party_key("by-text")
    by_text = _add(app, "by-text", "--name", "By Text", "--uscc", USCC, "--role", "verifier", "--public-key", b64encode(raw_public_key(given)))
    assert by_text.exit_code == 0, by_text.output
    assert f"key id     {key_id(raw_public_key(given))}" in by_text.stdout
    assert "key file   the private key file whose public key was given" in by_text.stdout
    assert "--key YOUR-KEY.pem --signer by-text --type reduction.verified" in by_text.stdout

    private_file = tmp_path / "park.pem"
    private_file.write_bytes(private_key_to_pem(party_key("by-private-file")))
    by_private = _add(app, "by-private-file", "--name", "Park", "--uscc", USCC, "--role", "park_operator", "--public-key-file", str(private_file))
    assert by_private.exit_code == 0, by_private.output
    assert f"key file   {private_file}" in by_private.stdout and "--type project.registered" in by_private.stdout

    public_file = tmp_path / "dept.pub.pem"
    public_file.write_bytes(party_key("by-public-file").public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    by_public = _add(app, "by-public-file", "--name", "Dept", "--uscc", USCC, "--role", "department", "--role", "auditor", "--public-key-file", str(public_file))
    assert by_public.exit_code == 0, by_public.output
    assert "registered by-public-file (department, auditor)" in by_public.stdout and "--type park.registered" in by_public.stdout
    assert client.get("/v1/parties/by-public-file").get_json()["keys"][0]["key_id"] == key_id(raw_public_key(party_key("by-public-file")))


def test_an_auditor_is_pointed_to_a_read(app, operator_key_file):
    result = _add(app, "audit", "--name", "Audit Office", "--uscc", USCC, "--role", "auditor", "--public-key", b64encode(raw_public_key(party_key("audit"))), "--token-days", "7")
    assert result.exit_code == 0, result.output
    assert '$LEDGER_URL/v1/reports/summary' in result.stdout and "greenledger sign" not in result.stdout
    [token] = list_tokens(app.extensions["ledger"], "audit")
    assert (token.expires_at - token.created_at).days == 7


def test_a_wrong_check_character_is_explained(app, client, operator_key_file, tmp_path):
    result = _add(app, "deyang-bank", "--name", "Bank of Deyang", "--uscc", BAD_CHECK, "--role", "lender", "--new-key-file", str(tmp_path / "k.pem"))
    _refused(app, client, result, "deyang-bank")
    assert f"--uscc: {BAD_CHECK}: the check character (the 18th) should be 4, not 5" in result.output
    assert not (tmp_path / "k.pem").exists()


@pytest.mark.parametrize(
    ("roles", "said"),
    [
        (["bank"], "--role: 'bank' is not a role; the roles are admin, assessor, auditor, department, lender, park_operator, verifier"),
        (["park-operator"], "--role: 'park-operator' is not a role; did you mean park_operator?"),
        (["lender", "lender"], "--role: lender given more than once"),
        ([], "--role: give at least one role"),
    ],
)
def test_an_unknown_or_missing_role_is_named(app, client, operator_key_file, roles, said):
    role_args = [arg for role in roles for arg in ("--role", role)]
    result = _add(app, "deyang-bank", "--name", "Bank of Deyang", "--uscc", USCC, *role_args, "--public-key", b64encode(raw_public_key(party_key("x"))))
    _refused(app, client, result, "deyang-bank")
    assert said in result.output


def test_every_wrong_field_is_named_at_once(app, client, operator_key_file):
    result = _add(app, "Deyang Bank", "--name", "", "--uscc", "9151", "--role", "bank", "--public-key", b64encode(raw_public_key(party_key("x"))))
    _refused(app, client, result, "Deyang Bank")
    assert "Deyang Bank was not registered:" in result.output and "nothing was signed or issued" in result.output
    for option in ("PARTY_ID: a party id is", "--name: the legal name must be", "--uscc: '9151' is 4 characters long", "--role: 'bank' is not a role"):
        assert option in result.output, option


def test_an_existing_party_is_said_so_and_nothing_is_issued(app, client, operator_key_file, tmp_path):
    first = _add(app, "deyang-bank", "--name", "Bank of Deyang", "--uscc", USCC, "--role", "lender", "--public-key", b64encode(raw_public_key(party_key("deyang-bank"))))
    assert first.exit_code == 0, first.output
    size, tokens = tree_size(client), list_tokens(app.extensions["ledger"], "deyang-bank")
    again = _add(app, "deyang-bank", "--name", "Bank of Deyang", "--uscc", USCC, "--role", "lender", "--new-key-file", str(tmp_path / "again.pem"))
    assert again.exit_code == 1 and again.stdout == "" and "Traceback" not in again.output
    assert "party 'deyang-bank' is already registered (index 1); nothing was signed or issued" in again.output
    assert "greenledger tokens issue deyang-bank" in again.output
    assert tree_size(client) == size and list_tokens(app.extensions["ledger"], "deyang-bank") == tokens
    assert not (tmp_path / "again.pem").exists()


def test_an_existing_key_file_is_never_overwritten(app, client, operator_key_file, tmp_path):
    existing = tmp_path / "mine.pem"
    existing.write_bytes(b"someone's key\n")
    result = _add(app, "deyang-bank", "--name", "Bank of Deyang", "--uscc", USCC, "--role", "lender", "--new-key-file", str(existing))
    _refused(app, client, result, "deyang-bank")
    assert f"refusing to overwrite existing key file {existing}" in result.output
    assert existing.read_bytes() == b"someone's key\n"


@pytest.mark.parametrize(
    ("key_args", "said"),
    [
        ([], "give the party's key with exactly one of --public-key-file PEM, --public-key BASE64 or --new-key-file PATH"),
        (["--public-key", "AAAA", "--new-key-file", "x.pem"], "(not --public-key and --new-key-file)"),
        (["--public-key", "not base64!"], "the public key is not base64 of 32 bytes"),
        (["--public-key-file", "/nonexistent/k.pem"], "cannot read key file /nonexistent/k.pem"),
    ],
)
def test_the_key_must_be_given_once_and_usable(app, client, operator_key_file, key_args, said):
    result = _add(app, "deyang-bank", "--name", "Bank of Deyang", "--uscc", USCC, "--role", "lender", *key_args)
    _refused(app, client, result, "deyang-bank")
    assert said in result.output


def test_a_public_key_of_another_party_is_refused_and_a_new_key_file_is_not_left_behind(app, client, operator_key_file):
    result = _add(app, "deyang-bank", "--name", "Bank of Deyang", "--uscc", USCC, "--role", "lender", "--public-key", b64encode(raw_public_key(OPERATOR_KEY)))
    _refused(app, client, result, "deyang-bank")
    assert "is already registered (to operator)" in result.output


def test_without_the_operator_key_nothing_is_registered(app, client, tmp_path):
    result = _add(app, "deyang-bank", "--name", "Bank of Deyang", "--uscc", USCC, "--role", "lender", "--new-key-file", str(tmp_path / "k.pem"))
    _refused(app, client, result, "deyang-bank")
    assert "cannot read key file" in result.output and "operator.pem" in result.output
    assert not (tmp_path / "k.pem").exists()


def test_a_new_party_makes_its_first_write_from_what_it_was_told(app, client, sign, operator_key_file, live_url, tmp_path, monkeypatch):
    """The README's round trip: onboard a bank, then its template, sign and submit, over real HTTP."""
    from tests.helpers import Programme

    prog = Programme(client, sign)  # a park with a project the bank can lend to
    prog.ok("dept", "park.registered", prog.park())
    prog.ok("op-tianfu", "project.registered", prog.project("tianfu-hq/p0018", equity="120000000.00", debt="380000000.00"))
    key_file = tmp_path / "deyang-bank.pem"
    added = _add(app, "deyang-bank", "--name", "Bank of Deyang", "--uscc", USCC, "--role", "lender", "--new-key-file", str(key_file), "--url", live_url)
    assert added.exit_code == 0, added.output
    monkeypatch.setenv("LEDGER_TOKEN", _token(added.stdout))
    monkeypatch.setenv("LEDGER_URL", live_url)
    runner = CliRunner()
    loan = tmp_path / "loan.json"
    loan.write_text(runner.invoke(commands, ["template", "loan.registered"]).stdout.replace("icbc-sichuan/2026-0001", "deyang-bank/2026-0001"))
    signed = runner.invoke(commands, ["sign", "--key", str(key_file), "--signer", "deyang-bank", "--type", "loan.registered", str(loan)])
    assert signed.exit_code == 0, signed.output
    submitted = runner.invoke(commands, ["submit", "-"], input=signed.stdout)
    assert submitted.exit_code == 0, submitted.output
    assert json.loads(submitted.stdout)["index"] == tree_size(client) - 1
    assert prog.get("/v1/loans/deyang-bank/2026-0001")["lender"] == "deyang-bank"
