"""Read-only views of the registry for staff: dashboard counts, search, history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from ..models import AuditEvent, Certificate, CertificateVersion, LegacyCertificate, Practitioner, Staff
from .access import visible_certificates
from .certificates.state import LIVE, shown_state_sql
from .clock import start_of_day
from .verification import VIEW_ACTION

PAGE_SIZE = 20


@dataclass(frozen=True)
class Dashboard:
    """Counts by state and the certificates expiring soon."""

    counts: dict[str, int]
    expiring: list[Certificate]


def dashboard(session: Session, actor: Staff, today: dt.date, days: int = 30) -> Dashboard:
    """Counts by shown state (expired ones as expired), and live certificates whose validity ends
    within ``days``."""
    shown = shown_state_sql(today)
    rows = session.execute(visible_certificates(select(shown, func.count()).group_by(shown), actor))
    counts = {state: int(n) for state, n in rows}
    expiring = session.scalars(
        visible_certificates(select(Certificate), actor)
        .where(
            Certificate.state.in_(LIVE),
            Certificate.valid_until.between(today, today + dt.timedelta(days=days)),
        )
        .order_by(Certificate.valid_until)
        .limit(50)
    ).all()
    counts["expiring"] = len(expiring)
    return Dashboard(counts, list(expiring))


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results."""

    items: list[T]
    page: int
    pages: int
    total: int


def paginate(session: Session, query: Select[tuple[T]], page: int, *order: Any) -> Page[T]:
    """Page ``page`` (clamped to the pages there are) of ``query`` in ``order``, PAGE_SIZE a page."""
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    items = session.scalars(query.order_by(*order).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return Page(list(items), page, pages, total)


def search(session: Session, actor: Staff, text: str, page: int = 1) -> Page[Certificate]:
    """Certificates by holder name (part), ID number, certificate number or identifier."""
    query = visible_certificates(select(Certificate).join(Practitioner), actor)
    text = text.strip()
    if text:
        query = query.where(
            or_(
                Practitioner.name.contains(text, autoescape=True),
                Practitioner.id_number == text.upper(),
                Certificate.number == text.upper(),
                Certificate.id.in_(
                    select(CertificateVersion.certificate_id).where(CertificateVersion.identifier == text)
                ),
            )
        )
    return paginate(session, query, page, Certificate.updated_at.desc(), Certificate.id.desc())


def events(session: Session, certificate: Certificate) -> list[AuditEvent]:
    """The certificate's audit events, newest first."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.target_type == "certificate", AuditEvent.target_id == str(certificate.id))
            .order_by(AuditEvent.seq.desc())
        )
    )


@dataclass(frozen=True)
class Check:
    """One certificate an inspector checked signed in (so saw the full record of): when, and
    whose: an electronic certificate, or a paper or IC-card one (``legacy``)."""

    at: dt.datetime
    certificate: Certificate | None  # None if the certificate is no longer there
    legacy: LegacyCertificate | None = None


CHECK_ACTION = VIEW_ACTION
"""The audit event a signed-in inspector's check leaves (``app.services.verification``)."""


def checks_on(session: Session, inspector: Staff, day: dt.date, limit: int = 200) -> list[Check]:
    """The checks ``inspector`` made on ``day`` (a date in China), newest first, from the audit log:
    scanned codes and certificates checked by number and name, electronic or paper."""
    start = start_of_day(day)  # in UTC: SQLite would drop an offset (the day would start 8 hours late)
    events = session.execute(
        select(AuditEvent.occurred_at, AuditEvent.target_type, AuditEvent.target_id)
        .where(
            AuditEvent.actor == inspector.username,
            AuditEvent.action == CHECK_ACTION,
            AuditEvent.target_type.in_(("certificate", "legacy_certificate")),
            AuditEvent.occurred_at >= start,
            AuditEvent.occurred_at < start + dt.timedelta(days=1),
        )
        .order_by(AuditEvent.seq.desc())
        .limit(limit)
    ).all()
    ids = {int(target) for _, kind, target in events if kind == "certificate" and target.isdigit()}
    numbers = {target for _, kind, target in events if kind == "legacy_certificate"}
    found = (
        {c.id: c for c in session.scalars(select(Certificate).where(Certificate.id.in_(ids)))} if ids else {}
    )
    paper = (
        {
            c.number: c
            for c in session.scalars(select(LegacyCertificate).where(LegacyCertificate.number.in_(numbers)))
        }
        if numbers
        else {}
    )
    return [
        Check(at, None, paper.get(target))
        if kind == "legacy_certificate"
        else Check(at, found.get(int(target)) if target.isdigit() else None)
        for at, kind, target in events
    ]
