"""The tiles over HTTP: the stored hashes and records, to full readers, cached as immutable when full."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from ledger.merkle import tiles
from ledger.merkle.hashing import leaf_hash
from ledger.merkle.proofs import merkle_root
from tests.conftest import OPERATOR_ID, token_for
from tests.helpers import party_key, party_payload


@pytest.fixture
def log_of_300(app: Any, client: Any, sign: Any) -> Any:
    """A client reading as the operator (a full reader), over a log of 300 entries."""
    entries = [sign("party.registered", party_payload(f"bank-{n:03d}", ["lender"], party_key(f"bank-{n:03d}"))) for n in range(299)]
    assert client.post("/v1/entries/batch", json={"entries": entries}).status_code == 201
    reader = app.test_client()
    reader.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(app, OPERATOR_ID)}"
    return reader


def _leaf_hashes(client: Any, start: int, end: int) -> list[bytes]:
    items = client.get(f"/v1/entries?after={start - 1}&limit={end - start}").get_json()["items"] if start else client.get(f"/v1/entries?limit={end}").get_json()["items"]
    return [base64.b64decode(item["leaf_hash"]) for item in items]


def test_a_full_tile_is_the_leaf_hashes_and_cached_for_ever(log_of_300: Any) -> None:
    response = log_of_300.get("/tile/0/000")
    assert response.status_code == 200
    assert response.content_type == "application/octet-stream"
    assert response.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert response.data == b"".join(_leaf_hashes(log_of_300, 0, 256))


def test_a_partial_tile_and_bundle_are_the_first_hashes_and_records(log_of_300: Any) -> None:
    response = log_of_300.get("/tile/0/001.p/44")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, max-age=60"
    assert response.data == b"".join(_leaf_hashes(log_of_300, 256, 300))
    assert log_of_300.get("/tile/0/001.p/10").data == response.data[: 10 * 32]  # a narrower width: its prefix
    bundle = tiles.parse_entry_bundle(log_of_300.get("/tile/entries/001.p/44").data)
    items = log_of_300.get("/v1/entries?after=255&limit=44").get_json()["items"]
    assert [json.loads(record) for record in bundle] == [item["record"] for item in items]
    assert [leaf_hash(record) for record in bundle] == _leaf_hashes(log_of_300, 256, 300)  # the exact bytes hashed
    level_1 = log_of_300.get("/tile/1/000.p/1")  # the one 256-leaf subtree of a 300-leaf tree
    assert level_1.data == merkle_root(_leaf_hashes(log_of_300, 0, 256))


def test_the_checkpoint_is_at_the_tiles_prefix_for_anyone(app: Any, log_of_300: Any) -> None:
    from flask.testing import FlaskClient

    note = FlaskClient(app, app.response_class).get("/checkpoint")  # no token
    assert note.status_code == 200 and note.content_type == "text/plain; charset=utf-8"
    assert note.data == log_of_300.get("/v1/checkpoint").data
    assert note.data.split(b"\n")[1] == b"300"


@pytest.mark.parametrize("path", ["/tile/0/002", "/tile/0/001", "/tile/0/001.p/45", "/tile/entries/001", "/tile/2/000.p/1"])
def test_a_tile_the_tree_does_not_hold_yet_is_a_404_problem(log_of_300: Any, path: str) -> None:
    response = log_of_300.get(path)
    assert response.status_code == 404 and response.content_type == "application/problem+json"
    assert "latest checkpoint's tree (size 300)" in response.get_json()["detail"]


@pytest.mark.parametrize("path", ["/tile/9/000", "/tile/0/5", "/tile/0/x000/001", "/tile/0/000.p/256", "/tile/0/000.p/0", "/tile/data/000"])
def test_a_path_that_names_no_tile_is_a_404_problem_saying_why(log_of_300: Any, path: str) -> None:
    response = log_of_300.get(path)
    assert response.status_code == 404 and response.content_type == "application/problem+json"
    assert "is not a tile" in response.get_json()["detail"]


def test_only_full_readers_read_the_tiles(app: Any, log_of_300: Any) -> None:
    from flask.testing import FlaskClient

    lender = FlaskClient(app, app.response_class)
    assert lender.get("/tile/0/000").status_code == 401
    assert lender.get("/tile/0/000", headers={"Authorization": f"Bearer {token_for(app, 'bank-001')}"}).status_code == 403
    assert log_of_300.get("/tile/0/000").status_code == 200
