"""No traceback reaches a user: every way a command can fail ends in one sentence (`error: …`) on
stderr and a non-zero exit, 2 for a usage error and 1 for a failure, as click does."""

from __future__ import annotations

import json
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner, Result

from ledger.cli import commands, main
from ledger.crypto.signing import generate_private_key, private_key_to_pem, write_private_key_file
from tests.api.test_submit import VERIFIER_KEY
from tests.helpers import party_payload


def one_error(result: Result, status: int) -> str:
    """The single `error: …` line a failed command printed, after checking its exit status."""
    assert result.exit_code == status, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def sign_args(key: Path, *extra: str) -> list[str]:
    return ["sign", "--key", str(key), "--signer", "operator", "--type", "party.registered", *extra]


# --- files ---------------------------------------------------------------------------------


@pytest.fixture
def payload(tmp_path) -> Path:
    path = tmp_path / "payload.json"
    path.write_text(json.dumps(party_payload("bank-a", ["lender"])))
    return path


def test_a_missing_file_is_a_usage_error_naming_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["submit", "nope.json"])
    assert one_error(result, 2) == "error: cannot read nope.json: No such file or directory"
    assert "talking to" not in result.output  # the file is read before any server is asked


def test_a_folder_is_not_a_file(tmp_path):
    result = CliRunner().invoke(main, ["verify-report", "--verifier-key", VERIFIER_KEY, str(tmp_path)])
    assert one_error(result, 2) == f"error: cannot read {tmp_path}: Is a directory"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_a_usage_error(operator_pem, payload):
    payload.chmod(0)
    result = CliRunner().invoke(main, sign_args(operator_pem, str(payload)))
    assert one_error(result, 2) == f"error: cannot read {payload}: Permission denied"


def test_a_file_that_is_not_utf8_says_so(operator_pem, tmp_path):
    latin1 = tmp_path / "payload.json"
    latin1.write_bytes('{"name": "Chéngdū"}'.encode("latin-1", errors="replace"))
    result = CliRunner().invoke(main, sign_args(operator_pem, str(latin1)))
    assert one_error(result, 1) == f"error: {latin1} is not UTF-8 text (byte 12 is 0xe9): save it as UTF-8 JSON"


def test_a_file_that_is_not_json_names_where(operator_pem, tmp_path):
    broken = tmp_path / "payload.json"
    broken.write_text('{\n  "party": "bank-a",\n}\n')
    result = CliRunner().invoke(main, sign_args(operator_pem, str(broken)))
    assert one_error(result, 1) == f"error: {broken} is not JSON: Expecting property name enclosed in double quotes at line 3, column 1"


def test_stdin_that_is_not_json_is_named_standard_input(operator_pem):
    result = CliRunner().invoke(main, sign_args(operator_pem, "-"), input="{nope")
    assert one_error(result, 1).startswith("error: standard input is not JSON: ")


def test_a_utf8_byte_order_mark_is_allowed(operator_pem, payload):
    payload.write_bytes(b"\xef\xbb\xbf" + payload.read_bytes())  # as Windows Notepad saves UTF-8
    result = CliRunner().invoke(main, sign_args(operator_pem, str(payload)))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("content", ["[1, 2]", '{"leaf_hash": "x"}', '{"index": "7"}'], ids=["a list", "no index", "a text index"])
@pytest.mark.parametrize("command", ["verify-receipt", "prove"])
def test_a_file_that_is_not_a_receipt_says_so(tmp_path, content, command):
    path = tmp_path / "receipt.json"
    path.write_text(content)
    key_option = "--verifier-key" if command == "verify-receipt" else "--key"
    result = CliRunner().invoke(main, [command, "--server", "http://127.0.0.1:9", key_option, VERIFIER_KEY, str(path)])
    assert one_error(result, 1) == f"error: {path} is not a receipt (a JSON object with an index, as `greenledger submit` prints)"


@pytest.mark.parametrize("content", ["[1, 2]", '"a report"', "{}"])
def test_a_file_that_is_not_a_signed_report_says_so(tmp_path, content):
    path = tmp_path / "report.json"
    path.write_text(content)
    result = CliRunner().invoke(main, ["verify-report", "--verifier-key", VERIFIER_KEY, str(path)])
    assert one_error(result, 1) == "error: verification failed: not a signed report: no report object"


# --- key files -----------------------------------------------------------------------------


