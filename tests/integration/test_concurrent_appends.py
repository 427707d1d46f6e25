"""Forty concurrent submitters: gapless indices, and every receipt provably in the final tree."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ledger.crypto.canonical import b64decode
from ledger.crypto.checkpoint import verify_checkpoint
from ledger.merkle.proofs import verify_consistency, verify_inclusion
from tests.api.test_submit import VERIFIER_KEY
from tests.helpers import party_payload

SUBMITTERS = 40
ENTRIES_EACH = 5


def test_forty_concurrent_submitters_get_gapless_indices_and_provable_receipts(app, sign):
    bodies = [
        [sign("party.registered", party_payload(f"s{t:02d}-{i}", ["lender"])) for i in range(ENTRIES_EACH)]
        for t in range(SUBMITTERS)
    ]

    def submit_all(own):
        client = app.test_client()
        receipts = []
        for body in own:
            response = client.post("/v1/entries", json=body)
            assert response.status_code == 201, response.get_json()
            receipts.append(response.get_json())
        # a retry from the same submitter gets the very same receipt index back
        retry = client.post("/v1/entries", json=own[0])
        assert retry.status_code == 200 and retry.get_json()["index"] == receipts[0]["index"]
        return receipts

    with ThreadPoolExecutor(max_workers=SUBMITTERS) as pool:
        receipts = [r for batch in pool.map(submit_all, bodies) for r in batch]

    total = SUBMITTERS * ENTRIES_EACH
    assert sorted(r["index"] for r in receipts) == list(range(1, total + 1))

    client = app.test_client()
    final = verify_checkpoint(client.get("/v1/checkpoint").get_data(as_text=True), VERIFIER_KEY)
    assert final.tree_size == total + 1
    for receipt in receipts:
        checkpoint = verify_checkpoint(receipt["checkpoint"], VERIFIER_KEY)
        proof = [b64decode(p, field="p") for p in receipt["inclusion_proof"]]
        leaf = b64decode(receipt["leaf_hash"], field="leaf_hash")
        verify_inclusion(leaf, receipt["index"], checkpoint.tree_size, proof, checkpoint.root_hash)
        if checkpoint.tree_size < final.tree_size:
            body = client.get(f"/v1/consistency-proof?first={checkpoint.tree_size}&second={final.tree_size}").get_json()
            verify_consistency(
                checkpoint.tree_size, final.tree_size, checkpoint.root_hash, final.root_hash, [b64decode(p, field="p") for p in body["proof"]]
            )
    recorded = [client.get(f"/v1/entries/{i}").get_json()["record"]["recorded_at"] for i in range(total + 1)]
    assert recorded == sorted(recorded)  # recorded_at never decreases with the index


def test_concurrent_submissions_that_break_rules_fail_alone(app, sign):
    """Pairs of submitters race to register the same party id: one of each pair wins, the other gets
    duplicate-id, and nobody else's entry is affected by sharing a transaction with a loser."""
    from tests.helpers import party_key

    pairs = 15
    bodies = []
    for n in range(pairs):
        for contender in range(2):
            bodies.append(sign("party.registered", party_payload(f"dup-{n}", ["lender"], party_key(f"dup-{n}", contender))))
    bodies += [sign("party.registered", party_payload(f"solo-{n}", ["lender"])) for n in range(10)]

    def submit(body):
        response = app.test_client().post("/v1/entries", json=body)
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        outcomes = list(pool.map(submit, bodies))

    for n in range(pairs):
        statuses = sorted([outcomes[2 * n][0], outcomes[2 * n + 1][0]])
        assert statuses == [201, 409]
        loser = outcomes[2 * n] if outcomes[2 * n][0] == 409 else outcomes[2 * n + 1]
        assert loser[1]["code"] == "duplicate-id"
    assert all(status == 201 for status, _ in outcomes[2 * pairs:])
    indices = sorted(body["index"] for status, body in outcomes if status == 201)
    assert indices == list(range(1, pairs + 10 + 1))
    assert app.test_client().get("/v1/log").get_json()["tree_size"] == pairs + 10 + 1
