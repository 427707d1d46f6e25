"""Loans remember the value date of their first disbursement (for the financing-without-reduction check).

Projections are derived from the log: after upgrading a ledger that already holds disbursements, run
`greenledger rebuild` to fill the column for them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("loans", sa.Column("first_disbursed_at", postgresql.TIMESTAMP(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("loans", "first_disbursed_at")
