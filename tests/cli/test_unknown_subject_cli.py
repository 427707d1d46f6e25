"""`greenledger report KIND SUBJECT` for a subject the log does not know: one sentence on stderr and a
non-zero exit, never a traceback nor a signed empty report; the offline verifier refuses such a report."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ledger.cli import commands
from tests.api.test_submit import VERIFIER_KEY
from tests.conftest import ORIGIN
from tests.helpers import Programme


@pytest.fixture
def prog(client, sign) -> Programme:
    prog = Programme(client, sign)
    prog.setup_verified()
    prog.ok("dept", "reward.program.created", prog.program())
    return prog


@pytest.mark.parametrize(
    ("kind", "subject"),
    [("lender", "nope"), ("lender", "icbc-sichaun"), ("lender", "mrv"), ("project", "nope"), ("park", "nope"), ("reward-program", "nope")],
)
@pytest.mark.parametrize("extra", [[], ["--csv"], ["--tree-size", "3"]])
def test_an_unknown_subject_is_one_sentence_on_stderr_and_a_failure(app, prog, kind, subject, extra):
    result = app.test_cli_runner().invoke(args=["ledger", "report", kind, subject, *extra])
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and repr(subject) in lines[0], result.stderr
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_a_subject_registered_later_is_unknown_as_of_an_earlier_tree_size(app, prog):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["ledger", "report", "reward-program", "rp-2025"]).exit_code == 0
    early = runner.invoke(args=["ledger", "report", "reward-program", "rp-2025", "--tree-size", "5"])
    assert early.exit_code == 1 and "no reward programme 'rp-2025'" in early.stderr


def test_the_summary_takes_no_subject(app, prog):
    result = app.test_cli_runner().invoke(args=["ledger", "report", "summary", "p1"])
    assert result.exit_code == 1 and "takes no subject" in result.stderr


def test_the_verifier_refuses_a_signed_report_on_a_subject_the_log_does_not_know(app, client, prog, tmp_path):
    """A report like the ones the server signed before unknown subjects were refused: a lender with no
    loans at all. Recomputing it from the log finds no such lender."""
    from ledger.crypto.canonical import b64encode, canonical_json
    from tests.conftest import CHECKPOINT_KEY

    runner = app.test_cli_runner()
    bundle = tmp_path / "bundle.jsonl"
    assert runner.invoke(args=["ledger", "export", str(bundle)]).exit_code == 0
    body = client.get("/v1/reports/lenders/bank-b").get_json()["report"]  # a lender without loans: an empty report
    body["subject"] = body["figures"]["lender"] = "icbc-sichaun"
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({"report": body, "signature": b64encode(CHECKPOINT_KEY.sign(canonical_json(body)))}))
    result = runner.invoke(args=["ledger", "verify", str(bundle), "--origin", ORIGIN, "--key", VERIFIER_KEY, "--json", "--report", str(forged)])
    assert result.exit_code == 1
    assert "no lender 'icbc-sichaun'" in json.loads(result.output.splitlines()[-1])["reason"]
    real = tmp_path / "real.json"
    real.write_text(json.dumps(client.get("/v1/reports/lenders/bank-b").get_json()))
    assert runner.invoke(args=["ledger", "verify", str(bundle), "--origin", ORIGIN, "--key", VERIFIER_KEY, "--report", str(real)]).exit_code == 0
    assert CliRunner().invoke(commands, ["verify-report", "--verifier-key", VERIFIER_KEY, str(real)]).exit_code == 0
