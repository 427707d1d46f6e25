"""Rotating the checkpoint key: the old key endorses the new one in a log entry, later checkpoints and
reports are signed by the new key, and auditors who pinned either key follow the chain offline."""

from __future__ import annotations

import pytest

from ledger import errors
from ledger.crypto.canonical import b64encode
from ledger.crypto.checkpoint import rotation_statement, verifier_key, verify_checkpoint
from ledger.crypto.signing import private_key_from_seed, raw_public_key, write_private_key_file
from ledger.domain.types.checkpoint_keys import ROTATED
from ledger.services.checkpoint_keys import rotate_checkpoint_key
from ledger.services.export import export_bundle
from ledger.verify.bundle import verify_bundle
from ledger.verify.report import verify_report
from tests.api.test_submit import VERIFIER_KEY
from tests.conftest import CHECKPOINT_KEY, OPERATOR_ID, OPERATOR_KEY, ORIGIN
from tests.helpers import Programme, party_key, party_payload, tree_size

NEW_KEY = private_key_from_seed(bytes(range(100, 132)))
NEW_VERIFIER_KEY = verifier_key(ORIGIN, raw_public_key(NEW_KEY))


def _rotate(app) -> int:
    return rotate_checkpoint_key(app.extensions["ledger"], admin_id=OPERATOR_ID, admin_key=OPERATOR_KEY, new_key=NEW_KEY).index


def _payload(old=CHECKPOINT_KEY, new=NEW_KEY, endorser=None, acceptor=None):
    statement = rotation_statement(ORIGIN, raw_public_key(old), raw_public_key(new))
    return {
        "new_key": b64encode(raw_public_key(new)),
        "endorsement": b64encode((endorser or old).sign(statement)),
        "acceptance": b64encode((acceptor or new).sign(statement)),
    }


def test_after_a_rotation_checkpoints_and_reports_are_signed_by_the_new_key(app, client, sign):
    before = client.post("/v1/entries", json=sign("party.registered", party_payload("bank-a", ["lender"]))).get_json()
    rotation = _rotate(app)
    after = client.post("/v1/entries", json=sign("party.registered", party_payload("bank-b", ["lender"]))).get_json()

    assert verify_checkpoint(before["checkpoint"], VERIFIER_KEY).tree_size == rotation
    assert verify_checkpoint(after["checkpoint"], NEW_VERIFIER_KEY).tree_size == rotation + 2
    with pytest.raises(errors.InvalidCheckpoint):
        verify_checkpoint(after["checkpoint"], VERIFIER_KEY)
    assert client.get("/v1/log").get_json()["verifier_key"] == NEW_VERIFIER_KEY
    assert verify_checkpoint(client.get("/v1/checkpoint").get_data(as_text=True), NEW_VERIFIER_KEY)
    # A report is signed like the checkpoint of its size: by the key in force then.
    verify_report(client.get("/v1/reports/summary").get_json(), NEW_VERIFIER_KEY)
    verify_report(client.get(f"/v1/reports/summary?tree_size={rotation}").get_json(), VERIFIER_KEY)
    record = client.get(f"/v1/entries/{rotation}").get_json()["record"]
    assert record["envelope"]["type"] == ROTATED and record["envelope"]["signer"] == OPERATOR_ID


@pytest.mark.parametrize("pinned", [VERIFIER_KEY, NEW_VERIFIER_KEY], ids=["pinned genesis key", "pinned new key"])
def test_an_auditor_who_pinned_either_key_follows_the_chain_offline(app, client, sign, pinned):
    prog = Programme(client, sign)
    prog.setup_verified()
    kept_before = client.get("/v1/checkpoint").get_data(as_text=True)
    rotation = _rotate(app)
    prog.ok("bank-a", "loan.disbursed", prog.movement("L1", "100.00"))
    whole = list(export_bundle(app.extensions["ledger"]))
    report = verify_bundle(whole, origin=ORIGIN, verifier_key=pinned, kept=[kept_before])
    assert report.tree_size == tree_size(client)
    assert report.verifier_keys() == [VERIFIER_KEY, NEW_VERIFIER_KEY]
    # A prefix from before the rotation is signed by the key in force at its size.
    prefix = list(export_bundle(app.extensions["ledger"], tree_size=rotation))
    assert verify_bundle(prefix, origin=ORIGIN, verifier_key=VERIFIER_KEY).tree_size == rotation


def test_a_key_outside_the_chain_is_refused(app, client):
    _rotate(app)
    stranger = verifier_key(ORIGIN, raw_public_key(party_key("stranger")))
    with pytest.raises(errors.VerificationFailed, match="neither the genesis"):
        verify_bundle(list(export_bundle(app.extensions["ledger"])), origin=ORIGIN, verifier_key=stranger)


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        (lambda: _payload(endorser=party_key("impostor")), "bad-rotation-signature", "envelope.payload.endorsement"),
        (lambda: _payload(acceptor=party_key("impostor")), "bad-rotation-signature", "envelope.payload.acceptance"),
        (lambda: _payload(new=CHECKPOINT_KEY), "same-checkpoint-key", "envelope.payload.new_key"),
        (lambda: {**_payload(), "endorsement": "AAAA"}, "invalid-input", "envelope.payload.endorsement"),
    ],
    ids=["endorsed by another key", "accepted by another key", "the same key", "endorsement too short"],
)
def test_a_bad_rotation_is_refused_and_changes_nothing(client, sign, payload, code, field):
    size = tree_size(client)
    response = client.post("/v1/entries", json=sign(ROTATED, payload()))
    assert response.status_code == 422, response.get_json()
    assert (response.get_json()["code"], response.get_json()["field"]) == (code, field)
    assert tree_size(client) == size
    assert client.get("/v1/log").get_json()["verifier_key"] == VERIFIER_KEY


def test_only_an_admin_rotates(client, sign):
    bank_key = party_key("bank-a")
    assert client.post("/v1/entries", json=sign("party.registered", party_payload("bank-a", ["lender"], bank_key))).status_code == 201
    response = client.post("/v1/entries", json=sign(ROTATED, _payload(), signer="bank-a", key=bank_key))
    assert response.status_code == 403 and response.get_json()["code"] == "role-not-allowed"


def test_a_server_without_the_new_key_refuses_writes_until_its_key_file_appears(make_app, database_url, sign):
    rotating = make_app(database_url)
    other = make_app(database_url)  # a second server on the same database, holding only the old key
    _rotate(rotating)
    client = other.test_client()
    refused = client.post("/v1/entries", json=sign("party.registered", party_payload("bank-a", ["lender"])))
    assert refused.status_code == 503 and "checkpoint key in force" in refused.get_json()["detail"]
    keys_dir = other.extensions["ledger_config"].keys_dir
    keys_dir.mkdir(parents=True, exist_ok=True)
    write_private_key_file(keys_dir / "checkpoint.pem", NEW_KEY)
    accepted = client.post("/v1/entries", json=sign("party.registered", party_payload("bank-a", ["lender"])))
    assert accepted.status_code == 201, accepted.get_json()
    assert verify_checkpoint(accepted.get_json()["checkpoint"], NEW_VERIFIER_KEY)
