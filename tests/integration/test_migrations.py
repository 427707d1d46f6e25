"""The migrations create exactly the schema the code declares (autogenerate finds nothing to do)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ledger.persistence import tables  # noqa: F401  (registers every table on Base.metadata)
from ledger.persistence.db import Base, make_engine


def test_migrated_schema_matches_the_table_definitions(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []
