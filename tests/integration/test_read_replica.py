"""Reads from a real PostgreSQL streaming replica (LEDGER_READ_DATABASE_URL): a primary of its own,
copied with pg_basebackup and followed by a hot standby, both started by this test (with
bench.replication, which the replica-reads benchmark shares). Its replay is paused to make it lag: lists
and reports come from the replica's consistent past, while reads that name a size the replica does not
hold yet (a receipt's entry, a proof at a newer size) fall back to the primary."""

from __future__ import annotations

from typing import Any, Iterator

import psycopg
import pytest

from bench.replication import StreamingReplica, connect, tree_size_at, wait_for_tree_size
from tests.conftest import _initialize, token_for
from tests.helpers import party_key, party_payload

DATABASE = "ledger_replicated"


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(primary URL, replica URL) of a database on a primary and its hot standby."""
    from ledger.persistence.migrate import upgrade

    with StreamingReplica(tmp_path_factory.mktemp("replication")) as servers:
        primary_url = servers.start_primary(DATABASE)
        upgrade(primary_url)
        _initialize(primary_url)
        replica_url = servers.start_standby()
        yield primary_url, replica_url
    assert not servers.problems


@pytest.fixture
def app_on_replica(make_app: Any, replicated: tuple[str, str]) -> Any:
    primary_url, replica_url = replicated
    return make_app(primary_url, read_database_url=replica_url)


def _grow(client: Any, sign: Any, prefix: str, count: int) -> int:
    entries = [sign("party.registered", party_payload(f"{prefix}-{n}", ["lender"], party_key(f"{prefix}-{n}"))) for n in range(count)]
    response = client.post("/v1/entries/batch", json={"entries": entries})
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["receipts"][-1]["index"]) + 1


def test_the_replica_is_a_hot_standby(replicated: tuple[str, str]) -> None:
    with connect(replicated[1]) as connection:
        assert connection.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            connection.execute("CREATE TABLE nope (x int)")


def test_reads_come_from_the_replica_and_sizes_a_client_names_from_the_primary(app_on_replica: Any, replicated: tuple[str, str], sign: Any) -> None:
    replica_url = replicated[1]
    client = app_on_replica.test_client()
    size = _grow(client, sign, "early", 3)
    wait_for_tree_size(replica_url, size)
    with connect(replica_url) as connection:
        connection.execute("SELECT pg_wal_replay_pause()")
    try:
        receipt = client.post("/v1/entries", json=sign("party.registered", party_payload("late-bank", ["lender"], party_key("late-bank")))).get_json()
        index, new_size = receipt["index"], receipt["index"] + 1
        assert tree_size_at(replica_url) == size  # the replica lags behind the write

        # A list and a report are the replica's: a state the primary was in, consistent in itself.
        listed = [item["record"]["index"] for item in client.get(f"/v1/entries?after={size - 2}").get_json()["items"]]
        assert listed == [size - 1]
        summary = client.get("/v1/reports/summary").get_json()
        assert summary["report"]["tree_size"] == size
        # What names a size the replica lacks is read on the primary: read-your-write holds.
        assert client.get(f"/v1/entries/{index}").get_json()["record"]["index"] == index
        assert client.get("/v1/parties/late-bank").status_code == 200  # and the party it registered
        proof = client.get(f"/v1/entries/{index}/inclusion-proof?tree_size={new_size}")
        assert proof.status_code == 200 and proof.get_json()["tree_size"] == new_size
        assert client.get(f"/v1/consistency-proof?first={size}&second={new_size}").status_code == 200
        assert client.get(f"/v1/reports/summary?tree_size={new_size}").get_json()["report"]["tree_size"] == new_size
        assert client.get("/v1/checkpoint").data.split(b"\n")[1] == str(new_size).encode()  # the primary's, one row
    finally:
        with connect(replica_url) as connection:
            connection.execute("SELECT pg_wal_replay_resume()")
    wait_for_tree_size(replica_url, new_size)
    assert client.get("/v1/reports/summary").get_json()["report"]["tree_size"] == new_size
    assert token_for(app_on_replica, "late-bank")  # and writes (a token) still go to the primary
