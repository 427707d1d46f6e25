"""API tokens: bearer credentials issued to parties, stored only as SHA-256 hashes.

Tokens are access control, not ledger facts: they live beside the log, never in it. The runtime role
may read them, issue new ones and mark them revoked (UPDATE of revoked_at), never delete them. No foreign key to parties: projections are cleared and rebuilt by replay, and
the party a token names is checked when the token is issued and on every use.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def runtime_role() -> str:
    return os.environ.get("LEDGER_RUNTIME_ROLE") or "greenledger_app"


def upgrade() -> None:
    tz = postgresql.TIMESTAMP(timezone=True)
    op.create_table(
        "api_tokens",
        sa.Column("token_id", sa.Text(), nullable=False),
        sa.Column("party_id", sa.Text(), nullable=False),
        sa.Column("secret_hash", sa.LargeBinary(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("created_at", tz, nullable=False),
        sa.Column("expires_at", tz, nullable=False),
        sa.Column("revoked_at", tz, nullable=True),
        sa.PrimaryKeyConstraint("token_id", name="pk_api_tokens"),
    )
    op.create_index("ix_api_tokens_party", "api_tokens", ["party_id"])
    op.execute(f'GRANT SELECT, INSERT, UPDATE (revoked_at) ON api_tokens TO "{runtime_role()}"')


def downgrade() -> None:
    op.execute(f'REVOKE ALL ON api_tokens FROM "{runtime_role()}"')
    op.drop_table("api_tokens")
