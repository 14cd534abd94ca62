"""What the staff pages of applications (办件) show: my queue, the search, one case with the steps
its viewer may take now, and the prospective case of the window intake form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import Session

from ...models import Application, ApplicationEvent, Certificate, GraduationCertificate, Staff
from ...models.enums import CaseStage, ServiceItem, Stage
from .. import access
from ..queries import Page, paginate
from .cases import STEPS, case_prerequisites, stage_needed
from .prerequisites import Prerequisite

WAITING = (CaseStage.ACCEPT, CaseStage.REVIEW, CaseStage.CONCLUDE)
"""Where a case waits for a staff member holding the stage of the same name."""


def _held(actor: Staff) -> Any:
    """The condition "waiting at a stage ``actor`` acts at" over applications."""
    pairs = [(item, stage) for item, stage in access.held_stages(actor) if stage in set(WAITING)]
    if not pairs:
        return false()
    return or_(*(and_(Application.item == item, Application.stage == stage) for item, stage in pairs))


def _queue(actor: Staff) -> Select[tuple[Application]]:
    return select(Application).where(Application.authority_id == actor.authority_id, _held(actor))


def queue(session: Session, actor: Staff, page: int = 1) -> Page[Application]:
    """Cases of ``actor``'s authority waiting at a stage ``actor`` may act on (an authority
    administrator: every stage), overdue first, then by deadline."""
    return paginate(session, _queue(actor), page, Application.due.asc().nulls_last(), Application.id)


def queue_count(session: Session, actor: Staff) -> int:
    """How many cases are in ``actor``'s queue (:func:`queue`)."""
    return session.scalar(select(func.count()).select_from(_queue(actor).subquery())) or 0


def for_certificate(session: Session, actor: Staff, certificate: Certificate) -> list[Application]:
    """The cases about (or producing) ``certificate`` that ``actor`` sees, newest first."""
    query = access.visible_applications(
        select(Application).where(Application.certificate_id == certificate.id), actor
    )
    return list(session.scalars(query.order_by(Application.submitted_at.desc(), Application.id.desc())))


def waiting_for_materials(session: Session, actor: Staff) -> int:
    """How many cases of ``actor``'s items at ``actor``'s authority wait for missing materials."""
    items = {item for item, _ in access.held_stages(actor)}
    return (
        session.scalar(
            select(func.count()).where(
                Application.authority_id == actor.authority_id,
                Application.stage == CaseStage.MATERIALS.value,
                Application.item.in_(items),
            )
        )
        or 0
    )


def search(
    session: Session, actor: Staff, text: str, stage: str = "", item: str = "", page: int = 1
) -> Page[Application]:
    """Cases ``actor`` sees, by case number, applicant name (part) or ID number, limited to one
    stage and one item if given; newest first."""
    query = access.visible_applications(select(Application), actor)
    text = text.strip()
    if text:
        query = query.where(
            or_(
                Application.case_number == text,
                Application.applicant_name.contains(text, autoescape=True),
                Application.applicant_id_number == text.upper(),
            )
        )
    if stage in {s.value for s in CaseStage}:
        query = query.where(Application.stage == stage)
    if item in {i.value for i in ServiceItem}:
        query = query.where(Application.item == item)
    return paginate(session, query, page, Application.submitted_at.desc(), Application.id.desc())


def offered_steps(session: Session, actor: Any, application: Application) -> list[str]:
    """The steps ``actor`` may take on ``application`` now, in the order of :data:`STEPS`: the
    case's stage allows them and ``actor`` holds the stage each needs (a grant only after an
    approving review)."""
    held = access.case_stages(session, actor, application)
    at = CaseStage(application.stage)
    return [
        name
        for name, definition in STEPS.items()
        if at in definition.starts
        and stage_needed(application, name) in held
        and not (name == "grant" and not application.review_approved)
    ]


@dataclass(frozen=True)
class Found:
    """A prerequisite with the record behind it, if staff may open one (a graduation certificate)."""

    prerequisite: Prerequisite
    graduation_id: int | None = None


@dataclass(frozen=True)
class CaseView:
    """Everything a case page shows besides the case itself."""

    prerequisites: list[Found]
    history: list[ApplicationEvent]
    certificate: Certificate | None
    """The certificate the case is about or produced, if ``actor`` may open its page."""
    missing: list[str]
    """The materials the last one-time notice asked for (while the case waits for them)."""


def case_view(session: Session, actor: Staff, application: Application, today: dt.date) -> CaseView:
    """What the page of ``application`` shows ``actor``."""
    found = []
    for prerequisite in case_prerequisites(session, application, today):
        graduation_id = None
        if prerequisite.code == "prerequisite_graduation" and prerequisite.found:
            graduation_id = session.scalar(
                select(GraduationCertificate.id).where(
                    GraduationCertificate.number == prerequisite.found,
                    GraduationCertificate.current.is_(True),
                )
            )
        found.append(Found(prerequisite, graduation_id))
    certificate = session.get(Certificate, application.certificate_id) if application.certificate_id else None
    if certificate is not None and not access.sees_certificate(session, actor, certificate):
        certificate = None
    history = list(application.events)
    missing: list[str] = []
    if application.stage == CaseStage.MATERIALS:
        notice = next((e for e in reversed(history) if e.action == "notify"), None)
        missing = list((notice.details or {}).get("missing", [])) if notice else []
    return CaseView(found, history, certificate, missing)


def window_stages(
    session: Session, actor: Staff, item: ServiceItem, certificate: Certificate | None = None
) -> set[Stage]:
    """The stages at which ``actor`` could act on a case of ``item`` (on ``certificate``) taken at
    the window now: the intake form needs ``accept``, the one-screen fast path all three."""
    return {stage for stage in Stage if access.may_act(session, actor, item, stage, certificate)}
