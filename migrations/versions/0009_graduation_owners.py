"""Graduation certificates have an owner; partner systems are registered for training schools.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 09:00:00.000000

``partner_school`` lists the schools (credit codes) each partner system may push for.
``graduation_certificate`` gains ``owner`` (a partner's ``client_id``, or ``bureau`` for the bureau's
own imports) and ``received_by`` (who stored each revision), both required.

**Existing partner systems get no schools.** Deriving them from what each partner already pushed
would hand every partner the schools it named, including any it pushed for without being entitled
to — the very pushes this revision stops — and a school two partners named would go to both. The
province administrator registers each partner's schools (``/admin/partners``, or ``flask partners
add-school``); until then its pushes are refused with the field error ``not_registered_for_school``.
``flask partners schools CLIENT_ID`` lists the schools a partner pushed for that it is not yet
registered for, to review them.

**A number belongs to its first owner**: the partner that pushed its first revision, else the
bureau (a backfill). Under the old rule the first partner to push a backfilled number took it over
silently; such numbers go back to the bureau here (a take-over must be explicit: ``flask graduation
hand-over``, after review), so a partner that re-pointed a backfilled number keeps no hold on it.
Every revision of a number gets that owner.

``received_by`` is taken from the audit event that recorded the revision (``graduation.receive`` or
``graduation.revise``), else ``partner:<client_id>`` for a push and ``unknown`` otherwise.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

FIRST_OWNER = """
UPDATE graduation_certificate SET owner = COALESCE(
    (SELECT p.client_id FROM graduation_certificate AS first
       JOIN partner_client AS p ON p.id = first.pushed_by
      WHERE first.number = graduation_certificate.number
        AND first.revision = (SELECT min(r.revision) FROM graduation_certificate AS r
                               WHERE r.number = graduation_certificate.number)),
    'bureau')
"""
RECEIVED_BY = """
UPDATE graduation_certificate SET received_by = COALESCE(
    (SELECT e.actor FROM audit_event AS e
      WHERE e.target_type = 'graduation_certificate'
        AND e.action IN ('graduation.receive', 'graduation.revise')
        AND e.target_id = graduation_certificate.number || '#'
                          || CAST(graduation_certificate.revision AS VARCHAR(12))
      ORDER BY e.seq LIMIT 1),
    (SELECT 'partner:' || p.client_id FROM partner_client AS p
      WHERE p.id = graduation_certificate.pushed_by),
    'unknown')
"""


def upgrade() -> None:
    op.create_table(
        "partner_school",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("school_credit_code", sa.String(length=18), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["partner_client.id"]),
        sa.PrimaryKeyConstraint("client_id", "school_credit_code"),
    )
    with op.batch_alter_table("partner_school", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partner_school_school_credit_code"), ["school_credit_code"], unique=False
        )
    with op.batch_alter_table("graduation_certificate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("received_by", sa.String(length=128), nullable=True))
    op.execute(FIRST_OWNER)
    op.execute(RECEIVED_BY)
    with op.batch_alter_table("graduation_certificate", schema=None) as batch_op:
        batch_op.alter_column("owner", existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column("received_by", existing_type=sa.String(length=128), nullable=False)
        batch_op.create_index(batch_op.f("ix_graduation_certificate_owner"), ["owner"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("graduation_certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_graduation_certificate_owner"))
        batch_op.drop_column("received_by")
        batch_op.drop_column("owner")
    with op.batch_alter_table("partner_school", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_school_school_credit_code"))
    op.drop_table("partner_school")
