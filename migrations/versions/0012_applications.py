"""Applications (办件), their materials and history, exam results and the platform outbox.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 14:10:00.000000

``service_item_assignment`` gains ``connected`` (the item is connected to the government service
platform in that region), and ``certificate_version`` the ``application_id`` whose conclusion made
it (the case points at the version it produced, and the version back at the case).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "application",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_number", sa.String(40), nullable=False, unique=True),
        sa.Column("item", sa.String(20), nullable=False),
        sa.Column("authority_id", sa.Integer(), sa.ForeignKey("authority.id"), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("connected", sa.Boolean(), nullable=False),
        sa.Column("applicant_name", sa.String(50), nullable=False),
        sa.Column("applicant_id_number", sa.String(18), nullable=False, index=True),
        sa.Column("applicant_phone", sa.String(20), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("stage", sa.String(12), nullable=False),
        sa.Column("resume_stage", sa.String(12)),
        sa.Column("submitted_at", TZ, nullable=False),
        sa.Column("accepted_on", sa.Date()),
        sa.Column("paused_since", sa.Date()),
        sa.Column("paused_days", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date()),
        sa.Column("due_estimated", sa.Boolean(), nullable=False),
        sa.Column("review_approved", sa.Boolean()),
        sa.Column("concluded_at", TZ),
        sa.Column("certificate_id", sa.Integer(), sa.ForeignKey("certificate.id"), index=True),
        sa.Column("certificate_version", sa.Integer()),
        sa.Column("next_sequence", sa.Integer(), nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
    )
    op.create_index("ix_application_queue", "application", ["authority_id", "stage", "due"])
    op.create_table(
        "application_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("application_id", sa.Integer(), sa.ForeignKey("application.id"), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("stage_before", sa.String(12)),
        sa.Column("stage_after", sa.String(12), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("actor_name", sa.String(64), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("opinion", sa.Text()),
        sa.Column("details", sa.JSON()),
        sa.UniqueConstraint("application_id", "sequence"),
    )
    op.create_table(
        "application_material",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "application_id", sa.Integer(), sa.ForeignKey("application.id"), nullable=False, index=True
        ),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("supplementary", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "exam_result",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("id_number", sa.String(18), nullable=False, index=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("category", sa.Integer(), nullable=False),
        sa.Column("exam_date", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("recorded_by", sa.String(80), nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
        sa.UniqueConstraint("id_number", "category", "exam_date"),
    )
    op.create_table(
        "platform_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "application_id", sa.Integer(), sa.ForeignKey("application.id"), nullable=False, index=True
        ),
        sa.Column("case_number", sa.String(40), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ),
        sa.UniqueConstraint("case_number", "sequence"),
    )
    op.create_index("ix_platform_message_due", "platform_message", ["state", "next_attempt_at"])
    with op.batch_alter_table("service_item_assignment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("connected", sa.Boolean(), nullable=False, server_default="0"))
    with op.batch_alter_table("certificate_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("application_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_certificate_version_application_id", "application", ["application_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_certificate_version_application_id"), ["application_id"])


def downgrade() -> None:
    with op.batch_alter_table("certificate_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_version_application_id"))
        batch_op.drop_constraint("fk_certificate_version_application_id", type_="foreignkey")
        batch_op.drop_column("application_id")
    with op.batch_alter_table("service_item_assignment", schema=None) as batch_op:
        batch_op.drop_column("connected")
    for table in ("platform_message", "exam_result", "application_material", "application_event"):
        op.drop_table(table)
    op.drop_index("ix_application_queue", table_name="application")
    op.drop_table("application")
