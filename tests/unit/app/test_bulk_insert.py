"""Bulk inserts store exactly what SQLAlchemy's own executemany stores, on either database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import AuditEvent
from app.services.bulk_insert import insert_rows

AT = dt.datetime(2026, 11, 21, 8, 30, 0, 123456, tzinfo=dt.UTC)
COLUMNS = "occurred_at, actor, authority, action, target_type, target_id, reason, before, after"


def events(first: int, count: int) -> list[dict[str, Any]]:
    return [
        {
            "seq": first + n,
            "occurred_at": AT,  # the same in every row: converted once
            "actor": "clerk",
            "authority": None,
            "action": "test.bulk",
            "target_type": "thing",
            "target_id": str(n),
            "reason": "原因" if n % 2 else None,
            "before": None,
            "after": {"n": n, "名字": "张三", "list": [1, 2]},  # differs: converted per row
            "prev_hash": "0" * 64,
            "hash": f"{first + n:064x}",
        }
        for n in range(count)
    ]


def stored(session: Session, first: int, count: int) -> list[tuple[Any, ...]]:
    return [
        tuple(row)
        for row in session.execute(
            text(f"SELECT {COLUMNS} FROM audit_event WHERE seq >= :a AND seq < :b ORDER BY seq"),
            {"a": first, "b": first + count},
        )
    ]


def test_rows_are_stored_as_sqlalchemy_stores_them(session: Session) -> None:
    session.execute(insert(AuditEvent.__table__), events(1, 4))
    insert_rows(session, AuditEvent.__table__, events(101, 4))
    assert stored(session, 101, 4) == stored(session, 1, 4)  # the same text, dates and JSON
    read = session.scalars(select(AuditEvent).where(AuditEvent.seq >= 101).order_by(AuditEvent.seq)).all()
    assert [e.after for e in read] == [e["after"] for e in events(101, 4)]
    assert (
        read[1].occurred_at.replace(tzinfo=dt.UTC) == AT
        and read[1].reason == "原因"
        and read[0].reason is None
    )


def test_a_single_row_and_no_rows(session: Session) -> None:
    insert_rows(session, AuditEvent.__table__, [])
    insert_rows(session, AuditEvent.__table__, events(7, 1))
    assert session.get(AuditEvent, 7) is not None


def test_a_constraint_violation_is_raised_like_any_other(session: Session) -> None:
    insert_rows(session, AuditEvent.__table__, events(1, 2))
    with pytest.raises(IntegrityError):
        insert_rows(session, AuditEvent.__table__, events(2, 1))


def test_values_that_compare_equal_but_convert_differently_are_each_converted(session: Session) -> None:
    """[1] == [True] and 08:30+08:00 == 00:30 UTC, yet they are stored differently: each row
    keeps its own conversion, as SQLAlchemy's executemany gives it."""
    cst = dt.timezone(dt.timedelta(hours=8))
    rows = events(1, 2)
    rows[0] |= {"after": {"n": [1]}, "occurred_at": AT}
    rows[1] |= {"after": {"n": [True]}, "occurred_at": AT.astimezone(cst)}
    session.execute(insert(AuditEvent.__table__), rows)
    insert_rows(
        session,
        AuditEvent.__table__,
        [{**r, "seq": r["seq"] + 100, "hash": "f" + r["hash"][1:]} for r in rows],
    )
    assert stored(session, 101, 2) == stored(session, 1, 2)
