"""Reading the log over HTTP: entries, pagination, proofs, checkpoints and the registry."""

from __future__ import annotations

import pytest

from ledger.crypto.canonical import b64decode, canonical_json
from ledger.crypto.checkpoint import verify_checkpoint
from ledger.merkle.hashing import leaf_hash
from ledger.merkle.proofs import verify_consistency, verify_inclusion
from tests.api.test_submit import VERIFIER_KEY
from tests.conftest import ORIGIN
from tests.helpers import party_payload


@pytest.fixture
def filled(client, sign):
    """A log of 1 genesis + 40 party registrations, appended in batches of varied size."""
    sizes = [1, 2, 5, 7, 25]
    n = 0
    for size in sizes:
        entries = [sign("party.registered", party_payload(f"p{n + i:03d}", ["lender"])) for i in range(size)]
        n += size
        assert client.post("/v1/entries/batch", json={"entries": entries}).status_code == 201
    return client


def _b64list(values):
    return [b64decode(v, field="x") for v in values]


def test_entry_record_hashes_to_its_leaf(filled):
    body = filled.get("/v1/entries/7").get_json()
    record = body["record"]
    assert record["index"] == 7
    assert record["recorded_at"].endswith("Z") and len(record["recorded_at"]) == 27
    assert leaf_hash(canonical_json(record)) == b64decode(body["leaf_hash"], field="leaf_hash")


def test_missing_entry_is_a_404_problem(filled):
    response = filled.get("/v1/entries/999")
    assert response.status_code == 404
    assert response.get_json()["code"] == "entry-not-found"


def test_listing_pages_through_every_entry_once(filled):
    seen, after = [], None
    while True:
        url = "/v1/entries?limit=6" + (f"&after={after}" if after is not None else "")
        page = filled.get(url).get_json()
        seen += [item["record"]["index"] for item in page["items"]]
        after = page["next"]
        if after is None:
            break
    assert seen == list(range(41))


def test_listing_filters_by_type_signer_and_range(filled):
    genesis = filled.get("/v1/entries?type=ledger.genesis").get_json()
    assert [i["record"]["index"] for i in genesis["items"]] == [0]
    ranged = filled.get("/v1/entries?after=9&before=13").get_json()
    assert [i["record"]["index"] for i in ranged["items"]] == [10, 11, 12]
    by_signer = filled.get("/v1/entries?signer=operator&limit=1000").get_json()
    assert len(by_signer["items"]) == 41 and by_signer["next"] is None
    nobody = filled.get("/v1/entries?signer=nobody").get_json()
    assert nobody == {"items": [], "next": None}


@pytest.mark.parametrize("query", ["limit=0", "limit=5000", "after=-5", "type=loan.forgiven", "limit=abc"])
def test_bad_list_parameters_are_problems(filled, query):
    response = filled.get(f"/v1/entries?{query}")
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["field"] == query.split("=")[0]


def test_checkpoint_is_a_signed_note_for_the_whole_log(filled):
    response = filled.get("/v1/checkpoint")
    assert response.status_code == 200
    assert response.content_type == "text/plain; charset=utf-8"
    checkpoint = verify_checkpoint(response.get_data(as_text=True), VERIFIER_KEY)
    assert checkpoint.origin == ORIGIN and checkpoint.tree_size == 41
    info = filled.get("/v1/log").get_json()
    assert info == {"origin": ORIGIN, "verifier_key": VERIFIER_KEY, "tree_size": 41}


def test_every_inclusion_proof_verifies_at_every_size(filled):
    leaves = [b64decode(filled.get(f"/v1/entries/{i}").get_json()["leaf_hash"], field="l") for i in range(41)]
    from ledger.merkle.proofs import merkle_root

    for size in (1, 2, 3, 8, 17, 40, 41):
        root = merkle_root(leaves[:size])
        for index in range(size):
            body = filled.get(f"/v1/entries/{index}/inclusion-proof?tree_size={size}").get_json()
            assert body["index"] == index and body["tree_size"] == size
            verify_inclusion(leaves[index], index, size, _b64list(body["audit_path"]), root)


def test_consistency_proofs_link_every_pair_of_sizes(filled):
    leaves = [b64decode(filled.get(f"/v1/entries/{i}").get_json()["leaf_hash"], field="l") for i in range(41)]
    from ledger.merkle.proofs import merkle_root

    for first in (1, 2, 5, 16, 33, 41):
        for second in (first, 17, 32, 41):
            if second < first:
                continue
            body = filled.get(f"/v1/consistency-proof?first={first}&second={second}").get_json()
            assert body["first"] == first and body["second"] == second
            verify_consistency(first, second, merkle_root(leaves[:first]), merkle_root(leaves[:second]), _b64list(body["proof"]))


@pytest.mark.parametrize(
    ("url", "status", "field"),
    [
        ("/v1/entries/3/inclusion-proof?tree_size=42", 400, "tree_size"),
        ("/v1/entries/41/inclusion-proof?tree_size=42", 400, "tree_size"),  # every sibling exists; the leaf does not
        ("/v1/entries/40/inclusion-proof?tree_size=64", 400, "tree_size"),
        ("/v1/entries/3/inclusion-proof?tree_size=3", 400, "index"),
        ("/v1/entries/3/inclusion-proof?tree_size=0", 422, "tree_size"),
        ("/v1/entries/3/inclusion-proof", 422, "tree_size"),
        ("/v1/consistency-proof?first=0&second=5", 422, "first"),
        ("/v1/consistency-proof?first=6&second=5", 400, "first"),
        ("/v1/consistency-proof?first=5&second=42", 400, "second"),
        ("/v1/consistency-proof?first=41&second=42", 400, "second"),
        ("/v1/consistency-proof?first=32&second=33000", 400, "second"),
        ("/v1/consistency-proof?first=x&second=5", 422, "first"),
    ],
)
def test_proof_sizes_out_of_range_are_problems(filled, url, status, field):
    response = filled.get(url)
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    assert response.get_json()["field"] == field


def test_parties_are_listed_with_a_cursor(filled):
    first = filled.get("/v1/parties?limit=30").get_json()
    assert len(first["items"]) == 30 and first["next"] == first["items"][-1]["party"]
    rest = filled.get(f"/v1/parties?limit=30&after={first['next']}").get_json()
    assert rest["next"] is None
    ids = [p["party"] for p in first["items"] + rest["items"]]
    assert ids == sorted(ids) and len(ids) == 41  # 40 lenders and the operator


def test_party_detail_links_to_the_log(filled):
    party = filled.get("/v1/parties/p003").get_json()
    assert party["roles"] == ["lender"]
    index = party["registered_index"]
    record = filled.get(f"/v1/entries/{index}").get_json()["record"]
    assert record["envelope"]["payload"]["party"] == "p003"
    assert party["keys"][0]["added_index"] == index
    assert filled.get("/v1/parties/nobody").status_code == 404
    assert filled.get("/v1/keys/" + "0" * 32).status_code == 404


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {"status": "ready"}


def test_empty_log_is_not_ready(make_app, empty_database_url):
    client = make_app(empty_database_url).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["code"] == "ledger-not-initialized"
    assert client.get("/v1/checkpoint").status_code == 503
