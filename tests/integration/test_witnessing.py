"""Witnesses over real HTTP (C2SP tlog-witness): the log asks three of them to cosign, serves its
checkpoint with their cosignatures, and readers hold it to a 2-of-3 policy; a witness refuses a
rollback and a fork."""

from __future__ import annotations

import base64
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner

from ledger.cli import commands
from ledger.crypto.checkpoint import Checkpoint, sign_checkpoint, verifier_key
from ledger.crypto.cosignature import Cosigner, WitnessPolicy, check_policy, cosigner_vkey, split_note
from ledger.crypto.signing import private_key_from_seed, raw_public_key
from ledger.errors import InvalidCheckpoint
from ledger.verify.witness_protocol import Witness, http_server
from tests.conftest import CHECKPOINT_KEY, OPERATOR_ID, ORIGIN, served, token_for
from tests.helpers import party_key, party_payload
from tests.interop.cosignature_v1 import verify_line

LOG_VKEY = verifier_key(ORIGIN, raw_public_key(CHECKPOINT_KEY))
NAMES = ("witness.audit.example/w1", "witness.pbc.example/w2", "witness.uni.example/w3")
KEYS = {name: private_key_from_seed(bytes([n + 100]) * 32) for n, name in enumerate(NAMES)}


@pytest.fixture
def witnesses(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Three witnesses following the test log, each on its own port: name -> add-checkpoint URL."""
    urls, servers = {}, []
    for name in NAMES:
        witness = Witness(tmp_path / name.replace("/", "_"), name=name, key=KEYS[name], logs=[LOG_VKEY], now=lambda: 1_790_000_000)
        server = http_server(witness, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        urls[name] = f"http://127.0.0.1:{server.server_port}/add-checkpoint"
    yield urls
    for server in servers:
        server.shutdown()
        server.server_close()


def _policy(needed: int, names: tuple[str, ...] = NAMES) -> WitnessPolicy:
    return WitnessPolicy(tuple(Cosigner(n, raw_public_key(KEYS[n])) for n in names), needed)


def _witnesses_file(tmp_path: Path, urls: dict[str, str]) -> Path:
    path = tmp_path / "witnesses.txt"
    path.write_text("# the log's witnesses\n" + "".join(f"{cosigner_vkey(n, raw_public_key(KEYS[n]))} {url}\n" for n, url in urls.items()))
    return path


def _sync(app: Any, path: Path) -> Any:
    return app.test_cli_runner().invoke(args=["ledger", "witnesses", "sync", "--witnesses", str(path)])


def _grow(client: Any, sign: Any, start: int, count: int) -> None:
    entries = [sign("party.registered", party_payload(f"bank-{n:03d}", ["lender"], party_key(f"bank-{n:03d}"))) for n in range(start, start + count)]
    assert client.post("/v1/entries/batch", json={"entries": entries}).status_code == 201


def _post(url: str, body: str) -> tuple[int, str, str]:
    request = urllib.request.Request(url, data=body.encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers["Content-Type"], refused.read().decode()


def test_the_log_serves_its_checkpoint_cosigned_and_readers_hold_it_to_2_of_3(app: Any, client: Any, sign: Any, witnesses: dict[str, str], tmp_path: Path) -> None:
    _grow(client, sign, 0, 5)
    path = _witnesses_file(tmp_path, witnesses)
    result = _sync(app, path)
    assert result.exit_code == 0, result.output
    assert all(f"{name}: cosigned tree size 6" in result.output for name in NAMES)
    note = client.get("/v1/checkpoint").data.decode()
    assert client.get("/checkpoint").data.decode() == note
    lines = split_note(note)[1]
    assert len(lines) == 4  # the log's own signature, then the three cosignatures
    for name in NAMES:  # an implementation written apart from the log's, from the C2SP text
        assert sum(verify_line(note, line, name, raw_public_key(KEYS[name])) == 1_790_000_000 for line in lines) == 1, name
    assert set(check_policy(note, _policy(2))) == set(NAMES)

    # After more appends, each witness is sent a consistency proof from the size it holds.
    _grow(client, sign, 5, 20)
    assert _sync(app, path).exit_code == 0
    note = client.get("/v1/checkpoint").data.decode()
    assert note.split("\n")[1] == "26" and set(check_policy(note, _policy(3))) == set(NAMES)


def test_a_checkpoint_without_enough_cosignatures_or_with_a_forged_one_fails_the_policy(app: Any, client: Any, sign: Any, witnesses: dict[str, str], tmp_path: Path) -> None:
    _grow(client, sign, 0, 3)
    assert _sync(app, _witnesses_file(tmp_path, witnesses)).exit_code == 0
    note = client.get("/v1/checkpoint").data.decode()
    body, lines = split_note(note)
    only_one = body + "\n" + "\n".join(lines[:2]) + "\n"  # the log's signature and one cosignature
    with pytest.raises(InvalidCheckpoint, match="1 of the policy's 3 witnesses cosigned .*2 are needed"):
        check_policy(only_one, _policy(2))
    name, encoded = lines[2][2:].split(" ")
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 1
    forged = body + "\n" + "\n".join([*lines[:2], f"\u2014 {name} {base64.b64encode(bytes(raw)).decode()}", lines[3]]) + "\n"
    with pytest.raises(InvalidCheckpoint, match="does not verify"):
        check_policy(forged, _policy(2))
    assert verify_line(forged, f"\u2014 {name} {base64.b64encode(bytes(raw)).decode()}", name, raw_public_key(KEYS[name])) is None
    with pytest.raises(InvalidCheckpoint, match="0 of the policy's 3"):  # the log's own signature alone
        check_policy(body + "\n" + lines[0] + "\n", _policy(1))


def test_the_checkpoint_and_prove_commands_check_a_policy(app: Any, client: Any, sign: Any, witnesses: dict[str, str], tmp_path: Path) -> None:
    _grow(client, sign, 0, 3)
    receipt = client.post("/v1/entries", json=sign("party.registered", party_payload("bank-x", ["lender"], party_key("bank-x")))).get_json()
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_text(__import__("json").dumps(receipt))
    vkeys = [a for n in NAMES for a in ("--witness", cosigner_vkey(n, raw_public_key(KEYS[n])))]
    with served(app) as url:
        refused = CliRunner().invoke(commands, ["checkpoint", "--server", url, *vkeys, "--witnesses-needed", "2"])
        assert refused.exit_code == 1 and "0 of the policy's 3 witnesses cosigned (none); 2 are needed" in refused.output
        assert _sync(app, _witnesses_file(tmp_path, {n: witnesses[n] for n in NAMES[:2]})).exit_code == 0
        ok = CliRunner().invoke(commands, ["checkpoint", "--server", url, *vkeys, "--witnesses-needed", "2"])
        assert ok.exit_code == 0, ok.output
        assert f"cosigned by {NAMES[1]}, {NAMES[0]}" in ok.output or f"cosigned by {NAMES[0]}, {NAMES[1]}" in ok.output
        assert "(2 of 3; 2 needed)" in ok.output
        all_three = CliRunner().invoke(commands, ["checkpoint", "--server", url, *vkeys])  # default: all of them
        assert all_three.exit_code == 1
        token = ["--token", token_for(app, OPERATOR_ID)]
        proved = CliRunner().invoke(commands, ["prove", "--server", url, "--key", LOG_VKEY, *vkeys, "--witnesses-needed", "2", *token, str(receipt_file)])
        assert proved.exit_code == 0, proved.output
        assert "still included" in proved.output and "(2 of 3; 2 needed)" in proved.output


def _checkpoint(size: int, root: bytes, key: Any = CHECKPOINT_KEY) -> str:
    return sign_checkpoint(Checkpoint(ORIGIN, size, root), key)


def test_a_witness_refuses_a_rollback_and_a_fork(app: Any, client: Any, sign: Any, witnesses: dict[str, str], tmp_path: Path) -> None:
    url = witnesses[NAMES[0]]
    early = client.get("/v1/checkpoint").data.decode()  # size 1
    _grow(client, sign, 0, 9)
    assert _sync(app, _witnesses_file(tmp_path, {NAMES[0]: url})).exit_code == 0  # the witness holds 10
    status, content_type, body = _post(url, f"old 1\n\n{early}")
    assert (status, content_type, body) == (409, "text/x.tlog.size", "10\n")  # a rollback to 1: refused
    assert _post(url, f"old 10\n\n{early}")[0] == 400  # old above the checkpoint's size
    forked = _checkpoint(10, bytes(32))  # the log's key, another root for size 10
    status, _, body = _post(url, f"old 10\n\n{forked}")
    assert status == 409 and "fork" in body
    _grow(client, sign, 9, 5)
    real = client.get("/v1/checkpoint").data.decode()
    proof = client.get("/v1/consistency-proof?first=10&second=15").get_json()["proof"]
    bad_root = _checkpoint(15, bytes(32))
    assert _post(url, "old 10\n" + "".join(f"{h}\n" for h in proof) + "\n" + bad_root)[0] == 422  # the proof does not lead there
    assert _post(url, "old 10\n" + "".join(f"{h}\n" for h in proof) + "\n" + real)[0] == 200


@pytest.mark.parametrize(("body", "status"), [
    ("old 0\n\nother.example/log\n1\n" + base64.b64encode(bytes(32)).decode() + "\n\n\u2014 other.example/log AAAA\n", 404),
    ("nonsense", 400),
    ("old 01\n\n", 400),
])
def test_a_witness_answers_what_the_protocol_says(witnesses: dict[str, str], body: str, status: int) -> None:
    assert _post(witnesses[NAMES[0]], body)[0] == status


def test_a_checkpoint_the_log_did_not_sign_is_forbidden(witnesses: dict[str, str]) -> None:
    note = _checkpoint(1, bytes(32), private_key_from_seed(bytes([7]) * 32))
    assert _post(witnesses[NAMES[0]], f"old 0\n\n{note}")[0] == 403


def test_a_witness_that_cannot_be_reached_fails_the_sync_and_keeps_the_others(app: Any, client: Any, witnesses: dict[str, str], tmp_path: Path) -> None:
    urls = {**witnesses, NAMES[2]: "http://127.0.0.1:9/add-checkpoint"}
    result = _sync(app, _witnesses_file(tmp_path, urls))
    assert result.exit_code == 1 and f"{NAMES[2]}: cannot be reached" in result.output
    assert set(check_policy(client.get("/v1/checkpoint").data.decode(), _policy(2))) == set(NAMES[:2])


def test_verify_receipt_and_the_offline_verifier_hold_checkpoints_to_the_policy(app: Any, client: Any, sign: Any, witnesses: dict[str, str], tmp_path: Path) -> None:
    import json

    receipt = client.post("/v1/entries", json=sign("party.registered", party_payload("bank-y", ["lender"], party_key("bank-y")))).get_json()
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_text(json.dumps(receipt))
    vkeys = [a for n in NAMES for a in ("--witness", cosigner_vkey(n, raw_public_key(KEYS[n])))]
    token = ["--token", token_for(app, OPERATOR_ID)]
    with served(app) as url:
        base = ["verify-receipt", "--server", url, "--verifier-key", LOG_VKEY, *vkeys, "--witnesses-needed", "2", *token, str(receipt_file)]
        assert CliRunner().invoke(commands, base).exit_code == 1  # nobody has cosigned yet
        assert _sync(app, _witnesses_file(tmp_path, witnesses)).exit_code == 0
        checked = CliRunner().invoke(commands, base)
        assert checked.exit_code == 0, checked.output
        assert "(3 of 3; 2 needed)" in checked.output
    kept = tmp_path / "kept.txt"
    kept.write_text(client.get("/v1/checkpoint").data.decode())
    bundle = tmp_path / "bundle.jsonl"
    assert app.test_cli_runner().invoke(args=["ledger", "export", str(bundle)]).exit_code == 0
    verified = CliRunner().invoke(commands, ["verify", str(bundle), "--origin", ORIGIN, "--key", LOG_VKEY, "--checkpoint", str(kept), *vkeys])
    assert verified.exit_code == 0, verified.output
    bare = tmp_path / "bare.txt"
    bare.write_text(split_note(kept.read_text())[0] + "\n" + split_note(kept.read_text())[1][0] + "\n")
    refused = CliRunner().invoke(commands, ["verify", str(bundle), "--origin", ORIGIN, "--key", LOG_VKEY, "--checkpoint", str(bare), *vkeys])
    assert refused.exit_code == 1 and "0 of the policy's 3 witnesses cosigned" in refused.output


def test_witness_serve_runs_the_protocol_as_a_process(client: Any, tmp_path: Path) -> None:
    import subprocess
    import sys

    from ledger.crypto.signing import write_private_key_file

    key_file = tmp_path / "witness.pem"
    write_private_key_file(key_file, KEYS[NAMES[0]])
    command = [sys.executable, "-u", "-c", "from ledger.cli import main; main()", "witness", "serve", "--state", str(tmp_path / "state"), "--key", str(key_file),
               "--name", NAMES[0], "--log", LOG_VKEY, "--bind", "127.0.0.1:0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as process:  # closes the pipe
        try:
            line = process.stdout.readline() if process.stdout else ""
            assert line.startswith(f"witness {NAMES[0]} listening on http://127.0.0.1:"), line
            url = line.split(" on ")[1].strip()
            note = client.get("/v1/checkpoint").data.decode()
            status, _, body = _post(url, f"old 0\n\n{note}")
            assert status == 200 and verify_line(note, body.rstrip("\n"), NAMES[0], raw_public_key(KEYS[NAMES[0]])) is not None
            assert _post(url, f"old 0\n\n{note}")[:2] == (409, "text/x.tlog.size")  # it holds size 1 now
        finally:
            process.terminate()
            process.wait(timeout=10)
