"""Log tables (entries, tree_nodes, checkpoints), registry projections, append-only triggers, runtime role.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LOG_TABLES = ("entries", "tree_nodes", "checkpoints")
PROJECTION_TABLES = ("parties", "party_keys")


def runtime_role() -> str:
    return os.environ.get("LEDGER_RUNTIME_ROLE") or "greenledger_app"


def upgrade() -> None:
    tz = postgresql.TIMESTAMP(timezone=True)
    op.create_table(
        "entries",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("recorded_at", tz, nullable=False),
        sa.Column("entry_type", sa.Text(), nullable=False),
        sa.Column("signer", sa.Text(), nullable=False),
        sa.Column("key_id", sa.Text(), nullable=False),
        sa.Column("nonce", sa.Text(), nullable=False),
        sa.Column("envelope_digest", sa.LargeBinary(), nullable=False),
        sa.Column("record", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("idx", name="pk_entries"),
        sa.UniqueConstraint("signer", "nonce", name="uq_entries_signer_nonce"),
    )
    op.create_index("ix_entries_type_idx", "entries", ["entry_type", "idx"])
    op.create_index("ix_entries_signer_idx", "entries", ["signer", "idx"])
    op.create_table(
        "tree_nodes",
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name="pk_tree_nodes"),
    )
    op.create_table(
        "checkpoints",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", tz, nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name="pk_checkpoints"),
    )
    op.create_table(
        "parties",
        sa.Column("party_id", sa.Text(), nullable=False),
        sa.Column("legal_name", sa.Text(), nullable=False),
        sa.Column("unified_social_credit_code", sa.Text(), nullable=False),
        sa.Column("roles", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("registered_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("party_id", name="pk_parties"),
    )
    op.create_table(
        "party_keys",
        sa.Column("key_id", sa.Text(), nullable=False),
        sa.Column("party_id", sa.Text(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("added_index", sa.BigInteger(), nullable=False),
        sa.Column("revoked_index", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["party_id"], ["parties.party_id"], name="fk_party_keys_party_id_parties"),
        sa.PrimaryKeyConstraint("key_id", name="pk_party_keys"),
    )
    op.create_index("ix_party_keys_party_id", "party_keys", ["party_id"])

    # Append-only, enforced by the database itself (DESIGN §7): even the owner cannot rewrite history
    # without first dropping these triggers, which a superuser audit would show.
    op.execute(
        """
        CREATE FUNCTION ledger_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'greenledger: % on % is forbidden, the log is append-only', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    for table in LOG_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION ledger_reject_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change()"
        )

    # The web app switches to this role: INSERT and SELECT only on the log.
    role = runtime_role()
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE "{role}" NOLOGIN;
            END IF;
        END
        $$
        """
    )
    op.execute(f'GRANT "{role}" TO CURRENT_USER')
    op.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
    op.execute(f'GRANT SELECT, INSERT ON {", ".join(LOG_TABLES)} TO "{role}"')
    op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {", ".join(PROJECTION_TABLES)} TO "{role}"')


def downgrade() -> None:
    role = runtime_role()
    op.execute(f'REVOKE ALL ON {", ".join(LOG_TABLES + PROJECTION_TABLES)} FROM "{role}"')
    for table in ("party_keys", "parties", "checkpoints", "tree_nodes", "entries"):
        op.drop_table(table)
    op.execute("DROP FUNCTION ledger_reject_change()")
