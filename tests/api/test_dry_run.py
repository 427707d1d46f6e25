"""POST /v1/entries/batch?dry_run=true: every check of an append, a result per entry, nothing written."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from tests.conftest import OPERATOR_ID
from ledger.crypto.canonical import b64encode
from tests.helpers import Programme, kid, party_key, party_payload, tree_size


@pytest.fixture
def prog(client, sign) -> Programme:
    programme = Programme(client, sign)
    programme.setup_project()  # park tianfu-hq, project p1 (investment 1,000.00), loan L1 (500.00) by bank-a
    return programme


def _everything(app: Any, client: Any) -> dict[str, Any]:
    """What a dry run must leave alone: the log, every checkpoint, and the projections."""
    runtime = app.extensions["ledger"]
    with runtime.uow_factory() as uow:
        checkpoints = [(c.tree_size, c.note) for c in uow.log.checkpoints(before=None, limit=10_000)]
        records = [e.record for e in uow.log.list(after=None, before=None, limit=10_000, entry_type=None, signer=None)]
    reads = {path: client.get(path).get_json() for path in ("/v1/loans", "/v1/projects", "/v1/parks", "/v1/parties", "/v1/log")}
    return {"checkpoints": checkpoints, "records": records, "reads": reads, "checkpoint": client.get("/v1/checkpoint").data}


def _dry_run(client: Any, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    response = client.post("/v1/entries/batch?dry_run=true", json={"entries": entries})
    assert response.status_code == 200, response.get_json()
    assert response.content_type == "application/json"
    results: list[dict[str, Any]] = response.get_json()["results"]
    assert [r["index_in_batch"] for r in results] == list(range(len(entries)))
    return results


def test_a_dry_run_names_each_bad_entry_and_writes_nothing(app, client, prog):
    recorded = prog.signed("bank-a", "loan.registered", prog.loan("L0", principal="10.00"))
    assert client.post("/v1/entries", json=recorded).status_code == 201
    before = _everything(app, client)
    entries = [
        prog.signed("bank-a", "loan.registered", prog.loan("L2", principal="300.00")),  # 0 ok
        prog.signed("bank-a", "loan.registered", prog.loan("L3", principal="1.005")),  # 1 bad amount
        prog.signed("bank-a", "loan.disbursed", prog.movement("L2", "300.00")),  # 2 ok: L2 exists after entry 0
        prog.signed("bank-a", "loan.registered", prog.loan("L4", principal="300.00")),  # 3 above the investment with 0
        prog.signed("bank-a", "loan.disbursed", prog.movement("L2", "0.01")),  # 4 above L2's principal after 2
        recorded,  # 5 the log holds it: its first receipt on an append
        prog.signed("bank-a", "loan.registered", prog.loan("L1")),  # 6 an id the log holds
        prog.signed("bank-a", "loan.disbursed", prog.movement("L1", "1.00")),  # 7 ok
    ]
    entries.append(dict(entries[7]))  # 8 the same signer and nonce again
    forged = prog.signed("bank-a", "loan.disbursed", prog.movement("L1", "2.00"))
    forged["signature"] = entries[7]["signature"]
    entries.append(forged)  # 9 a signature over other bytes
    results = _dry_run(client, entries)

    assert [r["ok"] for r in results] == [True, False, True, False, False, True, False, True, False, False]
    problems = {r["index_in_batch"]: r["problem"] for r in results if not r["ok"]}
    assert {i: p["code"] for i, p in problems.items()} == {
        1: "invalid-input",
        3: "loans-exceed-investment",
        4: "disbursed-exceeds-principal",
        6: "duplicate-id",
        8: "nonce-conflict",
        9: "invalid-signature",
    }
    assert problems[1]["field"] == "entries[1].envelope.payload.principal"
    assert problems[3]["field"] == "entries[3].envelope.payload.principal" and problems[3]["status"] == 422
    assert problems[6]["status"] == 409
    assert all(p["type"].endswith("/" + p["code"]) and p["detail"] for p in problems.values())
    assert results[5]["index"] == before["reads"]["/v1/log"]["tree_size"] - 1
    assert "index" not in results[0]

    assert _everything(app, client) == before


def test_a_dry_run_checks_signers_keys_and_the_clock(app, client, prog, clock):
    before = _everything(app, client)
    stale = prog.sign("loan.disbursed", prog.movement("L1", "1.00"), signer="bank-a", key=prog.keys["bank-a"], signed_at=clock.current.replace(year=2025))
    entries = [
        prog.signed("bank-a", "reduction.verified", prog.reduction()),  # a lender is no verifier
        prog.sign("loan.disbursed", prog.movement("L1", "1.00"), signer="bank-a", key=party_key("bank-a", 9)),  # unknown key
        stale,
        {"envelope": {"v": 1}, "signature": "x"},  # no envelope at all
    ]
    codes = [r["problem"]["code"] for r in _dry_run(client, entries)]
    assert codes == ["role-not-allowed", "unknown-key", "signed-too-old", "invalid-input"]
    assert _everything(app, client) == before


def test_a_key_registered_earlier_in_a_dry_run_signs_the_entries_after_it(app, client, sign):
    before = tree_size(client)
    key = party_key("newbank")
    entries = [
        sign("party.registered", party_payload("newbank", ["lender"], key)),
        sign("party.registered", party_payload("newbank", ["lender"], key)),
    ]
    results = _dry_run(client, entries)
    assert results[0]["ok"] and results[1]["problem"]["code"] == "duplicate-id"
    assert tree_size(client) == before
    assert client.get("/v1/parties/newbank").status_code == 404


def test_a_dry_run_then_the_append_agree(client, prog):
    entries = [prog.signed("bank-a", "loan.registered", prog.loan(f"L{n}", principal="100.00")) for n in range(2, 8)]
    results = _dry_run(client, entries)
    assert [r["ok"] for r in results] == [True] * 5 + [False]  # the sixth takes the loans past 1,000.00
    refused = client.post("/v1/entries/batch", json={"entries": entries})
    assert refused.status_code == 422 and refused.get_json()["field"] == results[5]["problem"]["field"]
    accepted = client.post("/v1/entries/batch", json={"entries": entries[:5]})
    assert accepted.status_code == 201
    again = _dry_run(client, entries[:5])
    assert [r["index"] for r in again] == [r["index"] for r in accepted.get_json()["receipts"]]


def test_a_dry_run_keeps_the_batch_limits_and_the_token_rule(make_app, database_url, sign):
    app = make_app(database_url, max_batch_entries=2)
    client = app.test_client()
    entries = [sign("party.registered", party_payload(f"bank-{n}", ["lender"])) for n in range(3)]
    assert client.post("/v1/entries/batch?dry_run=true", json={"entries": entries}).status_code == 413
    assert client.post("/v1/entries/batch?dry_run=true", json={"entries": []}).status_code == 422
    other = sign("party.registered", party_payload("x", ["lender"]), signer="somebody-else")
    mixed = client.post("/v1/entries/batch?dry_run=true", json={"entries": [entries[0], other]})
    assert mixed.status_code == 403 and mixed.get_json()["code"] == "token-party-mismatch"
    assert client.post("/v1/entries/batch?dry_run=maybe", json={"entries": entries[:1]}).status_code == 422
    assert client.post("/v1/entries/batch?dry_run=false", json={"entries": entries[:1]}).status_code == 201
    assert OPERATOR_ID == entries[0]["envelope"]["signer"]


@pytest.fixture
def counted_verifications(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """Every Ed25519 verification the server runs, by its message; the memory of verified signatures
    starts empty."""
    import ledger.crypto.signing as signing
    from ledger.services.entries import VERIFIED_SIGNATURES

    VERIFIED_SIGNATURES.clear()
    calls: list[bytes] = []
    real = signing.verify_signature
    monkeypatch.setattr(signing, "verify_signature", lambda message, signature, key: (calls.append(message), real(message, signature, key))[1])
    yield calls
    VERIFIED_SIGNATURES.clear()


def test_an_append_right_after_its_dry_run_verifies_no_signature_again(client, sign, counted_verifications):
    entries = [sign("party.registered", party_payload(f"bank-{i}", ["lender"])) for i in range(3)]
    assert all(r["ok"] for r in _dry_run(client, entries))
    assert len(counted_verifications) == 3
    response = client.post("/v1/entries/batch", json={"entries": entries})
    assert response.status_code == 201, response.get_json()
    assert len(counted_verifications) == 3  # the dry run's verifications served the append
    other = sign("party.registered", party_payload("bank-9", ["lender"]))
    assert client.post("/v1/entries/batch", json={"entries": [other]}).status_code == 201
    assert len(counted_verifications) == 4  # an entry no dry run saw is verified as ever


def test_a_key_revoked_between_the_dry_run_and_the_append_is_refused(client, sign, counted_verifications):
    admin_key = party_key("admin-2")
    assert client.post("/v1/entries", json=sign("party.registered", party_payload("admin-2", ["admin"], admin_key))).status_code == 201
    entry = sign("party.registered", party_payload("bank-a", ["lender"]), signer="admin-2", key=admin_key)
    assert _dry_run(client, [entry])[0]["ok"]
    revoke = sign("key.revoked", {"party": "admin-2", "key_id": kid(admin_key), "reason": "lost"})
    assert client.post("/v1/entries", json=revoke).status_code == 201
    size = tree_size(client)
    refused = client.post("/v1/entries/batch", json={"entries": [entry]})
    assert refused.status_code == 403, refused.get_json()
    assert refused.content_type == "application/problem+json"
    assert refused.get_json()["code"] == "key-revoked"
    assert tree_size(client) == size


def test_a_signature_remembered_from_a_dry_run_vouches_for_no_other_bytes(client, sign, counted_verifications):
    good = sign("party.registered", party_payload("bank-a", ["lender"]))
    assert _dry_run(client, [good])[0]["ok"]
    forged = sign("party.registered", party_payload("bank-b", ["lender"]), nonce=good["envelope"]["nonce"])
    forged["signature"] = good["signature"]
    size = tree_size(client)
    for path in ("/v1/entries/batch?dry_run=true", "/v1/entries/batch"):
        response = client.post(path, json={"entries": [forged]})
        body = response.get_json()
        problem = body["results"][0]["problem"] if "results" in body else body
        assert problem["code"] == "invalid-signature", body
    assert tree_size(client) == size
    bad = dict(good, signature=b64encode(bytes(64)))
    assert client.post("/v1/entries/batch", json={"entries": [bad]}).get_json()["code"] == "invalid-signature"
