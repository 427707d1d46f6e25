"""Programme projections: parks, statistics, projects, loans, verifications, rewards, credit blocks, corrections.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 01:34:43.010856
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NEW_TABLES = (
    "corrections",
    "credit_blocks",
    "loans",
    "park_statistics",
    "parks",
    "projects",
    "reward_disbursements",
    "reward_programs",
    "verifications",
)


def upgrade() -> None:
    op.create_table('corrections',
    sa.Column('original_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('entry_type', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('payload_json', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('corrected_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('original_index', name=op.f('pk_corrections'))
    )
    op.create_table('credit_blocks',
    sa.Column('start', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('vintage', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('verification_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('holder', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('status', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('beneficiary', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('issued_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('last_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('start', name=op.f('pk_credit_blocks'))
    )
    op.create_index(op.f('ix_credit_blocks_holder'), 'credit_blocks', ['holder'], unique=False)
    op.create_index(op.f('ix_credit_blocks_verification_id'), 'credit_blocks', ['verification_id'], unique=False)
    op.create_table('loans',
    sa.Column('loan_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('lender', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('project_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('principal', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('currency', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('annual_rate_percent', sa.Numeric(precision=24, scale=4), autoincrement=False, nullable=False),
    sa.Column('term_months', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('exceeds_investment', sa.Boolean(), autoincrement=False, nullable=False),
    sa.Column('disbursed', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('repaid', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('registered_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('last_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('loan_id', name=op.f('pk_loans'))
    )
    op.create_index(op.f('ix_loans_lender'), 'loans', ['lender'], unique=False)
    op.create_index(op.f('ix_loans_project_id'), 'loans', ['project_id'], unique=False)
    op.create_table('park_statistics',
    sa.Column('statistics_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('park_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('period_start', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=False),
    sa.Column('period_end', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=False),
    sa.Column('output_value', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('currency', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('energy_use_tce', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=False),
    sa.Column('total_emissions', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=False),
    sa.Column('reported_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('last_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('statistics_id', name=op.f('pk_park_statistics'))
    )
    op.create_index(op.f('ix_park_statistics_park_id'), 'park_statistics', ['park_id'], unique=False)
    op.create_table('parks',
    sa.Column('park_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('name', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('city', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('economic_zone', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('leading_industries', sa.ARRAY(sa.Text()), autoincrement=False, nullable=False),
    sa.Column('operator', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('baseline_year', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('baseline_emissions', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=False),
    sa.Column('baseline_output_value', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('currency', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('registered_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('last_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('park_id', name=op.f('pk_parks'))
    )
    op.create_index(op.f('ix_parks_operator'), 'parks', ['operator'], unique=False)
    op.create_table('projects',
    sa.Column('project_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('park_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('name', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('owner', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('category', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('equity', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('debt', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('currency', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('expected_annual_reduction', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=False),
    sa.Column('loan_principal', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('registered_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('last_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('project_id', name=op.f('pk_projects'))
    )
    op.create_index(op.f('ix_projects_park_id'), 'projects', ['park_id'], unique=False)
    op.create_table('reward_disbursements',
    sa.Column('disbursement_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('program_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('project_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('amount', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('currency', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('tonnes', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=False),
    sa.Column('verification_ids', sa.ARRAY(sa.Text()), autoincrement=False, nullable=False),
    sa.Column('disbursed_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('disbursement_id', name=op.f('pk_reward_disbursements'))
    )
    op.create_index(op.f('ix_reward_disbursements_program_id'), 'reward_disbursements', ['program_id'], unique=False)
    op.create_index(op.f('ix_reward_disbursements_project_id'), 'reward_disbursements', ['project_id'], unique=False)
    op.create_table('reward_programs',
    sa.Column('program_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('name', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('budget', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('currency', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('yuan_per_tco2e', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('cap_per_project', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=True),
    sa.Column('disbursed', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('tonnes_paid', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=False),
    sa.Column('created_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('last_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('program_id', name=op.f('pk_reward_programs'))
    )
    op.create_table('verifications',
    sa.Column('verification_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('verifier', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('project_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('period_start', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=False),
    sa.Column('period_end', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=False),
    sa.Column('baseline_emissions', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=False),
    sa.Column('project_emissions', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=False),
    sa.Column('leakage', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=False),
    sa.Column('reduction', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=False),
    sa.Column('methodology', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('report_sha256', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('vintage', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('credits_issued', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('rewarded_by', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('verified_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('last_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('verification_id', name=op.f('pk_verifications'))
    )
    op.create_index(op.f('ix_verifications_project_id'), 'verifications', ['project_id'], unique=False)
    op.create_index(op.f('ix_verifications_verifier'), 'verifications', ['verifier'], unique=False)
    role = os.environ.get("LEDGER_RUNTIME_ROLE") or "greenledger_app"
    # Projections are derived from the log and rebuilt from it, so the app may rewrite them.
    op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {", ".join(NEW_TABLES)} TO "{role}"')


def downgrade() -> None:
    op.drop_index(op.f('ix_verifications_verifier'), table_name='verifications')
    op.drop_index(op.f('ix_verifications_project_id'), table_name='verifications')
    op.drop_table('verifications')
    op.drop_table('reward_programs')
    op.drop_index(op.f('ix_reward_disbursements_project_id'), table_name='reward_disbursements')
    op.drop_index(op.f('ix_reward_disbursements_program_id'), table_name='reward_disbursements')
    op.drop_table('reward_disbursements')
    op.drop_index(op.f('ix_projects_park_id'), table_name='projects')
    op.drop_table('projects')
    op.drop_index(op.f('ix_parks_operator'), table_name='parks')
    op.drop_table('parks')
    op.drop_index(op.f('ix_park_statistics_park_id'), table_name='park_statistics')
    op.drop_table('park_statistics')
    op.drop_index(op.f('ix_loans_project_id'), table_name='loans')
    op.drop_index(op.f('ix_loans_lender'), table_name='loans')
    op.drop_table('loans')
    op.drop_index(op.f('ix_credit_blocks_verification_id'), table_name='credit_blocks')
    op.drop_index(op.f('ix_credit_blocks_holder'), table_name='credit_blocks')
    op.drop_table('credit_blocks')
    op.drop_table('corrections')
