"""`greenledger template` and what `greenledger sign` checks before it signs anything."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ledger.cli import commands
from ledger.domain.templates import TEMPLATES
from tests.helpers import Programme


def _no_traceback(result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_without_a_type_it_lists_every_type_with_who_signs_it():
    result = CliRunner().invoke(commands, ["template"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(TEMPLATES)
    assert any(line.startswith("loan.disbursed") and "the loan's lender" in line for line in lines)


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_each_type_prints_notes_then_its_example_and_json_prints_the_bare_json(name):
    runner = CliRunner()
    annotated = runner.invoke(commands, ["template", name])
    assert annotated.exit_code == 0, annotated.output
    head, brace, body = annotated.stdout.partition("\n{")
    assert all(line.startswith("#") for line in head.splitlines()) and f"# {name}: " in head
    assert json.loads(brace.strip() + body) == TEMPLATES[name].payload
    bare = runner.invoke(commands, ["template", name, "--json"])
    assert bare.exit_code == 0 and json.loads(bare.stdout) == TEMPLATES[name].payload and not bare.stdout.startswith("#")


def test_an_unknown_type_is_refused_with_the_close_one():
    result = CliRunner().invoke(commands, ["template", "loan.repayed"])
    assert result.exit_code == 1 and result.stdout == ""
    assert "unknown entry type 'loan.repayed'; did you mean loan.repaid?" in result.output
    _no_traceback(result)


def test_the_template_signs_as_it_is_written_notes_and_all(tmp_path, operator_pem):
    runner = CliRunner()
    loan = tmp_path / "loan.json"
    loan.write_text(runner.invoke(commands, ["template", "loan.registered"]).stdout)
    signed = runner.invoke(commands, ["sign", "--key", str(operator_pem), "--signer", "icbc-sichuan", "--type", "loan.registered", str(loan)])
    assert signed.exit_code == 0, signed.output
    assert json.loads(signed.stdout)["envelope"]["payload"] == TEMPLATES["loan.registered"].payload


def test_sign_names_an_unknown_type_and_signs_nothing(tmp_path, operator_pem):
    payload = tmp_path / "repaid.json"
    payload.write_text(json.dumps(TEMPLATES["loan.repaid"].payload))
    result = CliRunner().invoke(commands, ["sign", "--key", str(operator_pem), "--signer", "icbc-sichuan", "--type", "loan.repayed", str(payload)])
    assert result.exit_code == 1 and result.stdout == ""
    assert "error: --type: unknown entry type 'loan.repayed'; did you mean loan.repaid?" in result.output
    _no_traceback(result)


def test_sign_names_every_bad_field_and_signs_nothing(tmp_path, operator_pem):
    runner = CliRunner()
    text = runner.invoke(commands, ["template", "loan.registered"]).stdout
    text = text.replace('"principal": "15000000.00"', '"principal": 15000000').replace('"term_months": 60', '"term_months": "60"')
    text = text.replace('"currency": "CNY"', '"currency": "USD"')
    payload = tmp_path / "loan.json"
    payload.write_text(text)
    result = runner.invoke(commands, ["sign", "--key", str(operator_pem), "--signer", "icbc-sichuan", "--type", "loan.registered", str(payload)])
    assert result.exit_code == 1 and result.stdout == ""
    assert "the loan.registered payload has 3 bad fields" in result.output
    for field in ("principal", "term_months", "currency"):
        assert f"\n  {field}: " in result.output
    _no_traceback(result)


@pytest.mark.parametrize(
    ("given", "said"),
    [("{nope", "standard input is not JSON"), ("[1, 2]", "a key.added payload is a JSON object, not list"), ('{"party": "a", "party": "b"}', "the field 'party' appears twice")],
)
def test_sign_refuses_what_is_no_payload_object(operator_pem, given, said):
    result = CliRunner().invoke(commands, ["sign", "--key", str(operator_pem), "--signer", "operator", "--type", "key.added", "-"], input=given)
    assert result.exit_code == 1 and result.stdout == "" and said in result.output
    _no_traceback(result)


def test_sign_says_when_the_payload_file_is_missing(tmp_path, operator_pem):
    result = CliRunner().invoke(commands, ["sign", "--key", str(operator_pem), "--signer", "operator", "--type", "key.added", str(tmp_path / "none.json")])
    # A path that cannot be read is a usage error (2), as click's own path checks make it.
    assert result.exit_code == 2 and result.stdout == "" and "cannot read" in result.output and "No such file" in result.output
    _no_traceback(result)


def test_the_credits_template_starts_at_the_next_free_serial_of_a_server(client, sign, live_url):
    prog = Programme(client, sign)
    prog.setup_verified()
    prog.ok("mrv", "credits.issued", {"verification": "v1", "serial_start": 1, "serial_end": 100, "holder": "bank-a"})
    result = CliRunner().invoke(commands, ["template", "credits.issued", "--server", live_url])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout[result.stdout.index("\n{") + 1 :])
    example = TEMPLATES["credits.issued"].payload
    assert payload["serial_start"] == 101
    assert payload["serial_end"] - payload["serial_start"] == example["serial_end"] - example["serial_start"]
    assert f"serial_start 101 is the next free serial {live_url} reported" in result.stdout
    bare = CliRunner().invoke(commands, ["template", "credits.issued", "--server", live_url, "--json"])
    assert json.loads(bare.stdout)["serial_start"] == 101


def test_without_a_reachable_server_the_credits_template_is_the_static_example():
    result = CliRunner().invoke(commands, ["template", "credits.issued", "--json", "--server", "http://127.0.0.1:9"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == TEMPLATES["credits.issued"].payload
    assert "warning: could not ask http://127.0.0.1:9 for the next free serial" in result.stderr


def test_server_is_only_for_the_credits_template():
    result = CliRunner().invoke(commands, ["template", "loan.registered", "--json", "--server", "http://127.0.0.1:9"])
    assert result.exit_code == 0 and json.loads(result.stdout) == TEMPLATES["loan.registered"].payload
    assert "--server is used only for credits.issued" in result.stderr
