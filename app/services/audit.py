"""Writing and checking the hash-chained audit log.

Appending first bumps the single ``audit_head`` row (``UPDATE … RETURNING``), which takes the
database's write lock on SQLite and a row lock on PostgreSQL, so concurrent writers chain one
after another. The event is written in the caller's transaction: it commits with the change it
records, or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models.audit import GENESIS_HASH, AuditEvent, AuditHead
from .bulk_insert import insert_rows


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


HASHED = ("seq", "actor", "authority", "action", "target_type", "target_id", "reason", "before", "after")


def event_hash(prev_hash: str, event: AuditEvent | dict[str, Any]) -> str:
    """The hash of ``event`` (a row or its column values) chained to ``prev_hash``: canonical
    JSON of every field."""
    get: Callable[[str], Any] = event.get if isinstance(event, dict) else lambda name: getattr(event, name)
    body = {name: get(name) for name in HASHED}
    return _chained_hash(prev_hash, body, _utc(get("occurred_at")).isoformat(timespec="microseconds"))


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _chained_hash(prev_hash: str, body: dict[str, Any], occurred_at: str) -> str:
    """SHA-256 of ``prev_hash``, a line break and the canonical JSON of ``body`` (the
    :data:`HASHED` fields) with ``occurred_at`` (UTC, ISO 8601 with microseconds)."""
    body["occurred_at"] = occurred_at
    return hashlib.sha256(f"{prev_hash}\n{_CANONICAL.encode(body)}".encode()).hexdigest()


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    authority: str | None = None,
    reason: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Append one event in the caller's transaction (not committed here)."""
    event = {
        "actor": actor,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "authority": authority,
        "reason": reason,
        "before": before,
        "after": after,
    }
    record_many(session, [event], at=at or dt.datetime.now(dt.UTC))


def record_many(session: Session, events: list[dict[str, Any]], *, at: dt.datetime) -> None:
    """Append many events at once (same fields as :func:`record`), chained in order."""
    if not events:
        return
    last_seq, prev_hash = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=AuditHead.seq + len(events))
        .returning(AuditHead.seq, AuditHead.hash)
    ).one()
    occurred = _utc(at)
    occurred_text = occurred.isoformat(timespec="microseconds")
    rows = []
    first = last_seq - len(events) + 1
    for offset, fields in enumerate(events):
        row = {
            "reason": None,
            "before": None,
            "after": None,
            "authority": None,
            **fields,
            "seq": first + offset,
            "occurred_at": occurred,
            "prev_hash": prev_hash,
        }
        body = {name: row[name] for name in HASHED}
        row["hash"] = prev_hash = _chained_hash(prev_hash, body, occurred_text)
        rows.append(row)
    insert_rows(session, AuditEvent.__table__, rows)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=prev_hash))


@dataclass(frozen=True)
class ChainProblem:
    """One break in the chain: where, and what is wrong."""

    seq: int
    problem: str


def verify_chain(session: Session, *, batch: int = 5000) -> tuple[int, list[ChainProblem]]:
    """Walk the whole log; return (events checked, problems). Finds edited rows (hash mismatch),
    deleted rows (a gap in ``seq`` or a broken link) and deleted newest rows (head mismatch)."""
    problems: list[ChainProblem] = []
    prev_hash, expected_seq, count = GENESIS_HASH, 1, 0
    last_seq = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            break
        for event in rows:
            count += 1
            if event.seq != expected_seq:
                problems.append(
                    ChainProblem(expected_seq, f"events {expected_seq}..{event.seq - 1} are missing")
                )
            if event.prev_hash != prev_hash:
                problems.append(ChainProblem(event.seq, "does not link to the event before it"))
            if event_hash(event.prev_hash, event) != event.hash:
                problems.append(ChainProblem(event.seq, "was edited: its hash does not match its content"))
            prev_hash, expected_seq, last_seq = event.hash, event.seq + 1, event.seq
        session.expunge_all()
    head = session.get(AuditHead, 1)
    if head is None:
        problems.append(ChainProblem(0, "the audit head row is missing"))
    elif head.seq != last_seq or head.hash != prev_hash:
        problems.append(ChainProblem(head.seq, "the newest events were deleted (head does not match)"))
    return count, problems
