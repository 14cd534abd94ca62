"""Batches are written in short transactions and published in one step; a dead batch is noticed.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 12:30:00.000000

``certificate`` gains ``batch_job_id`` (the batch that wrote it), and a certificate of a batch
still being written is stored as ``pending``: seen by nobody until the batch is published. The
unique index of live numbers now covers ``pending`` too, so a number being issued in a batch
cannot be issued a second time meanwhile. On SQLite the table is copied with ``AUTOINCREMENT``:
the ids of a withdrawn batch's certificates are never given again (the audit events naming them
would show in another certificate's history); PostgreSQL's sequences never reuse one.

``batch_job`` gains the rows ``written`` so far, the ``attempts``, the ``worker`` (``host:pid``)
running it and its ``heartbeat_at``, the values its failure's message names, and the ``upload``
(kept until the batch is done, to start a failed one again). A job left ``running`` by the code
before this revision cannot be resumed: it is marked failed (``worker_lost``); the one
transaction it ran in was rolled back with its process.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OLD_HELD = "state IN ('active', 'suspended')"
NEW_HELD = "state IN ('active', 'suspended', 'pending')"


def _number_index(where: str) -> None:
    op.create_index(
        "uq_certificate_live_number",
        "certificate",
        ["number"],
        unique=True,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    with op.batch_alter_table("batch_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("written", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("worker", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("upload", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("failure_params", sa.JSON(), nullable=True))
    op.execute("UPDATE batch_job SET state = 'failed', failure = 'worker_lost' WHERE state = 'running'")
    # The partial index is dropped around the batch operation, which copies the table on SQLite.
    op.drop_index("uq_certificate_live_number", table_name="certificate")
    copy = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    with op.batch_alter_table(
        "certificate", schema=None, recreate=copy, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(sa.Column("batch_job_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_certificate_batch_job_id", "batch_job", ["batch_job_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_certificate_batch_job_id"), ["batch_job_id"], unique=False)
    _number_index(NEW_HELD)


def downgrade() -> None:
    op.execute(
        "DELETE FROM certificate_version WHERE certificate_id IN "
        "(SELECT id FROM certificate WHERE state = 'pending')"
    )
    op.execute(
        "DELETE FROM holder_category WHERE certificate_id IN "
        "(SELECT id FROM certificate WHERE state = 'pending')"
    )
    op.execute("DELETE FROM certificate WHERE state = 'pending'")
    op.drop_index("uq_certificate_live_number", table_name="certificate")
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_batch_job_id"))
        batch_op.drop_constraint("fk_certificate_batch_job_id", type_="foreignkey")
        batch_op.drop_column("batch_job_id")
    _number_index(OLD_HELD)
    with op.batch_alter_table("batch_job", schema=None) as batch_op:
        for column in ("failure_params", "upload", "heartbeat_at", "worker", "attempts", "written"):
            batch_op.drop_column(column)