@pytest.fixture
def encrypted_pem(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("KEY_PASS", "correct horse")
    path = tmp_path / "encrypted.pem"
    write_private_key_file(path, generate_private_key(), b"correct horse")
    return path


def test_a_key_file_that_is_not_pem(payload, tmp_path):
    key = tmp_path / "key.pem"
    key.write_text("this is not a key\n")
    result = CliRunner().invoke(main, sign_args(key, str(payload)))
    assert one_error(result, 1) == f"error: key file {key}: not a PEM private key"


def test_a_key_that_is_not_ed25519(payload, tmp_path):
    from cryptography.hazmat.primitives.asymmetric import ec

    key = tmp_path / "ec.pem"
    key.write_bytes(private_key_to_pem(ec.generate_private_key(ec.SECP256R1())))
    result = CliRunner().invoke(main, sign_args(key, str(payload)))
    assert one_error(result, 1) == f"error: key file {key}: the private key is not an Ed25519 key"


def test_an_encrypted_key_without_its_passphrase(encrypted_pem, payload):
    result = CliRunner().invoke(main, sign_args(encrypted_pem, str(payload)))
    assert one_error(result, 1) == f"error: key file {encrypted_pem}: the private key is encrypted, and no passphrase was given"


def test_an_encrypted_key_with_a_wrong_passphrase(encrypted_pem, payload, monkeypatch):
    monkeypatch.setenv("WRONG_PASS", "battery staple")
    result = CliRunner().invoke(main, sign_args(encrypted_pem, "--passphrase-env", "WRONG_PASS", str(payload)))
    assert one_error(result, 1) == f"error: key file {encrypted_pem}: wrong passphrase for the private key"


def test_a_passphrase_for_a_key_that_is_not_encrypted(operator_pem, payload, monkeypatch):
    monkeypatch.setenv("KEY_PASS", "correct horse")
    result = CliRunner().invoke(main, sign_args(operator_pem, "--passphrase-env", "KEY_PASS", str(payload)))
    assert one_error(result, 1) == f"error: key file {operator_pem}: the private key is not encrypted, yet a passphrase was given"


def test_a_passphrase_variable_that_is_unset_is_a_usage_error(encrypted_pem, payload, monkeypatch):
    monkeypatch.delenv("NO_SUCH_PASS", raising=False)
    result = CliRunner().invoke(main, sign_args(encrypted_pem, "--passphrase-env", "NO_SUCH_PASS", str(payload)))
    assert one_error(result, 2) == "error: environment variable NO_SUCH_PASS (named by --passphrase-env) is empty or unset"


def test_a_missing_key_file_is_clicks_usage_error(payload, tmp_path):
    result = CliRunner().invoke(main, sign_args(tmp_path / "nope.pem", str(payload)))
    assert result.exit_code == 2 and "does not exist" in result.stderr and "Traceback" not in result.output


# --- servers -------------------------------------------------------------------------------


@pytest.fixture
def receipt_file(client, sign, tmp_path) -> Path:
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(client.post("/v1/entries", json=sign("party.registered", party_payload("bank-a", ["lender"]))).get_json()))
    return path


def client_invocations(server: str, receipt: Path, state: Path) -> dict[str, list[str]]:
    """Each client command, pointed at ``server``."""
    return {
        "submit": ["submit", "--server", server, str(receipt)],
        "verify-receipt": ["verify-receipt", "--server", server, "--verifier-key", VERIFIER_KEY, str(receipt)],
        "prove": ["prove", "--server", server, "--key", VERIFIER_KEY, str(receipt)],
        "witness": ["witness", "--server", server, "--state", str(state), "--key", VERIFIER_KEY],
        "checkpoint": ["checkpoint", "--server", server],
    }


CLIENT_COMMANDS = ["submit", "verify-receipt", "prove", "witness", "checkpoint"]


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("command", CLIENT_COMMANDS)
def test_a_refused_connection_names_the_address(command, closed_port, receipt_file, tmp_path):
    server = f"http://127.0.0.1:{closed_port}"
    result = CliRunner().invoke(main, client_invocations(server, receipt_file, tmp_path / "w")[command])
    assert one_error(result, 1) == (
        f"error: nothing answers at {server} (connection refused): is the server running there, on that port? "
        "(the address comes from --server or LEDGER_URL)"
    )
    assert "WITNESS ALARM" not in result.output  # an unreachable server is no evidence against the log


