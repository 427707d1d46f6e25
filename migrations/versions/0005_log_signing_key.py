"""The checkpoint key in force, as a projection (checkpoint.key.rotated moves it on).

A ledger created before this revision gets the row from its genesis entry here, so it needs no
rebuild.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import base64
import json
import os

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def runtime_role() -> str:
    return os.environ.get("LEDGER_RUNTIME_ROLE") or "greenledger_app"


def upgrade() -> None:
    op.create_table(
        "log_signing_key",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("since_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_log_signing_key"),
    )
    op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON log_signing_key TO "{runtime_role()}"')
    connection = op.get_bind()
    genesis = connection.execute(sa.text("SELECT record FROM entries WHERE idx = 0")).scalar()
    if genesis is not None:
        payload = json.loads(bytes(genesis))["envelope"]["payload"]
        connection.execute(
            sa.text("INSERT INTO log_signing_key (name, origin, public_key, since_index) VALUES ('checkpoint', :origin, :key, 0)"),
            {"origin": payload["origin"], "key": base64.b64decode(payload["checkpoint_key"])},
        )


def downgrade() -> None:
    op.execute(f'REVOKE ALL ON log_signing_key FROM "{runtime_role()}"')
    op.drop_table("log_signing_key")
