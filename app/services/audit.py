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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from ..models.audit import GENESIS_HASH, AuditEvent, AuditHead
from .bulk_insert import insert_rows


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


HASHED = ("seq", "actor", "authority", "action", "target_type", "target_id", "reason", "before", "after")


def event_hash(prev_hash: str, event: AuditEvent | Mapping[str, Any]) -> str:
    """The hash of ``event`` (a row or its column values) chained to ``prev_hash``: canonical
    JSON of every field."""
    get: Callable[[str], Any] = event.get if isinstance(event, Mapping) else lambda name: getattr(event, name)
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
    """One break in the chain: where, what is wrong (for logs), and its catalogue code (for
    people: ``chain_missing``, ``chain_unlinked``, ``chain_edited``, ``chain_head``,
    ``checkpoint_unverified``, ``checkpoint_truncated``, ``checkpoint_rewritten``)."""

    seq: int
    problem: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


def _walk(
    rows: Iterable[Mapping[Any, Any]], prev_hash: str, expected_seq: int, problems: list[ChainProblem]
) -> tuple[str, int, int]:
    """Check ``rows`` (the columns of events, ascending: :func:`_columns`) against the chain so
    far — the hash ``prev_hash`` of the event before them, and the sequence number ``expected_seq``
    the first should have — appending what is wrong to ``problems``; the chain after them: (last
    hash, next expected seq, events seen)."""
    count = 0
    for event in rows:
        count += 1
        seq = event["seq"]
        if seq != expected_seq:
            problems.append(
                ChainProblem(
                    expected_seq,
                    f"events {expected_seq}..{seq - 1} are missing",
                    "chain_missing",
                    {"first": expected_seq, "last": seq - 1},
                )
            )
        if event["prev_hash"] != prev_hash:
            problems.append(ChainProblem(seq, "does not link to the event before it", "chain_unlinked"))
        if event_hash(event["prev_hash"], event) != event["hash"]:
            problems.append(
                ChainProblem(seq, "was edited: its hash does not match its content", "chain_edited")
            )
        prev_hash, expected_seq = event["hash"], seq + 1
    return prev_hash, expected_seq, count


def _columns() -> Select[Any]:
    """The columns the chain is checked with, as plain rows (entities would take three times as
    long to load)."""
    return select(*(getattr(AuditEvent, name) for name in (*HASHED, "occurred_at", "prev_hash", "hash")))


def _check_head(session: Session, last_seq: int, last_hash: str, problems: list[ChainProblem]) -> None:
    head = session.get(AuditHead, 1)
    if head is None:
        problems.append(ChainProblem(0, "the audit head row is missing", "chain_head"))
    elif head.seq != last_seq or head.hash != last_hash:
        problems.append(
            ChainProblem(head.seq, "the newest events were deleted (head does not match)", "chain_head")
        )


def verify_chain(session: Session, *, batch: int = 5000) -> tuple[int, list[ChainProblem]]:
    """Walk the whole log; return (events checked, problems). Finds edited rows (hash mismatch),
    deleted rows (a gap in ``seq`` or a broken link) and deleted newest rows (head mismatch)."""
    problems: list[ChainProblem] = []
    prev_hash, expected_seq, count = GENESIS_HASH, 1, 0
    while True:
        rows = (
            session.execute(
                _columns().where(AuditEvent.seq >= expected_seq).order_by(AuditEvent.seq).limit(batch)
            )
            .mappings()
            .all()
        )
        if not rows:
            break
        prev_hash, expected_seq, seen = _walk(rows, prev_hash, expected_seq, problems)
        count += seen
        session.expunge_all()  # as it always did: the caller's objects are detached
    _check_head(session, expected_seq - 1, prev_hash, problems)
    return count, problems


@dataclass(frozen=True)
class ChainWindow:
    """The result of checking the events ``first`` to ``last`` of a chain whose head is ``head``:
    each event's hash recomputed, each linked to the one before (event ``first`` to the stored
    hash of event ``first - 1``), and the head matched when ``last`` is the newest."""

    first: int
    last: int
    head: int
    problems: list[ChainProblem]

    @property
    def intact(self) -> bool:
        """No problem found in the window."""
        return not self.problems

    @property
    def older(self) -> int:
        """How many events lie before the window (not checked by it)."""
        return max(self.first - 1, 0)


def check_window(session: Session, *, below: int | None = None, size: int = 5000) -> ChainWindow:
    """Check at most ``size`` events: the newest, or those just below event ``below``. Bounded work
    (one indexed range read and ``size`` hashes), so a page can afford it; consecutive windows
    (each ``below`` the previous one's ``first``) together check what :func:`verify_chain` checks."""
    head = session.get(AuditHead, 1)
    head_seq = head.seq if head is not None else 0
    top = head_seq if below is None else min(below - 1, head_seq)
    low = max(top - size + 1, 1)
    problems: list[ChainProblem] = []
    if top < 1:
        if below is None:
            _check_head(session, 0, GENESIS_HASH, problems)
        return ChainWindow(0, 0, head_seq, problems)
    prev_hash = GENESIS_HASH
    if low > 1:
        before = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == low - 1))
        if before is None:
            problems.append(
                ChainProblem(
                    low - 1,
                    f"event {low - 1} is missing",
                    "chain_missing",
                    {"first": low - 1, "last": low - 1},
                )
            )
            before = ""
        prev_hash = before
    rows = (
        session.execute(
            _columns().where(AuditEvent.seq >= low, AuditEvent.seq <= top).order_by(AuditEvent.seq)
        )
        .mappings()
        .all()
    )
    last_hash, expected, _ = _walk(rows, prev_hash, low, problems)
    if expected <= top:
        problems.append(
            ChainProblem(
                expected,
                f"events {expected}..{top} are missing",
                "chain_missing",
                {"first": expected, "last": top},
            )
        )
    if top == head_seq:
        _check_head(session, expected - 1, last_hash, problems)
    return ChainWindow(low, top, head_seq, sorted(problems, key=lambda p: p.seq))