@pytest.mark.parametrize("command", CLIENT_COMMANDS)
def test_an_unknown_host_names_it(command, receipt_file, tmp_path, monkeypatch):
    def unknown(*_: object, **__: object) -> None:  # no DNS in the test: answer as a resolver does for any unknown name
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    server = "http://ledger.sichuan.invalid:8000"
    result = CliRunner().invoke(main, client_invocations(server, receipt_file, tmp_path / "w")[command])
    assert one_error(result, 1) == (
        f"error: cannot find the host ledger.sichuan.invalid of {server}: the name does not resolve (Name or service not known) "
        "(the address comes from --server or LEDGER_URL)"
    )


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A socket that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.mark.parametrize("command", CLIENT_COMMANDS)
def test_a_server_that_does_not_answer_in_time(command, silent_server, receipt_file, tmp_path, monkeypatch):
    monkeypatch.setattr("ledger.cli.common.REQUEST_TIMEOUT_SECONDS", 0.2)
    result = CliRunner().invoke(main, client_invocations(silent_server, receipt_file, tmp_path / "w")[command])
    assert one_error(result, 1) == f"error: {silent_server} did not answer within 0.2 seconds"


class _WebPage(BaseHTTPRequestHandler):
    """Some other web server: an HTML page for every request, with the status in the server's ``status``."""

    def _answer(self) -> None:
        body = b"<html><body>Welcome to nginx!</body></html>"
        self.send_response(self.server.status)  # type: ignore[attr-defined]
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._answer()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture(params=[200, 502])
def html_server(request) -> Iterator[tuple[str, int]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _WebPage)
    server.status = request.param  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", request.param
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("command", "path"), [("submit", "/v1/entries"), ("verify-receipt", "/v1/entries/1")])
def test_a_server_answering_html_instead_of_json(command, path, html_server, receipt_file, tmp_path):
    server, status = html_server
    result = CliRunner().invoke(main, client_invocations(server, receipt_file, tmp_path / "w")[command])
    assert one_error(result, 1) == f"error: {server} answered {path} (HTTP {status}) with something that is not JSON: is it a greenledger server?"


def test_a_server_answering_html_instead_of_a_checkpoint(html_server, receipt_file, tmp_path):
    server, status = html_server
    result = CliRunner().invoke(main, ["checkpoint", "--server", server])
    expected = (
        f"error: {server} answered /v1/checkpoint with something that is not a checkpoint note: is it a greenledger server?"
        if status == 200
        else f"error: {server} answered /v1/checkpoint (HTTP 502) with something that is not JSON: is it a greenledger server?"
    )
    assert one_error(result, 1) == expected
    assert result.stdout == ""


# --- the last resort -----------------------------------------------------------------------


def _break_signing(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**_: object) -> None:
        raise KeyError("payload")

    monkeypatch.setattr("ledger.cli.party.make_envelope", broken)


@pytest.mark.parametrize("group", [main, commands], ids=["greenledger", "flask ledger"])
def test_an_unexpected_exception_is_one_line_saying_what_and_where(group, operator_pem, payload, monkeypatch):
    monkeypatch.delenv("GREENLEDGER_DEBUG", raising=False)
    _break_signing(monkeypatch)
    result = CliRunner().invoke(group, sign_args(operator_pem, str(payload)))
    line = one_error(result, 1)
    assert line.startswith(f"error: `{group.name if group is main else 'ledger'} sign` failed unexpectedly (KeyError: 'payload', at ledger/cli/party.py:")
    assert "this is a bug: please report it, with the command you ran, to your registry operator" in line
    assert line.endswith("GREENLEDGER_DEBUG=1 shows the full traceback")
    assert result.stderr.count("\n") == 1


def test_greenledger_debug_shows_the_traceback_too(operator_pem, payload, monkeypatch):
    monkeypatch.setenv("GREENLEDGER_DEBUG", "1")
    _break_signing(monkeypatch)
    result = CliRunner().invoke(main, sign_args(operator_pem, str(payload)))
    assert result.exit_code == 1
    assert result.stderr.startswith("Traceback (most recent call last):") and "KeyError: 'payload'" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: `greenledger sign` failed unexpectedly")


def test_a_database_that_does_not_answer_is_named_not_reported_as_a_bug(closed_port, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"postgresql://greenledger@127.0.0.1:{closed_port}/greenledger")
    monkeypatch.setenv("LEDGER_HOME", str(tmp_path))
    result = CliRunner().invoke(main, ["tokens", "list"])
    line = one_error(result, 1)
    assert line.startswith("error: `greenledger tokens` cannot use the database (OperationalError: ")
    assert line.endswith("check DATABASE_URL, and that its server runs") and "bug" not in line
