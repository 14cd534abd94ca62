"""Indexes for searching the audit log, newest first, by authority, actor, action and time.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 17:00:00.000000

Each filter of the audit page is a range of one index in the page's order (``seq`` descending),
so a page of a filtered search reads about as many rows as it shows. The index on ``action`` alone
becomes one on (``action``, ``seq``), which serves the same look-ups.
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_audit_event_action", table_name="audit_event")
    op.create_index("ix_audit_event_action_seq", "audit_event", ["action", "seq"])
    op.create_index("ix_audit_event_authority_seq", "audit_event", ["authority", "seq"])
    op.create_index("ix_audit_event_actor_seq", "audit_event", ["actor", "seq"])
    op.create_index("ix_audit_event_occurred_at", "audit_event", ["occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_audit_event_occurred_at", table_name="audit_event")
    op.drop_index("ix_audit_event_actor_seq", table_name="audit_event")
    op.drop_index("ix_audit_event_authority_seq", table_name="audit_event")
    op.drop_index("ix_audit_event_action_seq", table_name="audit_event")
    op.create_index("ix_audit_event_action", "audit_event", ["action"])
