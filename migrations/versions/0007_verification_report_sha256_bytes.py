"""A verification's report_sha256 is the 32 bytes the verifier signed (bytea), not their text form.

The payload field is base64 that loads to bytes, but the projection declared it text, so PostgreSQL
stored the bytes' text form (``\\xc0e5…``) and the API served that instead of the signed base64, while
an offline replay held the bytes. Existing rows are converted by reading that text form back as bytea
(the exact inverse of how it was written, whatever ``bytea_output`` was); the downgrade writes it again.
Like every projection, the column can also be rebuilt from the log (``greenledger rebuild``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column(
        "verifications", "report_sha256", type_=sa.LargeBinary(), existing_type=sa.Text(), existing_nullable=False, postgresql_using="report_sha256::bytea"
    )


def downgrade() -> None:
    op.alter_column(
        "verifications", "report_sha256", type_=sa.Text(), existing_type=sa.LargeBinary(), existing_nullable=False, postgresql_using="report_sha256::text"
    )
