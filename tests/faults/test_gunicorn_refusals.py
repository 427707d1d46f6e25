"""What gunicorn refuses before the app sees it is answered with problem+json too (found by schemathesis)."""

from __future__ import annotations

import http.client
import json

from tests.faults.harness import HOST, LedgerServer, ledger_env, ledger_home


def test_requests_gunicorn_refuses_get_problem_json(work_dir, database):
    server = LedgerServer(work_dir, ledger_env(ledger_home(work_dir), database), name="serve", workers=1, threads=2).start()
    try:
        for path, header, status in (("/v1/parks?city=" + "a" * 5000, None, 414), ("/v1/parks", "Bad Header", 400)):
            conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
            conn.putrequest("GET", path)
            if header:
                conn.putheader(header, "x")
            conn.endheaders()
            response = conn.getresponse()
            body = json.loads(response.read())
            conn.close()
            assert response.status == status and response.getheader("Content-Type") == "application/problem+json"
            assert body["status"] == status and body["type"].endswith("/" + body["code"]) and body["detail"]
    finally:
        server.stop()
