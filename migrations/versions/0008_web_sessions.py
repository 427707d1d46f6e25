"""Web sessions kept on the server: the pages' cookie carries a random id, never an API token.

Like API tokens, sessions are access control beside the log, not ledger facts. The runtime role
reads and starts them, marks them used or ended, and deletes those past their absolute lifetime.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def runtime_role() -> str:
    return os.environ.get("LEDGER_RUNTIME_ROLE") or "greenledger_app"


def upgrade() -> None:
    tz = postgresql.TIMESTAMP(timezone=True)
    op.create_table(
        "web_sessions",
        sa.Column("session_hash", sa.LargeBinary(), nullable=False),
        sa.Column("token_id", sa.Text(), nullable=False),
        sa.Column("party_id", sa.Text(), nullable=False),
        sa.Column("created_at", tz, nullable=False),
        sa.Column("last_used_at", tz, nullable=False),
        sa.Column("ended_at", tz, nullable=True),
        sa.PrimaryKeyConstraint("session_hash", name="pk_web_sessions"),
    )
    op.create_index("ix_web_sessions_token", "web_sessions", ["token_id"])
    op.execute(f'GRANT SELECT, INSERT, UPDATE (last_used_at, ended_at), DELETE ON web_sessions TO "{runtime_role()}"')


def downgrade() -> None:
    op.execute(f'REVOKE ALL ON web_sessions FROM "{runtime_role()}"')
    op.drop_table("web_sessions")
