"""Searching the audit log for administrators: newest first, by authority, actor, action, outcome,
target and time, a page at a time.

Pages are keyed on ``seq`` (the chain's order, unique and never reused): the next page is the
events below the last one shown, so a page costs the same however deep it is and events written
meanwhile do not shift it. Each filter is a range of an index in that order (migration 0013).
What a user sees is limited by the one access policy (``access.visible_audit_events``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from ..models import AuditEvent, Authority, Certificate, Practitioner, Staff
from . import access
from .clock import start_of_day

PAGE_SIZE = 50
TARGET_MATCHES = 200
"""At most this many certificates or holders one target search stands for (a name shared by
more is narrowed by the other filters or by a number)."""
OUTCOMES = ("done", "refused")


@dataclass(frozen=True)
class AuditSearch:
    """What an administrator asks for; empty fields do not filter. Dates are days in China,
    both included."""

    authority: str = ""  # an authority's credit code
    actor: str = ""  # a staff member's account or (part of) his name, or any actor's exact name
    action: str = ""  # an action without its ``.refused`` ending: both outcomes match
    outcome: str = ""  # "done", "refused" or ""
    target: str = ""  # a certificate number, case number, holder's ID number or name, or any target id
    since: dt.date | None = None
    until: dt.date | None = None

    def as_params(self) -> dict[str, str]:
        """The search as query parameters (empty ones left out), for links to other pages."""
        values = {
            "authority": self.authority,
            "actor": self.actor,
            "action": self.action,
            "outcome": self.outcome,
            "target": self.target,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class AuditPage:
    """One page of events, newest first, and the ``seq`` to ask the next page ``below`` (``None``
    on the last page)."""

    events: Sequence[AuditEvent]
    below: int | None


def search(
    session: Session, actor: Staff, wanted: AuditSearch, *, below: int | None = None, size: int = PAGE_SIZE
) -> AuditPage:
    """The events ``actor`` may see that match ``wanted``, newest first, starting below event
    ``below`` (the previous page's ``below``)."""
    query = access.visible_audit_events(select(AuditEvent), actor)
    for condition in _conditions(session, wanted):
        query = query.where(condition)
    if below is not None:
        query = query.where(AuditEvent.seq < below)
    rows = session.scalars(query.order_by(AuditEvent.seq.desc()).limit(size + 1)).all()
    return AuditPage(rows[:size], rows[size - 1].seq if len(rows) > size else None)


def _conditions(session: Session, wanted: AuditSearch) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if wanted.authority:
        conditions.append(AuditEvent.authority == wanted.authority)
    if wanted.actor:
        conditions.append(_actor(wanted.actor.strip()))
    if wanted.action:
        if wanted.outcome == "done":
            conditions.append(AuditEvent.action == wanted.action)
        elif wanted.outcome == "refused":
            conditions.append(AuditEvent.action == f"{wanted.action}.refused")
        else:
            conditions.append(AuditEvent.action.in_((wanted.action, f"{wanted.action}.refused")))
    elif wanted.outcome == "refused":
        conditions.append(AuditEvent.action.endswith(".refused"))
    elif wanted.outcome == "done":
        conditions.append(~AuditEvent.action.endswith(".refused"))
    if wanted.target:
        conditions.append(_target(session, wanted.target.strip()))
    if wanted.since is not None:  # in UTC: SQLite would drop an offset, not convert it
        conditions.append(AuditEvent.occurred_at >= start_of_day(wanted.since))
    if wanted.until is not None:
        conditions.append(AuditEvent.occurred_at < start_of_day(wanted.until + dt.timedelta(days=1)))
    return conditions


def _actor(text: str) -> ColumnElement[bool]:
    """Events by the account ``text`` (any actor: staff, a partner, a holder's masked number) or by
    a staff member whose name contains ``text``."""
    named = select(Staff.username).where(Staff.display_name.contains(text, autoescape=True))
    return or_(AuditEvent.actor == text, AuditEvent.actor.in_(named))


def _target(session: Session, text: str) -> ColumnElement[bool]:
    """Events on the target ``text`` as recorded (a case number, a file, an account), on the
    certificates of that number, and on the certificates and the person of a holder with that ID
    number or name (a certificate is recorded by its id, a holder by his)."""
    holders = list(
        session.scalars(
            select(Practitioner.id)
            .where(or_(Practitioner.id_number == text.upper(), Practitioner.name == text))
            .limit(TARGET_MATCHES)
        )
    )
    certificates = list(
        session.scalars(
            select(Certificate.id)
            .where(
                or_(Certificate.number == text.upper(), Certificate.practitioner_id.in_(holders))
                if holders
                else Certificate.number == text.upper()
            )
            .limit(TARGET_MATCHES)
        )
    )
    found = [AuditEvent.target_id == text]
    if certificates:
        found.append(
            (AuditEvent.target_type == "certificate") & AuditEvent.target_id.in_(_texts(certificates))
        )
    if holders:
        found.append((AuditEvent.target_type == "practitioner") & AuditEvent.target_id.in_(_texts(holders)))
    return or_(*found)


def _texts(ids: Iterable[int]) -> list[str]:
    return [str(i) for i in ids]


@dataclass(frozen=True)
class Described:
    """What the page says of an event's target beside the recorded id: a certificate's number and
    holder, a holder's name."""

    number: str | None = None
    holder: str | None = None


def describe(session: Session, events: Sequence[AuditEvent]) -> dict[tuple[str, str], Described]:
    """The certificates and holders the events of one page are about, by (target type, id): a
    look-up each for the whole page. A holder is recorded by his row's id or by his ID number."""
    certificate_ids = {_row_id(e.target_id) for e in events if e.target_type == "certificate"} - {None}
    holders = [e.target_id for e in events if e.target_type == "practitioner"]
    holder_ids = {_row_id(t) for t in holders} - {None}
    id_numbers = {t for t in holders if len(t) == ID_NUMBER_LENGTH}
    described: dict[tuple[str, str], Described] = {}
    if certificate_ids:
        for cid, number, name in session.execute(
            select(Certificate.id, Certificate.number, Practitioner.name)
            .join(Practitioner, Certificate.practitioner_id == Practitioner.id)
            .where(Certificate.id.in_(certificate_ids))
        ):
            described["certificate", str(cid)] = Described(number, name)
    if holder_ids or id_numbers:
        for pid, number, name in session.execute(
            select(Practitioner.id, Practitioner.id_number, Practitioner.name).where(
                or_(Practitioner.id.in_(holder_ids), Practitioner.id_number.in_(id_numbers))
            )
        ):
            described["practitioner", str(pid)] = described["practitioner", number] = Described(number, name)
    return described


ID_NUMBER_LENGTH = 18
ROW_ID_MAX = 2**31 - 1
"""The largest row id (an INTEGER column on PostgreSQL): a longer run of digits is not one."""


def _row_id(target_id: str) -> int | None:
    """``target_id`` as a row's id, or ``None`` when it is not one (an ID number, a code)."""
    return int(target_id) if target_id.isdigit() and int(target_id) <= ROW_ID_MAX else None


def names(session: Session, events: Sequence[AuditEvent]) -> tuple[dict[str, str], dict[str, str]]:
    """(staff names by account, authority names by credit code) of the events of one page."""
    accounts = {e.actor for e in events}
    codes = {e.authority for e in events if e.authority}
    staff = (
        dict(
            session.execute(select(Staff.username, Staff.display_name).where(Staff.username.in_(accounts)))
            .tuples()
            .all()
        )
        if accounts
        else {}
    )
    bodies = (
        dict(
            session.execute(
                select(Authority.credit_code, Authority.name).where(Authority.credit_code.in_(codes))
            )
            .tuples()
            .all()
        )
        if codes
        else {}
    )
    return staff, bodies


def authorities_for(session: Session, actor: Staff) -> list[Authority]:
    """The authorities whose events ``actor`` may search (the filter's choices)."""
    if access.is_province(actor):
        return list(session.scalars(select(Authority).order_by(Authority.region_code, Authority.id)))
    return [actor.authority]
