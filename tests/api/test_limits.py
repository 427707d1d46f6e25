"""Configurable limits (body, batch, page, clock skew, request rate) and the headers on every response."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ledger.api.security import SECURITY_HEADERS
from tests.conftest import OPERATOR_ID, T0, bearer
from tests.helpers import party_payload, tree_size


def _problem(response, status, code=None, field=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    if code:
        assert body["code"] == code, body
    if field:
        assert body["field"] == field, body
    return body


def test_each_limit_is_configurable_and_answered_with_a_problem(make_app, database_url, sign):
    app = make_app(database_url, max_body_bytes=2000, max_batch_entries=2, max_page_size=5, max_clock_skew_seconds=10)
    client = app.test_client()
    big = sign("party.registered", {**party_payload("bank-a", ["lender"]), "legal_name": "x" * 3000})
    _problem(client.post("/v1/entries", json=big), 413, "payload-too-large")
    batch = [sign("party.registered", party_payload(f"bank-{n}", ["lender"])) for n in range(3)]
    _problem(client.post("/v1/entries/batch", json={"entries": batch}), 413, "batch-too-large")
    _problem(client.get("/v1/entries?limit=6"), 422, field="limit")
    assert client.get("/v1/entries?limit=5").status_code == 200
    ahead = sign("party.registered", party_payload("bank-a", ["lender"]), signed_at=T0 + timedelta(seconds=11))
    _problem(client.post("/v1/entries", json=ahead), 422, "signed-in-future", "envelope.signed_at")
    assert tree_size(client) == 1


def test_the_rate_limit_is_per_token_and_says_when_to_retry(make_app, database_url):
    from ledger.services.tokens import issue_token

    app = make_app(database_url, rate_limit="3 per minute")
    client = app.test_client()
    first, second = (bearer(issue_token(app.extensions["ledger"], OPERATOR_ID, lifetime=timedelta(days=1)).token) for _ in range(2))
    for _ in range(3):
        assert client.get("/v1/log", headers=first).status_code == 200
    refused = client.get("/v1/log", headers=first)
    _problem(refused, 429, "too-many-requests")
    assert int(refused.headers["Retry-After"]) > 0
    # Another token has its own allowance; the probes are never limited.
    assert client.get("/v1/log", headers=second).status_code == 200
    assert all(client.get("/healthz").status_code == 200 for _ in range(5))


def test_guessing_tokens_is_rate_limited_too(make_app, database_url):
    app = make_app(database_url, rate_limit="2 per minute")
    client = app.test_client()
    forged = {"Authorization": "Bearer glt_0123456789abcdef_guess"}
    assert [client.get("/v1/log", headers=forged).status_code for _ in range(3)] == [401, 401, 429]


@pytest.mark.parametrize(("method", "path"), [("GET", "/healthz"), ("GET", "/v1/checkpoint"), ("GET", "/v1/log"), ("GET", "/v1/nothing-here"), ("POST", "/v1/entries")])
def test_every_response_carries_the_security_headers(client, method, path):
    response = client.open(path, method=method, json={} if method == "POST" else None)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, name


def test_authenticated_answers_are_not_cached(client):
    assert client.get("/v1/log").headers["Cache-Control"] == "no-store"
