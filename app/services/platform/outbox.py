"""The outbox as staff and the command line see it: how many messages wait and for how long, the
dead letters, sending a dead message again, and reconciling our connected cases with what the
platform says it holds. What each user sees is the access policy's
(:func:`app.services.access.visible_platform_messages`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, joinedload

from ...models import Application, PlatformMessage, Staff
from ...models.enums import MessageState
from .. import access
from ..audit import record
from ..clock import start_of_day
from ..errors import NotFound, RuleViolation
from ..unit_of_work import step

PENDING, SENT, DEAD = MessageState.PENDING.value, MessageState.SENT.value, MessageState.DEAD.value
DEAD_LETTERS_SHOWN = 200


@dataclass(frozen=True)
class Status:
    """How the outbox stands."""

    pending: int
    dead: int
    sent: int
    oldest_pending: dt.datetime | None
    """When the oldest message still waiting was written (``None``: none waits)."""

    def oldest_age(self, now: dt.datetime) -> dt.timedelta | None:
        """How long the oldest waiting message has waited."""
        if self.oldest_pending is None:
            return None
        oldest = self.oldest_pending
        if oldest.tzinfo is None:  # SQLite keeps no zone; the value was written in UTC
            oldest = oldest.replace(tzinfo=dt.UTC)
        return max(now - oldest, dt.timedelta())


def _scoped(query: Select[Any], actor: Staff | None) -> Select[Any]:
    return query if actor is None else access.visible_platform_messages(query, actor)


def status(session: Session, actor: Staff | None = None) -> Status:
    """The counts by state and the oldest waiting message: of every message (``actor`` ``None``:
    the command line), or of those ``actor`` sees."""
    state = PlatformMessage.state
    query = select(
        func.count().filter(state == PENDING),
        func.count().filter(state == DEAD),
        func.count().filter(state == SENT),
        func.min(case((state == PENDING, PlatformMessage.created_at))),
    ).select_from(PlatformMessage)
    pending, dead, sent, oldest = session.execute(_scoped(query, actor)).one()
    return Status(pending, dead, sent, oldest)


def dead_letters(
    session: Session, actor: Staff | None = None, limit: int = DEAD_LETTERS_SHOWN
) -> list[PlatformMessage]:
    """The dead messages (newest first), of those ``actor`` sees."""
    query = (
        select(PlatformMessage)
        .where(PlatformMessage.state == DEAD)
        .options(joinedload(PlatformMessage.application))
        .order_by(PlatformMessage.next_attempt_at.desc(), PlatformMessage.id.desc())
        .limit(limit)
    )
    return list(session.scalars(_scoped(query, actor)))


def retry(session: Session, actor: Staff, message_id: int, now: dt.datetime) -> PlatformMessage:
    """Send a dead message again: pending, due now, its attempts counted afresh (audited as
    ``platform.retry``). The case's later messages follow it once it is delivered."""
    with step(session):
        message = session.get(PlatformMessage, message_id, with_for_update=True)
        if message is None or not access.sees_platform_message(actor, message):
            raise NotFound("no such message", code="platform_message_not_found")
        if message.state != DEAD:
            raise RuleViolation("the message is not dead", code="platform_message_not_dead")
        last_error, attempts = message.last_error, message.attempts
        message.state = PENDING
        message.attempts = 0
        message.next_attempt_at = now
        message.last_error = None
        record(
            session,
            actor=actor.username,
            action="platform.retry",
            target_type="platform_message",
            target_id=message.idempotency_key,
            authority=message.application.authority.credit_code,
            before={"state": DEAD, "attempts": attempts, "last_error": (last_error or "")[:200]},
            after={"state": PENDING},
            at=now,
        )
        session.flush()
    return message


@dataclass(frozen=True)
class Difference:
    """One case on which we and the platform disagree."""

    case_number: str
    kind: str
    """``missing_there`` (the platform has not heard of it), ``behind`` (it lacks our later
    steps), ``ahead`` (it holds steps we never sent), ``unknown_here`` (we have no such connected
    case), ``stage_differs`` (the same last step, another stage)."""
    ours: int | None
    theirs: int | None
    our_stage: str | None = None
    their_stage: str | None = None
    waiting: int = 0
    """Our messages of the case not yet delivered (pending or dead): they explain a ``behind``."""


def reconcile(session: Session, since: dt.date, theirs: Iterable[Mapping[str, Any]]) -> list[Difference]:
    """Compare our connected cases with a message written since ``since`` (and the cases the
    platform names) with what the platform holds (``theirs``: case number, last sequence, stage)."""
    platform = {str(c["case_number"]): c for c in theirs}
    recent = select(PlatformMessage.case_number).where(PlatformMessage.created_at >= start_of_day(since))
    state = PlatformMessage.state
    rows = session.execute(
        select(
            PlatformMessage.case_number,
            func.max(PlatformMessage.sequence),
            func.count().filter(state != SENT),
            Application.stage,
        )
        .join(Application, Application.id == PlatformMessage.application_id)
        .where(Application.connected.is_(True))
        .where(PlatformMessage.case_number.in_(recent) | PlatformMessage.case_number.in_(list(platform)))
        .group_by(PlatformMessage.case_number, Application.stage)
    ).all()
    differences: list[Difference] = []
    ours = {row[0]: row for row in rows}
    for number, last, waiting, stage in sorted(rows):
        there = platform.get(number)
        if there is None:
            differences.append(Difference(number, "missing_there", last, None, stage, None, waiting))
            continue
        their_last, their_stage = int(there["last_sequence"]), str(there.get("stage") or "")
        if their_last != last:
            kind = "behind" if their_last < last else "ahead"
            differences.append(Difference(number, kind, last, their_last, stage, their_stage, waiting))
        elif their_stage != stage:
            differences.append(
                Difference(number, "stage_differs", last, their_last, stage, their_stage, waiting)
            )
    for number in sorted(set(platform) - set(ours)):
        there = platform[number]
        differences.append(
            Difference(
                number, "unknown_here", None, int(there["last_sequence"]), None, str(there.get("stage") or "")
            )
        )
    return differences
