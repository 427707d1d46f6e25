"""Project totals: each project's investment, outstanding loans, verified tonnes and verifications, kept as entries arrive.

The lender and programme reports read one row per project instead of every loan and verification of
it. The rows are derived from the other projections, so the upgrade fills them from those in SQL (the
same sums a replay computes; ``greenledger rebuild`` gives the same rows).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: Each project's totals from it, its loans and its verifications as they stand (tests hold it equal to a replay).
FILL = """
    INSERT INTO project_totals (project_id, total_investment, loan_principal, outstanding, verified, verifications, over_credited)
    SELECT p.project_id,
           p.equity + p.debt,
           p.loan_principal,
           COALESCE((SELECT sum(l.disbursed - l.repaid) FROM loans l WHERE l.project_id = p.project_id), 0),
           COALESCE((SELECT sum(v.reduction) FROM verifications v WHERE v.project_id = p.project_id), 0),
           (SELECT count(*) FROM verifications v WHERE v.project_id = p.project_id),
           (SELECT count(*) FROM verifications v WHERE v.project_id = p.project_id AND v.credits_issued > v.reduction)
    FROM projects p
"""


def upgrade() -> None:
    op.create_table('project_totals',
    sa.Column('project_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('total_investment', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('loan_principal', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('outstanding', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('verified', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=False),
    sa.Column('verifications', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('over_credited', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('project_id', name=op.f('pk_project_totals'))
    )
    op.execute(FILL)
    role = os.environ.get("LEDGER_RUNTIME_ROLE") or "greenledger_app"
    # Projections are derived from the log and rebuilt from it, so the app may rewrite them.
    op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON project_totals TO "{role}"')


def downgrade() -> None:
    op.drop_table('project_totals')
