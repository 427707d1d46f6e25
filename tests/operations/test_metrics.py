"""The metrics move with what the server does: requests, appends, rounds, refusals, and the scrape's log figures."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import REGISTRY

from ledger.operations import metrics
from ledger.services import reads
from tests.conftest import T0
from tests.helpers import party_payload


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_write_moves_the_request_append_round_and_signature_counters(client, sign):
    before = {
        "requests": _value("greenledger_http_requests_total", route="/v1/entries", method="POST", status="201"),
        "appended": _value("greenledger_entries_appended_total"),
        "rounds": _value("greenledger_append_round_entries_count"),
        "round_entries": _value("greenledger_append_round_entries_sum"),
        "valid": _value("greenledger_signature_checks_total", outcome="valid"),
        "latency": _value("greenledger_http_request_duration_seconds_count", route="/v1/entries", method="POST"),
    }
    response = client.post("/v1/entries", json=sign("party.registered", party_payload("bank-a", ["lender"])))
    assert response.status_code == 201
    scraped = metrics.scrape().decode()
    assert 'greenledger_http_requests_total{method="POST",route="/v1/entries",status="201"}' in scraped
    assert _value("greenledger_http_requests_total", route="/v1/entries", method="POST", status="201") == before["requests"] + 1
    assert _value("greenledger_http_request_duration_seconds_count", route="/v1/entries", method="POST") == before["latency"] + 1
    assert _value("greenledger_entries_appended_total") == before["appended"] + 1
    assert _value("greenledger_append_round_entries_count") == before["rounds"] + 1
    assert _value("greenledger_append_round_entries_sum") == before["round_entries"] + 1
    assert _value("greenledger_signature_checks_total", outcome="valid") == before["valid"] + 1


def test_a_retry_appends_nothing_and_a_batch_counts_its_size(client, sign):
    signed = sign("party.registered", party_payload("bank-a", ["lender"]))
    client.post("/v1/entries", json=signed)
    appended = _value("greenledger_entries_appended_total")
    assert client.post("/v1/entries", json=signed).status_code == 200
    assert _value("greenledger_entries_appended_total") == appended
    sizes = _value("greenledger_submission_entries_sum")
    batch = [sign("party.registered", party_payload(f"bank-{n}", ["lender"])) for n in "xyz"]
    assert client.post("/v1/entries/batch", json={"entries": batch}).status_code == 201
    assert _value("greenledger_entries_appended_total") == appended + 3
    assert _value("greenledger_submission_entries_sum") == sizes + 3


def test_refusals_are_counted_by_problem_code_and_a_bad_signature_as_an_invalid_check(client, sign):
    signed = sign("party.registered", party_payload("bank-a", ["lender"]))
    signed["signature"] = signed["signature"][:-4] + ("AAAA" if not signed["signature"].endswith("AAAA") else "BBBB")
    invalid = _value("greenledger_signature_checks_total", outcome="invalid")
    rejected = _value("greenledger_submissions_rejected_total", code="invalid-signature")
    response = client.post("/v1/entries", json=signed)
    assert response.status_code == 422 and response.get_json()["code"] == "invalid-signature"
    assert _value("greenledger_submissions_rejected_total", code="invalid-signature") == rejected + 1
    assert _value("greenledger_signature_checks_total", outcome="invalid") == invalid + 1
    conflicts = _value("greenledger_submissions_rejected_total", code="nonce-conflict")
    client.post("/v1/entries", json=sign("party.registered", party_payload("bank-b", ["lender"]), nonce="same"))
    client.post("/v1/entries", json=sign("party.registered", party_payload("bank-c", ["lender"]), nonce="same"))
    assert _value("greenledger_submissions_rejected_total", code="nonce-conflict") == conflicts + 1


def test_unmatched_paths_share_one_label(client):
    before = _value("greenledger_http_requests_total", route="<unmatched>", method="GET", status="404")
    client.get("/no/such/path/1")
    client.get("/no/such/path/2")
    assert _value("greenledger_http_requests_total", route="<unmatched>", method="GET", status="404") == before + 2


def test_the_pool_gauge_follows_connections_checked_out(app):
    engine = app.extensions["ledger_engine"]
    before = _value("greenledger_db_pool_connections_in_use")
    with engine.connect():
        assert _value("greenledger_db_pool_connections_in_use") == before + 1
    assert _value("greenledger_db_pool_connections_in_use") == before


def test_the_scrape_reads_tree_size_and_checkpoint_age_from_the_log(app, client, sign):
    client.post("/v1/entries", json=sign("party.registered", party_payload("bank-a", ["lender"])))
    runtime = app.extensions["ledger"]

    def read() -> metrics.LogFigures:
        checkpoint = reads.latest_checkpoint(runtime)
        return metrics.LogFigures(checkpoint.tree_size, checkpoint.created_at)

    scraped = metrics.scrape([metrics.LogCollector(read, lambda: T0 + timedelta(seconds=90))]).decode()
    assert "greenledger_database_up 1.0" in scraped
    assert "greenledger_tree_size 2.0" in scraped
    assert "greenledger_checkpoint_age_seconds 90.0" in scraped


def test_the_scrape_says_when_the_database_does_not_answer():
    def unreachable() -> metrics.LogFigures:
        raise OSError("connection refused")

    scraped = metrics.scrape([metrics.LogCollector(unreachable, lambda: T0)]).decode()
    assert "greenledger_database_up 0.0" in scraped
    assert "greenledger_tree_size" not in scraped


def test_the_scrape_says_how_far_each_witness_is_behind(app, client, sign):
    from ledger.operations.exporter import log_reader

    client.post("/v1/entries", json=sign("party.registered", party_payload("bank-a", ["lender"])))
    with app.extensions["ledger"].uow_factory() as uow:
        uow.witnesses.set_head("witness.example/w1", 2)
        uow.witnesses.set_head("witness.example/w2", 1)
        uow.commit()
    reader = log_reader(app.extensions["ledger_config"], engine=app.extensions["ledger_engine"])  # the app's pool: closed after the test
    scraped = metrics.scrape([metrics.LogCollector(reader, lambda: T0)]).decode()
    assert 'greenledger_witness_entries_behind{witness="witness.example/w1"} 0.0' in scraped
    assert 'greenledger_witness_entries_behind{witness="witness.example/w2"} 1.0' in scraped
