"""Under `greenledger serve` itself: two gunicorn workers' counters add up at the metrics address, and
stderr holds one JSON line per request under the id the answer carries."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

from ledger.client import make_envelope
from ledger.crypto.signing import write_private_key_file
from tests.conftest import CHECKPOINT_KEY, OPERATOR_ID, OPERATOR_KEY, token_for
from tests.helpers import party_payload
from tests.ops.test_restore_drill import Serving, _free_port


def _send(url: str, *, token: str, body: object | None = None, request_id: str | None = None) -> tuple[int, dict, dict]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if request_id:
        headers["X-Request-ID"] = request_id
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), json.loads(refused.read())


def _scrape(url: str) -> str:
    """The exporter's answer, once it listens (it starts when gunicorn is ready, and takes a moment to load)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                return str(answer.read().decode())
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_metrics_of_every_worker_and_a_json_line_per_request(make_app, database_url, tmp_path):
    token = token_for(make_app(database_url), OPERATOR_ID)
    home = tmp_path / "home"
    (home / "keys").mkdir(parents=True, mode=0o700)
    write_private_key_file(home / "keys" / "checkpoint.pem", CHECKPOINT_KEY, None)
    metrics_bind = f"127.0.0.1:{_free_port()}"
    log = tmp_path / "serve.log"
    scratch = tmp_path / "tmp"  # where serve makes the workers' metrics folder
    scratch.mkdir()
    server = Serving(database_url, home, log, workers=2, LEDGER_METRICS_BIND=metrics_bind, TMPDIR=str(scratch))
    try:
        for party in ("bank-a", "bank-b", "bank-c"):
            envelope = make_envelope(
                entry_type="party.registered", signer=OPERATOR_ID, key=OPERATOR_KEY, payload=party_payload(party, ["lender"]),
                nonce=f"served-{party}", signed_at=datetime.now(timezone.utc),
            )  # fmt: skip
            status, _, receipt = _send(server.url + "/v1/entries", token=token, body=envelope, request_id=f"write-{party}")
            assert status == 201, receipt
        status, headers, problem = _send(server.url + "/v1/entries/999", token=token, request_id="drill-404")
        assert status == 404 and problem["request_id"] == headers["X-Request-ID"] == "drill-404"
        too_long = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        too_long.request("GET", "/v1/parks?city=" + "a" * 5000)
        refused = too_long.getresponse()
        by_gunicorn = json.loads(refused.read())
        too_long.close()
        assert refused.status == 414 and len(by_gunicorn["request_id"]) == 32
        scraped = _scrape(f"http://{metrics_bind}/metrics")
        (metrics_dir,) = scratch.glob("greenledger-metrics-*")
        assert any(metrics_dir.glob("counter_*.db"))
    finally:
        server.stop()
    assert "greenledger_entries_appended_total 3.0" in scraped
    assert 'greenledger_http_requests_total{method="POST",route="/v1/entries",status="201"} 3.0' in scraped
    assert "greenledger_append_round_entries_count 3.0" in scraped
    assert 'greenledger_signature_checks_total{outcome="valid"} 3.0' in scraped
    assert "greenledger_database_up 1.0" in scraped and "greenledger_tree_size 4.0" in scraped
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line["logger"] == "ledger.request" and line["path"] != "/readyz"]
    assert [(r["request_id"], r["status"], r.get("entries")) for r in requests] == [
        ("write-bank-a", 201, [1]), ("write-bank-b", 201, [2]), ("write-bank-c", 201, [3]), ("drill-404", 404, None),
        (by_gunicorn["request_id"], 414, None),  # refused before the app saw it, logged under the id its answer names
    ]
    requests.pop()
    assert requests[-1]["problem"] == "entry-not-found" and all(r["party"] == OPERATOR_ID for r in requests)
    assert token not in log.read_text()
    assert not metrics_dir.exists()  # serve removes the workers' metrics files when it stops
