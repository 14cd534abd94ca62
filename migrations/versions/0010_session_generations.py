"""Sessions that can be ended on the server, and failed sign-ins counted per account name.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 12:00:00.000000

``staff`` and ``holder_account`` gain ``session_generation`` (0): a session cookie now names the
generation it was made in (``staff:12:0``), and moving it on ends every session of the account.
Sessions made before this revision name no generation and end at once: everyone signs in again
once after the upgrade.

``sign_in_lock`` counts failed sign-ins per account name (a keyed hash of it, never the name) with
the time the name is locked until; it starts empty.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ACCOUNTS = ("staff", "holder_account")


def upgrade() -> None:
    for table in ACCOUNTS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0")
            )
    op.create_table(
        "sign_in_lock",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_try", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(op.f("ix_sign_in_lock_last_try"), "sign_in_lock", ["last_try"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_in_lock_last_try"), table_name="sign_in_lock")
    op.drop_table("sign_in_lock")
    for table in reversed(ACCOUNTS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("session_generation")
