"""The witnesses' cosignatures on the log's checkpoints, and the tree size each witness holds.

Like sessions, these sit beside the log, not in it: a cosignature is a witness's statement about a
checkpoint, added after the checkpoint is signed (C2SP tlog-witness), and the log serves its
checkpoint with them. The runtime role adds cosignatures (never changes one) and moves the heads.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def runtime_role() -> str:
    return os.environ.get("LEDGER_RUNTIME_ROLE") or "greenledger_app"


def upgrade() -> None:
    op.create_table(
        "witness_cosignatures",
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("witness", sa.Text(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("cosigned_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", "witness", name="pk_witness_cosignatures"),
    )
    op.create_table(
        "witness_heads",
        sa.Column("witness", sa.Text(), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("witness", name="pk_witness_heads"),
    )
    op.execute(f'GRANT SELECT, INSERT ON witness_cosignatures TO "{runtime_role()}"')
    op.execute(f'GRANT SELECT, INSERT, UPDATE ON witness_heads TO "{runtime_role()}"')


def downgrade() -> None:
    op.execute(f'REVOKE ALL ON witness_cosignatures FROM "{runtime_role()}"')
    op.execute(f'REVOKE ALL ON witness_heads FROM "{runtime_role()}"')
    op.drop_table("witness_heads")
    op.drop_table("witness_cosignatures")
