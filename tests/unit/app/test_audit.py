"""The audit log's hash chain: intact, edited, deleted in the middle, deleted at the end."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, select, text, update

from app.db import get_session
from app.models import AuditEvent
from app.services.audit import event_hash, record, record_many


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
        event.reason = "forged"
        event.hash = event_hash(event.prev_hash, event)
        session.commit()
        session.execute(text("SELECT 1"))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "head does not match" in result.output


def test_the_hash_format_never_changes() -> None:
    """Every stored event was hashed as SHA-256 of the previous hash, a line break and the
    canonical JSON (sorted keys, no spaces, UTF-8, UTC time with microseconds)."""
    event = {
        "seq": 7,
        "actor": "clerk",
        "authority": "11370100MB00000007",
        "action": "certificate.issue",
        "target_type": "certificate",
        "target_id": "42",
        "reason": None,
        "before": None,
        "after": {
            "state": "active",
            "holder_name": "张三明",
            "categories": [1, 2],
            "valid_from": "2026-11-21",
        },
        "occurred_at": dt.datetime(2026, 11, 21, 8, 30, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=8))),
    }
    canonical = (
        '{"action":"certificate.issue","actor":"clerk","after":{"categories":[1,2],"holder_name":"张三明",'
        '"state":"active","valid_from":"2026-11-21"},"authority":"11370100MB00000007","before":null,'
        '"occurred_at":"2026-11-21T00:30:00.123456+00:00","reason":null,"seq":7,"target_id":"42",'
        '"target_type":"certificate"}'
    )
    expected = hashlib.sha256(("0" * 64 + "\n" + canonical).encode()).hexdigest()
    assert expected == "8acf813bb091ca2d75ebd64bf8f671199a0e0a1077210a1f7aee7eea61d2bdff"
    assert event_hash("0" * 64, event) == expected
    assert (
        event_hash("0" * 64, {**event, "occurred_at": dt.datetime(2026, 11, 21, 0, 30, 0, 123456)})
        == expected
    )


def test_events_recorded_together_chain_like_single_ones(app: Flask, runner: FlaskCliRunner) -> None:
    write_events(app, 2)
    with app.app_context():
        session = get_session()
        events = [
            {
                "actor": "clerk",
                "action": "test.batch",
                "target_type": "thing",
                "target_id": str(n),
                "after": {"n": n},
            }
            for n in range(3)
        ]
        record_many(session, events, at=dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC))
        session.commit()
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
        for before, row in itertools.pairwise(rows):
            assert row.prev_hash == before.hash and row.hash == event_hash(row.prev_hash, row)
        assert rows[2].reason is None and rows[2].after == {"n": 0}
    write_events(app, 1)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "audit log intact: 6 events" in result.output


def test_windows_below_one_another_check_what_the_whole_walk_checks(app: Flask) -> None:
    """A page checks a bounded window; the windows below it, one after another, find every break
    the whole walk finds, a deleted event at a window's edge included."""
    from app.services.audit import check_window, verify_chain

    write_events(app, 9)
    with app.app_context():
        session = get_session()
        session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(reason="changed"))
        session.execute(delete(AuditEvent).where(AuditEvent.seq == 6))
        session.commit()
        newest = check_window(session, size=3)
        assert (newest.first, newest.last, newest.head) == (7, 9, 9)
        assert [(p.seq, p.code) for p in newest.problems] == [(6, "chain_missing"), (7, "chain_unlinked")]
        found, below = [], None
        while True:
            window = check_window(session, below=below, size=3)
            found += [(p.seq, p.code) for p in window.problems]
            if not window.older:
                break
            below = window.first
        assert (2, "chain_edited") in found and (6, "chain_missing") in found
        whole = {p.seq for p in verify_chain(session)[1]}
        assert whole <= {seq for seq, _ in found}
