"""Status lists keep their signed token, so every worker serves the same bytes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("status_list", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("token_revision", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("token_entries", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("token_kid", sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column("token_signed_at", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("status_list", schema=None) as batch_op:
        batch_op.drop_column("token_signed_at")
        batch_op.drop_column("token_kid")
        batch_op.drop_column("token_entries")
        batch_op.drop_column("token_revision")
        batch_op.drop_column("token")
