"""The demo hands out every demo party's key and token, and a bank officer's first write works with them."""

from __future__ import annotations

import json
import stat
from typing import Any

from click.testing import CliRunner

from ledger.cli import commands
from ledger.crypto.signing import key_id, private_key_to_pem, raw_public_key, read_private_key_file
from ledger.demo import DemoProgramme
from tests.conftest import OPERATOR_KEY, bearer


def _load_demo(app: Any) -> Any:
    config = app.extensions["ledger_config"]
    config.keys_dir.mkdir(parents=True, exist_ok=True)
    config.operator_key_path.write_bytes(private_key_to_pem(OPERATOR_KEY))
    # 18 projects: the templates' project, tianfu-hq/p0018, is the 18th
    return app.test_cli_runner().invoke(args=["ledger", "demo", "--projects", "18", "--loans", "18"])


def test_the_demo_writes_each_partys_key_file_beside_its_token(app, client):
    result = _load_demo(app)
    assert result.exit_code == 0, result.output
    home = app.extensions["ledger_config"].home
    folder = home / "demo-keys"
    assert f"signing keys of every demo party: {folder}/<party>.pem" in result.output
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    tokens = json.loads((home / "demo-tokens.json").read_text())
    parties = [row[0] for row in DemoProgramme(projects=1, loans=0).parties()]
    assert sorted(p.stem for p in folder.iterdir()) == sorted(parties)
    for party in parties:
        path = folder / f"{party}.pem"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        registered = client.get(f"/v1/parties/{party}", headers=bearer(tokens[party])).get_json()["keys"]
        assert [k["key_id"] for k in registered] == [key_id(raw_public_key(read_private_key_file(path)))]
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    again = app.test_cli_runner().invoke(args=["ledger", "demo", "--projects", "18", "--loans", "18"])
    assert again.exit_code == 0 and {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_bank_officer_signs_the_loan_templates_with_the_demo_key(app, client, live_url, monkeypatch):
    assert _load_demo(app).exit_code == 0
    home = app.extensions["ledger_config"].home
    monkeypatch.setenv("LEDGER_TOKEN", json.loads((home / "demo-tokens.json").read_text())["icbc-sichuan"])
    runner = CliRunner()
    for entry_type in ("loan.registered", "loan.disbursed", "loan.repaid"):
        template = runner.invoke(commands, ["template", entry_type]).stdout
        key = str(home / "demo-keys" / "icbc-sichuan.pem")
        signed = runner.invoke(commands, ["sign", "--key", key, "--signer", "icbc-sichuan", "--type", entry_type, "-"], input=template)
        assert signed.exit_code == 0, signed.output
        submitted = runner.invoke(commands, ["submit", "--url", live_url, "-"], input=signed.stdout)
        assert submitted.exit_code == 0, (entry_type, submitted.output)
    loan = client.get("/v1/loans/icbc-sichuan/2026-0001").get_json()
    assert (loan["principal"], loan["disbursed"], loan["repaid"]) == ("15000000.00", "10000000.00", "1000000.00")
