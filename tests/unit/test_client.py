"""The HTTP client's channels: one kept-alive connection for many requests, opened again when the server
closed it, with the answers and errors of a plain client."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest

from ledger.client import ClientError, LedgerClient, NoUsableAnswer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps connections open unless told otherwise

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server: Any = self.server
        server.seen.append((self.client_address[1], self.path, self.headers.get("Authorization"), body))
        if self.path.startswith("/v1/entries/batch?dry_run=true"):
            self._answer(200, {"results": [{"index_in_batch": 0, "ok": True}]})
        elif self.path == "/v1/entries/batch":
            self._answer(201, {"receipts": [{"index": len(server.seen)}]})
        elif self.path == "/v1/entries":
            self._answer(422, {"code": "invalid-signature", "detail": "signature does not verify"})
        else:
            self._answer(500, None)
        if server.drop_after_answer:
            self.close_connection = True  # as a server does with an idle kept-alive connection, unannounced

    def _answer(self, status: int, body: Any) -> None:
        raw = b"<html>oops</html>" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@pytest.fixture
def server() -> Iterator[Any]:
    httpd: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.seen, httpd.drop_after_answer = [], False
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def _url(server: Any) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_a_channels_requests_share_one_connection(server, monkeypatch):
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    channel = LedgerClient(_url(server), token="glt_x").channel()
    try:
        assert channel.dry_run_batch([{"e": 1}]) == [{"index_in_batch": 0, "ok": True}]
        assert channel.submit_batch([{"e": 1}]) == [{"index": 2}]
        assert channel.submit_batch([{"e": 2}]) == [{"index": 3}]
    finally:
        channel.close()
    ports = {port for port, *_ in server.seen}
    assert len(ports) == 1
    assert [(path, token) for _, path, token, _ in server.seen] == [
        ("/v1/entries/batch?dry_run=true", "Bearer glt_x"), ("/v1/entries/batch", "Bearer glt_x"), ("/v1/entries/batch", "Bearer glt_x")
    ]  # fmt: skip
    plain = LedgerClient(_url(server))
    plain.submit_batch([{"e": 3}])
    plain.submit_batch([{"e": 4}])
    assert len({port for port, *_ in server.seen}) == 3  # a plain client connects anew each time


def test_a_connection_the_server_dropped_is_opened_again(server, monkeypatch):
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    server.drop_after_answer = True
    channel = LedgerClient(_url(server)).channel()
    try:
        assert [channel.submit_batch([{"e": n}]) for n in range(3)] == [[{"index": 1}], [{"index": 2}], [{"index": 3}]]
    finally:
        channel.close()
    assert len({port for port, *_ in server.seen}) == 3
    assert [body for *_, body in server.seen] == [{"entries": [{"e": n}]} for n in range(3)]  # each sent once


def test_a_channel_answers_problems_as_a_plain_client_does(server, monkeypatch):
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    for client in (LedgerClient(_url(server)), LedgerClient(_url(server)).channel()):
        with pytest.raises(ClientError) as refused:
            client.submit({"e": 1})
        assert (refused.value.status, refused.value.problem["code"]) == (422, "invalid-signature")
        with pytest.raises(NoUsableAnswer, match="with something that is not JSON"):
            client.log_info()  # a GET the test server does not answer: 501, an HTML page
        client.close()


def test_a_channel_to_nowhere_says_so(monkeypatch):
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    channel = LedgerClient(f"http://127.0.0.1:{port}").channel()
    with pytest.raises(NoUsableAnswer, match="connection refused"):
        channel.submit_batch([])


def test_behind_a_proxy_a_channel_is_a_plain_client(monkeypatch):
    monkeypatch.setenv("http_proxy", "http://proxy.invalid:3128")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    channel = LedgerClient("http://ledger.invalid:8000").channel()
    assert type(channel) is LedgerClient


PAYLOADS: list[dict[str, Any]] = [
    {"loan": "L1", "principal": "1250.00", "term_months": 36, "exceeds_investment": False},
    {"text": 'quote " backslash \\ newline \n tab \t nul-free', "中文": "园区", "é": ["a", "b"], "z": None, "a": True},
    {"roles": ["lender", "admin"], "big": 2**53 - 1, "neg": -(2**53 - 1), "emoji": "🌿", "ctl": "\x01\x1f"},
    {"deep": [[[[[[[[[["ten levels"]]]]]]]]]]},
    {},
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=["loan", "escapes-and-non-ascii-keys", "numbers-and-controls", "deep", "empty"])
def test_an_envelope_signer_signs_what_make_envelope_signs(payload):
    from datetime import datetime, timezone

    from ledger.client import EnvelopeSigner, make_envelope
    from ledger.crypto.canonical import canonical_json
    from ledger.crypto.signing import private_key_from_seed, raw_public_key, verify_envelope

    key = private_key_from_seed(bytes(range(32)))
    at = datetime(2026, 3, 1, 8, 30, 0, 250000, tzinfo=timezone.utc)
    signer = EnvelopeSigner(entry_type="loan.registered", signer="bank-a", key=key, signed_at=at)
    expected = make_envelope(entry_type="loan.registered", signer="bank-a", key=key, payload=payload, nonce="import-0123456789ab-7", signed_at=at)
    for canonical in (None, canonical_json(payload)):
        signed = signer.sign("import-0123456789ab-7", payload, canonical)
        assert signed == expected and list(signed["envelope"]) == list(expected["envelope"])  # Ed25519 signatures are deterministic
        verify_envelope(signed["envelope"], signed["signature"], raw_public_key(key))
        assert signed["envelope"]["payload"] is not payload  # a copy, as make_envelope makes


def test_an_envelope_signer_refuses_what_canonical_json_refuses():
    from datetime import datetime, timezone

    from ledger.client import EnvelopeSigner
    from ledger.crypto.signing import private_key_from_seed
    from ledger.errors import NonCanonicalValue

    signer = EnvelopeSigner(entry_type="t.x", signer="bank-a", key=private_key_from_seed(bytes(32)), signed_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    with pytest.raises(NonCanonicalValue):
        signer.sign("n-1", {"amount": 1.5})
    from ledger.crypto.canonical import canonical_json

    deep: Any = "x"
    while True:  # the deepest payload canonical_json takes on its own: one level too deep in an envelope
        deeper = [deep]
        try:
            canonical_json({"deep": deeper})
        except NonCanonicalValue:
            break
        deep = deeper
    with pytest.raises(NonCanonicalValue):
        canonical_json({"payload": {"deep": deep}})
    with pytest.raises(NonCanonicalValue):
        signer.sign("n-1", {"deep": deep}, canonical_json({"deep": deep}))
