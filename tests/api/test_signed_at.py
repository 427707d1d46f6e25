"""signed_at lies in a window around the server's clock and never before the signing key existed."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ledger.crypto.canonical import b64encode
from ledger.crypto.signing import raw_public_key
from tests.conftest import OPERATOR_ID, T0
from tests.helpers import Programme, party_key, party_payload, tree_size


def _refused(response, code):
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code and body["type"].endswith(f"/problems/{code}")
    assert body["field"].endswith("envelope.signed_at")
    return body


@pytest.mark.parametrize(
    "signed_at",
    [datetime(1970, 1, 1, tzinfo=timezone.utc), datetime(1, 1, 1, tzinfo=timezone.utc), T0 - timedelta(days=1, seconds=1)],
)
def test_an_envelope_signed_too_long_ago_is_refused_and_changes_nothing(client, sign, signed_at):
    before = tree_size(client)
    _refused(client.post("/v1/entries", json=sign("party.registered", party_payload("bank-a", ["lender"]), signed_at=signed_at)), "signed-too-old")
    batch = [sign("party.registered", party_payload("bank-b", ["lender"])), sign("party.registered", party_payload("bank-c", ["lender"]), signed_at=signed_at)]
    body = _refused(client.post("/v1/entries/batch", json={"entries": batch}), "signed-too-old")
    assert body["field"] == "entries[1].envelope.signed_at"
    assert tree_size(client) == before


def test_the_window_is_configurable_and_counts_from_the_servers_clock(make_app, database_url, sign, clock):
    client = make_app(database_url, max_age_seconds=60).test_client()
    clock.advance(hours=2)
    _refused(client.post("/v1/entries", json=sign("party.registered", party_payload("bank-a", ["lender"]), signed_at=clock.current - timedelta(seconds=61))), "signed-too-old")
    accepted = client.post("/v1/entries", json=sign("party.registered", party_payload("bank-a", ["lender"]), signed_at=clock.current - timedelta(seconds=59)))
    assert accepted.status_code == 201, accepted.get_json()


def test_an_entry_signed_before_its_key_was_registered_is_refused(client, sign, clock):
    clock.advance(hours=3)  # the parties' keys are registered three hours after genesis
    prog = Programme(client, sign)
    prog.ok("dept", "park.registered", prog.park())
    prog.ok("op-tianfu", "project.registered", prog.project())
    clock.advance(minutes=10)
    hour_before = clock.current - timedelta(hours=1)
    backdated = prog.sign("loan.registered", prog.loan(), signer="bank-a", key=prog.keys["bank-a"], signed_at=hour_before)
    before = tree_size(client)
    body = _refused(client.post("/v1/entries", json=backdated), "signed-before-key-registration")
    assert "was registered" in body["detail"]
    assert tree_size(client) == before
    # The clock skew allowed ahead is allowed behind too: a signer's clock a little slow is no fault.
    slow_clock = clock.current - timedelta(minutes=10) - timedelta(seconds=200)
    accepted = client.post("/v1/entries", json=prog.sign("loan.registered", prog.loan(), signer="bank-a", key=prog.keys["bank-a"], signed_at=slow_clock))
    assert accepted.status_code == 201, accepted.get_json()


def test_a_key_registered_earlier_in_the_same_batch_signs_what_follows(client, sign, clock):
    clock.advance(hours=1)
    rotated = party_key(OPERATOR_ID, generation=1)
    batch = [
        sign("key.added", {"party": OPERATOR_ID, "public_key": b64encode(raw_public_key(rotated))}),
        sign("party.registered", party_payload("bank-a", ["lender"]), key=rotated),
    ]
    response = client.post("/v1/entries/batch", json={"entries": batch})
    assert response.status_code == 201, response.get_json()


def test_a_retry_of_an_entry_recorded_long_ago_still_gets_its_receipt(client, sign, clock):
    entry = sign("party.registered", party_payload("bank-a", ["lender"]))
    first = client.post("/v1/entries", json=entry)
    assert first.status_code == 201
    clock.advance(days=30)
    again = client.post("/v1/entries", json=entry)
    assert again.status_code == 200 and again.get_json()["index"] == first.get_json()["index"]
