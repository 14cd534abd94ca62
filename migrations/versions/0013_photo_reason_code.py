"""A rejected photo's reason as a code of a fixed list (words in the catalogue, shown to the holder
in his language), beside the reviewer's optional note.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 16:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("holder_photo") as batch:
        batch.add_column(sa.Column("reason_code", sa.String(20)))


def downgrade() -> None:
    with op.batch_alter_table("holder_photo") as batch:
        batch.drop_column("reason_code")
