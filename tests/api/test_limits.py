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
    forged = {"Authorization": "Bearer glt_0123456789abcdef_guessguessguessguess"}
    assert [client.get("/v1/log", headers=forged).status_code for _ in range(3)] == [401, 401, 429]


def _guess(n):
    return {"Authorization": f"Bearer glt_{n:016x}_{'s' * 43}"}


def test_rotating_unverified_token_ids_meets_the_limit_of_the_address(make_app, database_url):
    app = make_app(database_url, rate_limit="3 per minute")
    client = app.test_client()
    statuses = [client.get("/v1/log", headers=_guess(n)).status_code for n in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    # Junk that is not even token-shaped, and no token at all, count against the same address.
    assert client.get("/v1/log", headers={"Authorization": "Bearer whatever"}).status_code == 429
    assert client.get("/v1/log", headers={"Authorization": ""}).status_code == 429


def test_a_verified_token_is_counted_by_its_id_not_by_the_address(make_app, database_url):
    from ledger.services.tokens import issue_token

    app = make_app(database_url, rate_limit="3 per minute")
    client = app.test_client()
    for n in range(4):
        client.get("/v1/log", headers=_guess(n))
    valid = bearer(issue_token(app.extensions["ledger"], OPERATOR_ID, lifetime=timedelta(days=1)).token)
    assert [client.get("/v1/log", headers=valid).status_code for _ in range(4)] == [200, 200, 200, 429]
    # The same token from another address shares the token's allowance.
    assert client.get("/v1/log", headers=valid, environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 429


def test_x_forwarded_for_counts_only_behind_a_configured_proxy(make_app, database_url):
    direct = make_app(database_url, rate_limit="2 per minute").test_client()
    spoofed = [direct.get("/v1/log", headers={**_guess(n), "X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(3)]
    assert spoofed == [401, 401, 429]  # a client cannot pick the address it is counted by

    proxied = make_app(database_url, rate_limit="2 per minute", trusted_proxies=1).test_client()
    for n in range(2):
        assert proxied.get("/v1/log", headers={**_guess(n), "X-Forwarded-For": "203.0.113.1"}).status_code == 401
    assert proxied.get("/v1/log", headers={**_guess(9), "X-Forwarded-For": "203.0.113.1"}).status_code == 429
    # Another client behind the proxy has its own allowance; what it put in front of the proxy's entry is ignored.
    assert proxied.get("/v1/log", headers={**_guess(3), "X-Forwarded-For": "203.0.113.1, 203.0.113.2"}).status_code == 401


@pytest.mark.parametrize(("method", "path"), [("GET", "/healthz"), ("GET", "/v1/checkpoint"), ("GET", "/v1/log"), ("GET", "/v1/nothing-here"), ("POST", "/v1/entries")])
def test_every_response_carries_the_security_headers(client, method, path):
    response = client.open(path, method=method, json={} if method == "POST" else None)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, name


def test_authenticated_answers_are_not_cached(client):
    assert client.get("/v1/log").headers["Cache-Control"] == "no-store"
