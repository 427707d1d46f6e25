"""Every kind of bad input gets its problem+json, and the log stays exactly as it was."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any, Callable

import pytest

from ledger.client import make_envelope
from ledger.crypto.signing import sign_envelope
from tests.conftest import OPERATOR_KEY, T0
from tests.helpers import party_key, party_payload, tree_size


def _resigned(signed: dict[str, Any], mutate: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Change the envelope and sign it again, so only the change is at fault."""
    envelope = copy.deepcopy(signed["envelope"])
    mutate(envelope)
    return sign_envelope(envelope, OPERATOR_KEY)


def _unsigned(signed: dict[str, Any], mutate: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Change the envelope but keep the old signature (for content that cannot even be signed)."""
    envelope = copy.deepcopy(signed["envelope"])
    mutate(envelope)
    return {"envelope": envelope, "signature": signed["signature"]}


def _valid(sign: Any) -> dict[str, Any]:
    return sign("party.registered", party_payload("bank-a", ["lender"]))


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(envelope: dict[str, Any]) -> None:
        target = envelope
        *parents, last = path.split(".")
        for part in parents:
            target = target[part]
        target[last] = value

    return mutate


# (case id, body builder, status, problem code, field)
CASES: list[tuple[str, Callable[[Any], Any], int, str, str | None]] = [
    ("unknown type", lambda s: _resigned(_valid(s), _set("type", "loan.forgiven")), 422, "unknown-entry-type", "envelope.type"),
    ("bad signature", lambda s: {**_valid(s), "signature": _valid(s)["signature"][:-4] + "AAA="}, 422, "invalid-signature", "signature"),
    ("signature not base64", lambda s: {**_valid(s), "signature": "%%%"}, 422, "invalid-signature", "signature"),
    ("payload changed after signing", lambda s: {"envelope": {**_valid(s)["envelope"], "nonce": "other"}, "signature": _valid(s)["signature"]}, 422, "invalid-signature", "signature"),
    ("unknown key", lambda s: s("party.registered", party_payload("bank-a", ["lender"]), key=party_key("stranger")), 422, "unknown-key", "envelope.key"),
    ("key of another party", lambda s: _resigned(_valid(s), _set("signer", "someone-else")), 403, "token-party-mismatch", "envelope.signer"),
    ("missing field", lambda s: {"envelope": {k: v for k, v in _valid(s)["envelope"].items() if k != "nonce"}, "signature": "x"}, 422, "invalid-input", "envelope.nonce"),
    ("extra envelope field", lambda s: _resigned(_valid(s), _set("extra", 1)), 422, "invalid-input", "envelope.extra"),
    ("version 2", lambda s: _resigned(_valid(s), _set("v", 2)), 422, "invalid-input", "envelope.v"),
    ("naive signed_at", lambda s: _resigned(_valid(s), _set("signed_at", "2026-11-24T10:00:00")), 422, "invalid-timestamp", "envelope.signed_at"),
    ("offset signed_at", lambda s: _resigned(_valid(s), _set("signed_at", "2026-11-24T10:00:00+08:00")), 422, "invalid-timestamp", "envelope.signed_at"),
    ("signed in the future", lambda s: s("party.registered", party_payload("bank-a", ["lender"]), signed_at=T0 + timedelta(minutes=6)), 422, "signed-in-future", "envelope.signed_at"),
    ("empty nonce", lambda s: _resigned(_valid(s), _set("nonce", "")), 422, "invalid-input", "envelope.nonce"),
    ("nonce too long", lambda s: _resigned(_valid(s), _set("nonce", "n" * 65)), 422, "invalid-input", "envelope.nonce"),
    ("float in payload", lambda s: _unsigned(_valid(s), _set("payload.weight", 1.5)), 422, "non-canonical-value", "envelope.payload.weight"),
    ("unknown payload field", lambda s: _resigned(_valid(s), _set("payload.colour", "green")), 422, "invalid-input", "envelope.payload.colour"),
    ("bad social credit code", lambda s: _resigned(_valid(s), _set("payload.unified_social_credit_code", "915101000000000000")), 422, "invalid-input", "envelope.payload.unified_social_credit_code"),
    ("unknown role", lambda s: _resigned(_valid(s), _set("payload.roles", ["banker"])), 422, "invalid-input", "envelope.payload.roles.0"),
    ("public key wrong length", lambda s: _resigned(_valid(s), _set("payload.public_key", "AAAA")), 422, "invalid-input", "envelope.payload.public_key"),
    ("genesis over HTTP", lambda s: _resigned(_valid(s), _set("type", "ledger.genesis")), 422, "invalid-input", None),
    ("body not an object", lambda s: [1, 2], 422, "invalid-input", "body"),
]


@pytest.mark.parametrize(("builder", "status", "code", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_entry_gets_a_problem_and_writes_nothing(client, sign, builder, status, code, field):
    before = tree_size(client)
    response = client.post("/v1/entries", json=builder(sign))
    assert response.status_code == status, response.get_json()
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["type"].endswith("/" + code)
    assert body["instance"] == "/v1/entries"
    if field is not None:
        assert body["field"] == field
    assert tree_size(client) == before


def test_signer_without_the_role_is_refused(client, sign):
    lender_key = party_key("bank-a")
    client.post("/v1/entries", json=sign("party.registered", party_payload("bank-a", ["lender"], lender_key)))
    response = client.post("/v1/entries", json=sign("party.registered", party_payload("bank-b", ["lender"]), signer="bank-a", key=lender_key))
    assert response.status_code == 403
    assert response.get_json()["code"] == "role-not-allowed"
    assert tree_size(client) == 2


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        (b'{"envelope": {', "application/json", 400, "malformed-json"),
        (b'{"a": 1, "a": 2}', "application/json", 400, "malformed-json"),
        (b'{"a": NaN}', "application/json", 400, "malformed-json"),
        (b'\xff\xfe', "application/json", 400, "malformed-json"),
        (b'{}', "text/plain", 415, "unsupported-media-type"),
    ],
    ids=["truncated", "duplicate key", "NaN", "not utf-8", "wrong content type"],
)
def test_malformed_bodies(client, raw, content_type, status, code):
    response = client.post("/v1/entries", data=raw, content_type=content_type)
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    assert response.get_json()["code"] == code
    assert tree_size(client) == 1


def test_oversize_body_is_refused(make_app, database_url):
    client = make_app(database_url, max_body_bytes=1024).test_client()
    response = client.post("/v1/entries", data=b'{"x": "' + b"a" * 2048 + b'"}', content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["code"] == "payload-too-large"
    assert tree_size(client) == 1


def test_batch_over_the_limit_is_refused(make_app, database_url, sign):
    client = make_app(database_url, max_batch_entries=3).test_client()
    entries = [sign("party.registered", party_payload(f"bank-{i}", ["lender"])) for i in range(4)]
    response = client.post("/v1/entries/batch", json={"entries": entries})
    assert response.status_code == 413
    assert response.get_json()["code"] == "batch-too-large"
    assert tree_size(client) == 1


@pytest.mark.parametrize("body", [{"entries": []}, {"entries": "x"}, {"items": []}, []], ids=["empty", "not a list", "wrong key", "array"])
def test_malformed_batches(client, body):
    response = client.post("/v1/entries/batch", json=body)
    assert response.status_code == 422
    assert response.get_json()["field"] == "entries"
    assert tree_size(client) == 1


def test_batch_repeating_a_nonce_is_refused(client, sign):
    first = sign("party.registered", party_payload("bank-a", ["lender"]), nonce="same")
    second = sign("party.registered", party_payload("bank-b", ["lender"]), nonce="same")
    response = client.post("/v1/entries/batch", json={"entries": [first, second]})
    assert response.status_code == 409
    assert response.get_json()["field"] == "entries[1].envelope.nonce"
    assert tree_size(client) == 1


def test_invalid_signature_inside_a_batch_names_the_entry(client, sign):
    good = sign("party.registered", party_payload("bank-a", ["lender"]))
    bad = sign("party.registered", party_payload("bank-b", ["lender"]))
    bad["signature"] = good["signature"]
    response = client.post("/v1/entries/batch", json={"entries": [good, bad]})
    assert response.status_code == 422
    assert response.get_json()["field"] == "entries[1].signature"
    assert tree_size(client) == 1


def test_unknown_route_and_method_are_problems(client):
    missing = client.get("/v1/nothing")
    assert missing.status_code == 404 and missing.content_type == "application/problem+json"
    assert missing.get_json()["code"] == "not-found"
    wrong = client.delete("/v1/entries/0")
    assert wrong.status_code == 405 and wrong.get_json()["code"] == "method-not-allowed"


def test_envelope_signed_by_make_envelope_has_the_documented_shape():
    signed = make_envelope(entry_type="key.added", signer="operator", key=OPERATOR_KEY, payload={}, nonce="x", signed_at=T0)
    assert set(signed) == {"envelope", "signature"}
    assert set(signed["envelope"]) == {"v", "type", "signer", "key", "signed_at", "nonce", "payload"}
    assert signed["envelope"]["signed_at"] == "2026-11-24T10:00:00.000000Z"


def test_a_large_batch_names_its_first_bad_signature(client, sign):
    """Signatures of large batches are checked on several threads; the first failure in order is reported."""
    entries = [sign("party.registered", party_payload(f"bank-{i}", ["lender"])) for i in range(120)]
    for bad in (90, 70):
        entries[bad]["signature"] = entries[bad - 1]["signature"]
    response = client.post("/v1/entries/batch", json={"entries": entries})
    assert response.status_code == 422
    assert response.get_json()["field"] == "entries[70].signature"
    assert tree_size(client) == 1
