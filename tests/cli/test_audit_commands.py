"""An auditor's commands: the witness's first run pins a key only once it verified (a call without one
is a usage error, not an alarm), and every client command says which server it talks to."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ledger.cli import main
from ledger.crypto.checkpoint import verifier_key
from ledger.crypto.signing import generate_private_key, raw_public_key
from ledger.verify.witness import CHECKPOINT_FILE, KEY_FILE
from tests.api.test_submit import VERIFIER_KEY
from tests.conftest import ORIGIN
from tests.helpers import party_payload

ANOTHER_LOGS_KEY = verifier_key(ORIGIN, raw_public_key(generate_private_key()))


def witness(server: str, state, *extra: str):
    return CliRunner().invoke(main, ["witness", "--server", server, "--state", str(state), *extra])


def test_a_first_run_without_key_says_the_key_is_needed_not_an_alarm(live_url, tmp_path):
    state = tmp_path / "witness"
    result = witness(live_url, state)
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"error: nothing is pinned in {state} yet: the first run needs --key, the log's verifier key "
        "(from the registry operator, out of band; GET /v1/log shows the server's, to compare)\n"
    )
    assert "ALARM" not in result.output and not state.exists()


def test_a_first_run_with_key_says_what_it_pinned(live_url, client, sign, tmp_path):
    state = tmp_path / "witness"
    first = witness(live_url, state, "--key", VERIFIER_KEY)
    assert first.exit_code == 0, first.output
    assert first.stdout == (
        f"first run: pinned the log's key {VERIFIER_KEY} and its checkpoint at tree size 1 in {state}; "
        "from now on the witness raises the alarm if the log ever stops extending it\n"
    )
    assert first.stderr == f"talking to {live_url}\n"
    assert (state / KEY_FILE).read_text() == VERIFIER_KEY + "\n" and (state / CHECKPOINT_FILE).exists()
    client.post("/v1/entries", json=sign("party.registered", party_payload("bank-a", ["lender"])))
    again = witness(live_url, state, "--key", VERIFIER_KEY)  # the same key again is fine
    assert again.exit_code == 0 and again.stdout == "OK: tree size 2 extends 1\n"


def test_a_first_run_with_another_logs_key_raises_the_alarm_and_pins_nothing(live_url, tmp_path):
    state = tmp_path / "witness"
    wrong = witness(live_url, state, "--key", ANOTHER_LOGS_KEY)
    assert wrong.exit_code == 1 and "WITNESS ALARM" in wrong.stderr and "does not verify" in wrong.stderr
    assert not (state / KEY_FILE).exists()  # so the right key can still be given
    right = witness(live_url, state, "--key", VERIFIER_KEY)
    assert right.exit_code == 0 and right.stdout.startswith("first run: pinned")


def test_a_key_that_differs_from_the_pinned_one_is_a_usage_error(live_url, tmp_path):
    state = tmp_path / "witness"
    assert witness(live_url, state, "--key", VERIFIER_KEY).exit_code == 0
    result = witness(live_url, state, "--key", ANOTHER_LOGS_KEY)
    assert result.exit_code == 2 and "ALARM" not in result.output
    assert result.stderr.startswith(f"error: --key differs from the key pinned in {state / KEY_FILE}: leave --key out")
    assert (state / KEY_FILE).read_text() == VERIFIER_KEY + "\n"


@pytest.mark.parametrize("key", ["not-a-key", ORIGIN + "+00000000+AAAA"])
def test_a_malformed_key_is_a_usage_error_and_contacts_no_server(tmp_path, key):
    state = tmp_path / "witness"
    result = witness("http://127.0.0.1:9", state, "--key", key)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: --key is not a verifier key (")
    assert result.stderr.rstrip().endswith("one looks like <origin>+<hash>+<key>, as GET /v1/log shows")
    assert "talking to" not in result.output and not state.exists()


def test_a_state_folder_that_cannot_be_made_says_so(live_url, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = witness(live_url, blocker / "witness", "--key", VERIFIER_KEY)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.splitlines()[-1] == f"error: cannot keep the witness's state in {blocker / 'witness'}: Not a directory"


def test_prove_and_checkpoint_say_which_server_on_stderr(live_url, client, sign, tmp_path):
    receipt = tmp_path / "receipt.json"
    receipt.write_text(json.dumps(client.post("/v1/entries", json=sign("party.registered", party_payload("bank-a", ["lender"]))).get_json()))
    proved = CliRunner().invoke(main, ["prove", "--server", live_url, "--key", VERIFIER_KEY, str(receipt)])
    assert proved.exit_code == 0, proved.output
    assert proved.stderr == f"talking to {live_url}\n" and proved.stdout.startswith("OK: still included at tree size 2")
    checkpoint = CliRunner().invoke(main, ["checkpoint", "--server", live_url])
    assert checkpoint.stderr == f"talking to {live_url}\n" and checkpoint.stdout.startswith(f"{ORIGIN}\n2\n")
