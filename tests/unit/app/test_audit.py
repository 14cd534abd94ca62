"""The audit log's hash chain: intact, edited, deleted in the middle, deleted at the end."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, text, update

from app.db import get_session
from app.models import AuditEvent
from app.services.audit import record


def write_events(app: Flask, count: int) -> None:
    with app.app_context():
        session = get_session()
        for n in range(count):
            record(
                session,
                actor="clerk",
                action="test.event",
                target_type="thing",
                target_id=str(n),
                reason="原因",
                before={"n": n},
                after={"n": n + 1, "名字": "张三"},
            )
            session.commit()


def test_intact_chain(app: Flask, runner: FlaskCliRunner) -> None:
    write_events(app, 5)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "audit log intact: 5 events" in result.output


def test_edited_row_is_found(app: Flask, runner: FlaskCliRunner) -> None:
    write_events(app, 5)
    with app.app_context():
        session = get_session()
        session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(reason="changed"))
        session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "event 3: was edited" in result.output


def test_deleted_row_is_found(app: Flask, runner: FlaskCliRunner) -> None:
    write_events(app, 5)
    with app.app_context():
        session = get_session()
        session.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
        session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "events 2..2 are missing" in result.output and "event 3: does not link" in result.output


def test_deleted_newest_rows_are_found(app: Flask, runner: FlaskCliRunner) -> None:
    write_events(app, 5)
    with app.app_context():
        session = get_session()
        session.execute(delete(AuditEvent).where(AuditEvent.seq >= 4))
        session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "newest events were deleted" in result.output


def test_rehashed_forgery_is_found_by_the_head(app: Flask, runner: FlaskCliRunner) -> None:
    """Someone who edits the last row and recomputes its hash still leaves the head behind."""
    write_events(app, 3)
    with app.app_context():
        session = get_session()
        event = session.get(AuditEvent, 3)
        assert event is not None
        from app.services.audit import event_hash

        event.reason = "forged"
        event.hash = event_hash(event.prev_hash, event)
        session.commit()
        session.execute(text("SELECT 1"))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "head does not match" in result.output
