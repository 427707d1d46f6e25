"""Pilot targets, park assessments and park-success rewards (issue 16).

New projections: programme_targets, park_targets and park_assessments. Park statistics gain the
optional green-industry output, coal and clean-energy figures; reward programmes a kind (every
existing one is per-tonne), a target year and an award per park, and lose the need for a per-tonne
rate; disbursements may pay a park (for an assessment) instead of a project. Existing rows keep their
meaning, so nothing is back-filled beyond the kind.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

NEW_TABLES = ("programme_targets", "park_targets", "park_assessments")

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('park_assessments',
    sa.Column('assessment_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('park_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('target_year', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('assessor', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('outcome', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('missed', sa.ARRAY(sa.Text()), autoincrement=False, nullable=False),
    sa.Column('statistics_indices', sa.ARRAY(sa.BigInteger()), autoincrement=False, nullable=False),
    sa.Column('output_value', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('green_output_value', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=True),
    sa.Column('total_emissions', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=False),
    sa.Column('intensity', sa.Numeric(precision=24, scale=6), autoincrement=False, nullable=True),
    sa.Column('intensity_reduction_percent', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=True),
    sa.Column('coal_consumption_tce', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=True),
    sa.Column('clean_energy_share_percent', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=True),
    sa.Column('targets_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('report_sha256', sa.LargeBinary(), autoincrement=False, nullable=False),
    sa.Column('assessed_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('last_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('assessment_id', name=op.f('pk_park_assessments'))
    )
    op.create_index(op.f('ix_park_assessments_park_id'), 'park_assessments', ['park_id'], unique=False)
    op.create_table('park_targets',
    sa.Column('targets_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('park_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('target_year', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('intensity_reduction_percent', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('emissions_cap', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=True),
    sa.Column('coal_cap_tce', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=True),
    sa.Column('min_clean_energy_share_percent', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=True),
    sa.Column('decided_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=False),
    sa.Column('first_set_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('set_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('first_set_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('targets_id', name=op.f('pk_park_targets'))
    )
    op.create_index(op.f('ix_park_targets_park_id'), 'park_targets', ['park_id'], unique=False)
    op.create_table('programme_targets',
    sa.Column('target_year', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('output_value', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('green_output_value', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('currency', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('decided_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=False),
    sa.Column('first_set_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('set_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('first_set_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('target_year', name=op.f('pk_programme_targets'))
    )
    op.add_column('park_statistics', sa.Column('green_output_value', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=True))
    op.add_column('park_statistics', sa.Column('coal_consumption_tce', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=True))
    op.add_column('park_statistics', sa.Column('clean_energy_tce', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=True))
    op.add_column('reward_disbursements', sa.Column('park_id', sa.Text(), autoincrement=False, nullable=True))
    op.add_column('reward_disbursements', sa.Column('assessment_id', sa.Text(), autoincrement=False, nullable=True))
    op.alter_column('reward_disbursements', 'project_id',
               existing_type=sa.TEXT(),
               nullable=True)
    op.create_index(op.f('ix_reward_disbursements_park_id'), 'reward_disbursements', ['park_id'], unique=False)
    op.add_column('reward_programs', sa.Column('kind', sa.Text(), autoincrement=False, nullable=False, server_default='per-tonne'))
    op.alter_column('reward_programs', 'kind', server_default=None)
    op.add_column('reward_programs', sa.Column('target_year', sa.BigInteger(), autoincrement=False, nullable=True))
    op.add_column('reward_programs', sa.Column('award_per_park', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=True))
    op.alter_column('reward_programs', 'yuan_per_tco2e',
               existing_type=sa.NUMERIC(precision=24, scale=2),
               nullable=True)


    role = os.environ.get("LEDGER_RUNTIME_ROLE") or "greenledger_app"
    # Projections are derived from the log and rebuilt from it, so the app may rewrite them.
    for table in NEW_TABLES:
        op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO "{role}"')


def downgrade() -> None:
    # The older schema cannot hold park-success programmes or their payments: a downgraded server is
    # rebuilt from the log (greenledger rebuild), which the older code refuses if the log holds them.
    op.execute("DELETE FROM reward_disbursements WHERE project_id IS NULL")
    op.execute("DELETE FROM reward_programs WHERE yuan_per_tco2e IS NULL")
    op.alter_column('reward_programs', 'yuan_per_tco2e',
               existing_type=sa.NUMERIC(precision=24, scale=2),
               nullable=False)
    op.drop_column('reward_programs', 'award_per_park')
    op.drop_column('reward_programs', 'target_year')
    op.drop_column('reward_programs', 'kind')
    op.drop_index(op.f('ix_reward_disbursements_park_id'), table_name='reward_disbursements')
    op.alter_column('reward_disbursements', 'project_id',
               existing_type=sa.TEXT(),
               nullable=False)
    op.drop_column('reward_disbursements', 'assessment_id')
    op.drop_column('reward_disbursements', 'park_id')
    op.drop_column('park_statistics', 'clean_energy_tce')
    op.drop_column('park_statistics', 'coal_consumption_tce')
    op.drop_column('park_statistics', 'green_output_value')
    op.drop_table('programme_targets')
    op.drop_index(op.f('ix_park_targets_park_id'), table_name='park_targets')
    op.drop_table('park_targets')
    op.drop_index(op.f('ix_park_assessments_park_id'), table_name='park_assessments')
    op.drop_table('park_assessments')
