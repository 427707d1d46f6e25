"""The migrations create exactly the schema the code declares (autogenerate finds nothing to do), and
bring the rows of an older schema along."""

from __future__ import annotations

import base64

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from ledger.persistence import tables  # noqa: F401  (registers every table on Base.metadata)
from ledger.persistence.db import Base, make_engine
from ledger.persistence.migrate import alembic_config, upgrade
from tests.helpers import Programme


def test_migrated_schema_matches_the_table_definitions(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def _downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def _stored_report_sha256(url: str) -> object:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT report_sha256 FROM verifications WHERE verification_id = 'v1'")).scalar_one()
    finally:
        engine.dispose()


def test_a_verification_recorded_before_0007_serves_the_signed_base64_after_it(app, client, sign, database_url):
    """Revision 0006 kept report_sha256 as text, into which the driver wrote the bytes' text form."""
    prog = Programme(client, sign)
    prog.setup_verified()
    signed = prog.reduction()["report_sha256"]
    digest = base64.b64decode(signed)
    app.extensions["ledger_engine"].dispose()  # no pooled connection may hold a plan of the old column type
    _downgrade(database_url, "0006")
    # What the server wrote before 0007: PostgreSQL's text form of the bytes, not the base64 signed.
    assert _stored_report_sha256(database_url) == "\\x" + digest.hex()
    upgrade(database_url)
    assert bytes(_stored_report_sha256(database_url)) == digest
    app.extensions["ledger_engine"].dispose()
    for item in [prog.get("/v1/verifications/v1"), *prog.get("/v1/verifications")["items"]]:
        assert item["report_sha256"] == signed


def test_the_downgrade_from_0007_gives_back_the_text_form(database_url):
    digest = bytes(range(32))
    _downgrade(database_url, "0006")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            # The pre-0007 write: bytes bound to the text column (psycopg sends bytea, PostgreSQL casts).
            connection.execute(
                text(
                    "INSERT INTO verifications (verification_id, verifier, project_id, period_start, period_end, baseline_emissions,"
                    " project_emissions, leakage, reduction, methodology, report_sha256, vintage, credits_issued, rewarded_by,"
                    " verified_index, last_index) VALUES ('v1', 'mrv', 'p1', now(), now(), 1, 1, 0, 1, 'm', :digest, 2024, 0, NULL, 1, 1)"
                ),
                {"digest": digest},
            )
    finally:
        engine.dispose()
    assert _stored_report_sha256(database_url) == "\\x" + digest.hex()
    upgrade(database_url)
    assert bytes(_stored_report_sha256(database_url)) == digest
    _downgrade(database_url, "0006")
    assert _stored_report_sha256(database_url) == "\\x" + digest.hex()
    upgrade(database_url)
    assert bytes(_stored_report_sha256(database_url)) == digest
