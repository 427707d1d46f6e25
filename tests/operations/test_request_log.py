"""One log line per request, under the request id the answer's header and every problem carry."""

from __future__ import annotations

import json
import logging

import pytest

from ledger.operations.request_log import JsonFormatter, TextFormatter, configure_logging
from tests.conftest import OPERATOR_ID, bearer, token_for
from tests.helpers import party_payload


def _lines(caplog: pytest.LogCaptureFixture) -> list[dict]:
    return [record.request for record in caplog.records if record.name == "ledger.request"]


def test_a_problem_carries_the_request_id_of_its_header_and_log_line(client, caplog):
    caplog.set_level(logging.INFO, logger="ledger.request")
    response = client.get("/v1/parks", headers={"Authorization": "Bearer glt_0000000000000000_wrongwrongwrongwrong"})
    assert response.status_code == 401 and response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["request_id"] == response.headers["X-Request-ID"]
    (line,) = _lines(caplog)
    assert line["request_id"] == problem["request_id"]
    assert line | {"duration_ms": 0} == {
        "request_id": problem["request_id"], "method": "GET", "route": "/v1/parks", "path": "/v1/parks",
        "status": 401, "duration_ms": 0, "party": None, "problem": "unauthenticated",
    }  # fmt: skip
    assert "glt_" not in json.dumps(line)


def test_every_kind_of_problem_carries_the_request_id(client):
    for response in (
        client.get("/no/such/route"),  # routing's 404
        client.delete("/v1/parks"),  # 405
        client.get("/v1/entries/999"),  # a ledger error
        client.get("/v1/entries?limit=0"),  # a 422 from the query schema
    ):
        problem = response.get_json()
        assert response.status_code >= 400 and problem["request_id"] == response.headers["X-Request-ID"], problem


def test_a_sane_client_request_id_is_kept_and_anything_else_replaced(client):
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42:retry-1"})
    assert kept.headers["X-Request-ID"] == "lb-7f3a.42:retry-1"
    for forged in ("two words", 'quote"d', "x" * 200, "line\\nbreak", "-leading-dash"):
        answer = client.get("/v1/entries/999", headers={"X-Request-ID": forged})
        made = answer.headers["X-Request-ID"]
        assert made != forged and len(made) == 32 and answer.get_json()["request_id"] == made


def test_a_write_logs_its_party_and_the_indices_it_wrote(client, sign, caplog):
    caplog.set_level(logging.INFO, logger="ledger.request")
    response = client.post("/v1/entries", json=sign("party.registered", party_payload("bank-a", ["lender"])), headers={"X-Request-ID": "write-1"})
    assert response.status_code == 201
    batch = [sign("party.registered", party_payload(f"bank-{n}", ["lender"])) for n in "xy"]
    client.post("/v1/entries/batch", json={"entries": batch}, headers=bearer(token_for(client.application, OPERATOR_ID)))
    single, batched = _lines(caplog)
    assert single["request_id"] == "write-1" and single["party"] == OPERATOR_ID and single["entries"] == [response.get_json()["index"]]
    assert batched["route"] == "/v1/entries/batch" and batched["entries"] == [2, 3]


def test_an_unexpected_error_is_logged_with_its_traceback_under_the_answer_s_request_id(app, caplog):
    caplog.set_level(logging.INFO, logger="ledger")

    @app.route("/boom")
    def boom() -> None:
        raise RuntimeError("kaboom")

    response = app.test_client().get("/boom", headers=bearer(token_for(app, OPERATOR_ID)))
    problem = response.get_json()
    assert response.status_code == 500 and problem["request_id"] == response.headers["X-Request-ID"]
    failure = next(r for r in caplog.records if r.exc_info)
    assert problem["request_id"] in failure.getMessage()
    formatted = json.loads(JsonFormatter().format(failure))
    assert formatted["level"] == "ERROR" and "kaboom" in formatted["exception"]


def test_the_formats_write_one_json_object_or_one_readable_line():
    record = logging.LogRecord("ledger.request", logging.INFO, __file__, 1, "%s %s %s", ("POST", "/v1/entries", 201), None)
    record.request = {"request_id": "r1", "method": "POST", "route": "/v1/entries", "path": "/v1/entries", "status": 201, "duration_ms": 4.2, "party": "bank-a", "entries": [7]}
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["time"].endswith("Z") and parsed["message"] == "POST /v1/entries 201" and parsed["entries"] == [7] and parsed["party"] == "bank-a"
    text = TextFormatter().format(record)
    assert text.endswith("INFO ledger.request: POST /v1/entries 201 4.2 ms request_id=r1 party=bank-a entries=[7]")


def test_an_unknown_format_or_level_is_refused_in_words():
    with pytest.raises(ValueError, match="LEDGER_LOG_FORMAT must be json or text, not 'xml'"):
        configure_logging("xml", "INFO")
    with pytest.raises(ValueError, match="LEDGER_LOG_LEVEL must be"):
        configure_logging("json", "LOUD")
