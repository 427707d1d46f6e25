"""The projections' history by log index, so reports as of an earlier tree size need no replay (issue 18).

Every projection row gains ``valid_from``, the index of the entry that made it, and every projection
table a ``<table>_history`` of the versions entries replaced, each valid up to the index of the entry
that replaced it. ``projection_history.complete_from`` says from which tree size the history answers.

Existing rows are not replayed here: they get ``valid_from = -1`` (in force since some entry before the
upgrade) and ``complete_from`` becomes the log's size at the upgrade. Reports as of that size or later
read the history at once; below it the server keeps replaying the log's prefix per request, as before,
until ``greenledger rebuild`` (which holds the append lock and rewrites the projections) replays the whole
log with its history and sets ``complete_from`` to 0. A fresh database starts at 0.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import os

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

#: The projection tables of revision 0009, each of which gains a history.
PROJECTION_TABLES = (
    "parties", "party_keys", "parks", "park_statistics", "projects", "project_totals", "loans", "verifications",
    "reward_programs", "reward_disbursements", "programme_targets", "park_targets", "park_assessments",
    "credit_blocks", "corrections", "log_signing_key",
)  # fmt: skip

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('corrections_history',
    sa.Column('original_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('entry_type', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('payload_json', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('corrected_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_from', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_to', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('original_index', 'valid_to', name=op.f('pk_corrections_history'))
    )
    op.create_table('credit_blocks_history',
    sa.Column('start', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('vintage', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('verification_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('holder', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('status', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('beneficiary', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('issued_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('last_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_from', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_to', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('start', 'valid_to', name=op.f('pk_credit_blocks_history'))
    )
    op.create_index('ix_credit_blocks_history_holder_valid_to', 'credit_blocks_history', ['holder', 'valid_to'], unique=False)
    op.create_index('ix_credit_blocks_history_verification_id_valid_to', 'credit_blocks_history', ['verification_id', 'valid_to'], unique=False)
    op.create_table('loans_history',
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
    sa.Column('first_disbursed_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True),
    sa.Column('registered_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('last_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_from', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_to', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('loan_id', 'valid_to', name=op.f('pk_loans_history'))
    )
    op.create_index('ix_loans_history_lender_valid_to', 'loans_history', ['lender', 'valid_to'], unique=False)
    op.create_index('ix_loans_history_project_id_valid_to', 'loans_history', ['project_id', 'valid_to'], unique=False)
    op.create_table('log_signing_key_history',
    sa.Column('name', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('origin', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('public_key', sa.LargeBinary(), autoincrement=False, nullable=False),
    sa.Column('since_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_from', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_to', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('name', 'valid_to', name=op.f('pk_log_signing_key_history'))
    )
    op.create_table('park_assessments_history',
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
    sa.Column('valid_from', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_to', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('assessment_id', 'valid_to', name=op.f('pk_park_assessments_history'))
    )
    op.create_index('ix_park_assessments_history_park_id_valid_to', 'park_assessments_history', ['park_id', 'valid_to'], unique=False)
    op.create_table('park_statistics_history',
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
    sa.Column('green_output_value', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=True),
    sa.Column('coal_consumption_tce', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=True),
    sa.Column('clean_energy_tce', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=True),
    sa.Column('valid_from', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_to', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('statistics_id', 'valid_to', name=op.f('pk_park_statistics_history'))
    )
    op.create_index('ix_park_statistics_history_park_id_valid_to', 'park_statistics_history', ['park_id', 'valid_to'], unique=False)
    op.create_table('park_targets_history',
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
    sa.Column('valid_from', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_to', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('targets_id', 'valid_to', name=op.f('pk_park_targets_history'))
    )
    op.create_index('ix_park_targets_history_park_id_valid_to', 'park_targets_history', ['park_id', 'valid_to'], unique=False)
    op.create_table('parks_history',
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
    sa.Column('valid_from', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_to', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('park_id', 'valid_to', name=op.f('pk_parks_history'))
    )
    op.create_index('ix_parks_history_operator_valid_to', 'parks_history', ['operator', 'valid_to'], unique=False)
    op.create_table('parties_history',
    sa.Column('party_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('legal_name', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('unified_social_credit_code', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('roles', sa.ARRAY(sa.Text()), autoincrement=False, nullable=False),
    sa.Column('registered_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_from', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_to', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('party_id', 'valid_to', name=op.f('pk_parties_history'))
    )
    op.create_table('party_keys_history',
    sa.Column('key_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('party_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('public_key', sa.LargeBinary(), autoincrement=False, nullable=False),
    sa.Column('added_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('revoked_index', sa.BigInteger(), autoincrement=False, nullable=True),
    sa.Column('valid_from', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_to', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('key_id', 'valid_to', name=op.f('pk_party_keys_history'))
    )
    op.create_index('ix_party_keys_history_party_id_valid_to', 'party_keys_history', ['party_id', 'valid_to'], unique=False)
    op.create_table('programme_targets_history',
    sa.Column('target_year', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('output_value', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('green_output_value', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('currency', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('decided_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=False),
    sa.Column('first_set_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('set_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('first_set_at', postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=False),
    sa.Column('valid_from', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_to', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('target_year', 'valid_to', name=op.f('pk_programme_targets_history'))
    )
    op.create_table('project_totals_history',
    sa.Column('project_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('total_investment', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('loan_principal', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('outstanding', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('verified', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=False),
    sa.Column('verifications', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('over_credited', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_from', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_to', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('project_id', 'valid_to', name=op.f('pk_project_totals_history'))
    )
    op.create_table('projection_history',
    sa.Column('id', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('complete_from', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projection_history'))
    )
    op.create_table('projects_history',
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
    sa.Column('valid_from', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_to', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('project_id', 'valid_to', name=op.f('pk_projects_history'))
    )
    op.create_index('ix_projects_history_park_id_valid_to', 'projects_history', ['park_id', 'valid_to'], unique=False)
    op.create_table('reward_disbursements_history',
    sa.Column('disbursement_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('program_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('project_id', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('amount', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('currency', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('tonnes', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=False),
    sa.Column('verification_ids', sa.ARRAY(sa.Text()), autoincrement=False, nullable=False),
    sa.Column('disbursed_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('park_id', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('assessment_id', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('valid_from', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_to', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('disbursement_id', 'valid_to', name=op.f('pk_reward_disbursements_history'))
    )
    op.create_index('ix_reward_disbursements_history_park_id_valid_to', 'reward_disbursements_history', ['park_id', 'valid_to'], unique=False)
    op.create_index('ix_reward_disbursements_history_program_id_valid_to', 'reward_disbursements_history', ['program_id', 'valid_to'], unique=False)
    op.create_index('ix_reward_disbursements_history_project_id_valid_to', 'reward_disbursements_history', ['project_id', 'valid_to'], unique=False)
    op.create_table('reward_programs_history',
    sa.Column('program_id', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('name', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('budget', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('currency', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('yuan_per_tco2e', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=True),
    sa.Column('cap_per_project', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=True),
    sa.Column('disbursed', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=False),
    sa.Column('tonnes_paid', sa.Numeric(precision=24, scale=3), autoincrement=False, nullable=False),
    sa.Column('created_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('last_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.Text(), autoincrement=False, nullable=False),
    sa.Column('target_year', sa.BigInteger(), autoincrement=False, nullable=True),
    sa.Column('award_per_park', sa.Numeric(precision=24, scale=2), autoincrement=False, nullable=True),
    sa.Column('valid_from', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_to', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('program_id', 'valid_to', name=op.f('pk_reward_programs_history'))
    )
    op.create_table('verifications_history',
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
    sa.Column('report_sha256', sa.LargeBinary(), autoincrement=False, nullable=False),
    sa.Column('vintage', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('credits_issued', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('rewarded_by', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('verified_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('last_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_from', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('valid_to', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('verification_id', 'valid_to', name=op.f('pk_verifications_history'))
    )
    op.create_index('ix_verifications_history_project_id_valid_to', 'verifications_history', ['project_id', 'valid_to'], unique=False)
    op.create_index('ix_verifications_history_verifier_valid_to', 'verifications_history', ['verifier', 'valid_to'], unique=False)
    for table in PROJECTION_TABLES:
        # The versions in force at a tree size N are those whose range (valid_from, valid_to] holds N.
        op.create_index(
            f'ix_{table}_history_in_force', f'{table}_history', [sa.text("int8range(valid_from, valid_to, '(]')")], postgresql_using='gist'
        )
        # -1 for the rows already there: made by some entry before the upgrade, which is all the
        # history can say of them without a replay.
        op.add_column(table, sa.Column('valid_from', sa.BigInteger(), autoincrement=False, nullable=False, server_default='-1'))
        op.alter_column(table, 'valid_from', server_default=None)
    op.execute("INSERT INTO projection_history (id, complete_from) SELECT 1, COALESCE(max(idx) + 1, 0) FROM entries")

    role = os.environ.get("LEDGER_RUNTIME_ROLE") or "greenledger_app"
    # Appends add to the histories and a rebuild empties them; no version is ever updated.
    op.execute(f'GRANT SELECT, INSERT, DELETE ON {", ".join(f"{t}_history" for t in PROJECTION_TABLES)} TO "{role}"')
    op.execute(f'GRANT SELECT, UPDATE ON projection_history TO "{role}"')


def downgrade() -> None:
    # The older schema has no history: the versions are dropped, the current rows stay as they are.
    for table in PROJECTION_TABLES:
        op.drop_column(table, 'valid_from')
        op.drop_index(f'ix_{table}_history_in_force', table_name=f'{table}_history')
    op.drop_index('ix_verifications_history_verifier_valid_to', table_name='verifications_history')
    op.drop_index('ix_verifications_history_project_id_valid_to', table_name='verifications_history')
    op.drop_table('verifications_history')
    op.drop_table('reward_programs_history')
    op.drop_index('ix_reward_disbursements_history_project_id_valid_to', table_name='reward_disbursements_history')
    op.drop_index('ix_reward_disbursements_history_program_id_valid_to', table_name='reward_disbursements_history')
    op.drop_index('ix_reward_disbursements_history_park_id_valid_to', table_name='reward_disbursements_history')
    op.drop_table('reward_disbursements_history')
    op.drop_index('ix_projects_history_park_id_valid_to', table_name='projects_history')
    op.drop_table('projects_history')
    op.drop_table('projection_history')
    op.drop_table('project_totals_history')
    op.drop_table('programme_targets_history')
    op.drop_index('ix_party_keys_history_party_id_valid_to', table_name='party_keys_history')
    op.drop_table('party_keys_history')
    op.drop_table('parties_history')
    op.drop_index('ix_parks_history_operator_valid_to', table_name='parks_history')
    op.drop_table('parks_history')
    op.drop_index('ix_park_targets_history_park_id_valid_to', table_name='park_targets_history')
    op.drop_table('park_targets_history')
    op.drop_index('ix_park_statistics_history_park_id_valid_to', table_name='park_statistics_history')
    op.drop_table('park_statistics_history')
    op.drop_index('ix_park_assessments_history_park_id_valid_to', table_name='park_assessments_history')
    op.drop_table('park_assessments_history')
    op.drop_table('log_signing_key_history')
    op.drop_index('ix_loans_history_project_id_valid_to', table_name='loans_history')
    op.drop_index('ix_loans_history_lender_valid_to', table_name='loans_history')
    op.drop_table('loans_history')
    op.drop_index('ix_credit_blocks_history_verification_id_valid_to', table_name='credit_blocks_history')
    op.drop_index('ix_credit_blocks_history_holder_valid_to', table_name='credit_blocks_history')
    op.drop_table('credit_blocks_history')
    op.drop_table('corrections_history')
