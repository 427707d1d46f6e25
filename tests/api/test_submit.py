"""Submitting entries over HTTP: receipts, retries, conflicts and the registry they build."""

from __future__ import annotations

from typing import Any

from ledger.crypto.canonical import b64decode, b64encode, canonical_json
from ledger.crypto.checkpoint import verifier_key, verify_checkpoint
from ledger.crypto.signing import raw_public_key
from ledger.merkle.hashing import leaf_hash
from ledger.merkle.proofs import verify_inclusion
from tests.conftest import CHECKPOINT_KEY, ORIGIN
from tests.helpers import kid, party_key, party_payload, tree_size

VERIFIER_KEY = verifier_key(ORIGIN, raw_public_key(CHECKPOINT_KEY))


def _verify_receipt(client: Any, receipt: dict[str, Any]) -> None:
    checkpoint = verify_checkpoint(receipt["checkpoint"], VERIFIER_KEY)
    record = client.get(f"/v1/entries/{receipt['index']}").get_json()["record"]
    leaf = leaf_hash(canonical_json(record))
    assert b64decode(receipt["leaf_hash"], field="leaf_hash") == leaf
    proof = [b64decode(p, field="p") for p in receipt["inclusion_proof"]]
    verify_inclusion(leaf, receipt["index"], checkpoint.tree_size, proof, checkpoint.root_hash)


def test_submit_returns_a_receipt_that_verifies(client, sign):
    signed = sign("party.registered", party_payload("bank-a", ["lender"]))
    response = client.post("/v1/entries", json=signed)
    assert response.status_code == 201, response.get_json()
    receipt = response.get_json()
    assert receipt["index"] == 1
    _verify_receipt(client, receipt)
    assert tree_size(client) == 2


def test_identical_retry_returns_the_first_receipt_and_appends_nothing(client, sign):
    signed = sign("party.registered", party_payload("bank-a", ["lender"]))
    first = client.post("/v1/entries", json=signed)
    again = client.post("/v1/entries", json=signed)
    assert again.status_code == 200
    assert again.get_json()["index"] == first.get_json()["index"]
    assert again.get_json()["leaf_hash"] == first.get_json()["leaf_hash"]
    assert tree_size(client) == 2


def test_same_nonce_with_other_content_is_a_conflict(client, sign):
    client.post("/v1/entries", json=sign("party.registered", party_payload("bank-a", ["lender"]), nonce="n1"))
    response = client.post("/v1/entries", json=sign("party.registered", party_payload("bank-b", ["lender"]), nonce="n1"))
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "nonce-conflict"
    assert body["type"].endswith("/problems/nonce-conflict")
    assert body["field"] == "envelope.nonce"
    assert tree_size(client) == 2


def test_registered_party_signs_with_its_key_and_a_revoked_key_signs_nothing(client, sign):
    admin_key = party_key("admin-2")
    assert client.post("/v1/entries", json=sign("party.registered", party_payload("admin-2", ["admin"], admin_key))).status_code == 201
    # the new admin registers a lender with its own key
    response = client.post("/v1/entries", json=sign("party.registered", party_payload("bank-a", ["lender"]), signer="admin-2", key=admin_key))
    assert response.status_code == 201, response.get_json()
    # the operator revokes the new admin's key
    revoke = sign("key.revoked", {"party": "admin-2", "key_id": kid(admin_key), "reason": "rotated"})
    assert client.post("/v1/entries", json=revoke).status_code == 201
    size = tree_size(client)
    refused = client.post("/v1/entries", json=sign("party.registered", party_payload("bank-b", ["lender"]), signer="admin-2", key=admin_key))
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "key-revoked"
    assert tree_size(client) == size
    keys = client.get("/v1/parties/admin-2").get_json()["keys"]
    assert keys[0]["revoked_index"] == 3


def test_added_key_signs_for_its_party(client, sign):
    client.post("/v1/entries", json=sign("party.registered", party_payload("admin-2", ["admin"])))
    new_key = party_key("admin-2", generation=1)
    from ledger.crypto.canonical import b64encode

    added = client.post("/v1/entries", json=sign("key.added", {"party": "admin-2", "public_key": b64encode(raw_public_key(new_key))}))
    assert added.status_code == 201
    response = client.post("/v1/entries", json=sign("party.registered", party_payload("bank-a", ["lender"]), signer="admin-2", key=new_key))
    assert response.status_code == 201
    key = client.get(f"/v1/keys/{kid(new_key)}").get_json()
    assert key["party"] == "admin-2" and key["added_index"] == 2 and key["revoked_index"] is None


def test_batch_appends_in_order_and_every_receipt_verifies(client, sign):
    entries = [sign("party.registered", party_payload(f"bank-{i}", ["lender"])) for i in range(25)]
    response = client.post("/v1/entries/batch", json={"entries": entries})
    assert response.status_code == 201, response.get_json()
    receipts = response.get_json()["receipts"]
    assert [r["index"] for r in receipts] == list(range(1, 26))
    for receipt in receipts:
        _verify_receipt(client, receipt)
    retry = client.post("/v1/entries/batch", json={"entries": entries})
    assert retry.status_code == 200
    assert retry.get_json()["receipts"] == receipts


def test_batch_entry_may_use_a_key_registered_earlier_in_the_same_batch(client, sign):
    second_key = party_key("operator", generation=1)
    entries = [
        sign("key.added", {"party": "operator", "public_key": b64encode(raw_public_key(second_key))}),
        sign("party.registered", party_payload("bank-a", ["lender"]), key=second_key),
    ]
    response = client.post("/v1/entries/batch", json={"entries": entries})
    assert response.status_code == 201, response.get_json()


def test_a_batch_is_signed_by_the_token_party_alone(client, sign):
    admin_key = party_key("admin-2")
    assert client.post("/v1/entries", json=sign("party.registered", party_payload("admin-2", ["admin"], admin_key))).status_code == 201
    entries = [
        sign("party.registered", party_payload("bank-a", ["lender"])),
        sign("party.registered", party_payload("bank-b", ["lender"]), signer="admin-2", key=admin_key),
    ]
    response = client.post("/v1/entries/batch", json={"entries": entries})
    assert response.status_code == 403
    assert response.get_json()["code"] == "token-party-mismatch"
    assert response.get_json()["field"] == "entries[1].envelope.signer"
    assert tree_size(client) == 2


def test_batch_is_all_or_nothing(client, sign):
    entries = [sign("party.registered", party_payload(f"bank-{i}", ["lender"])) for i in range(3)]
    entries.append(sign("party.registered", party_payload("bank-0", ["lender"])))  # duplicate party id
    response = client.post("/v1/entries/batch", json={"entries": entries})
    assert response.status_code == 409
    body = response.get_json()
    assert body["code"] == "duplicate-id"
    assert body["field"] == "entries[3].envelope.payload.party"
    assert tree_size(client) == 1
    assert client.get("/v1/parties/bank-0").status_code == 404
