"""The one access policy: who may do what, on which object, and which objects each user sees.

Two questions, answered only here:

* **May this user do this?** :func:`require` (raising) and :func:`decide` (returning the reason)
  check, in order: an active account; a role that acts on certificates; for renewing, reissuing,
  changing and cancelling a certificate, that the user's authority issued it (谁核发、谁换发、
  谁补发、谁注销); that the user's authority is the implementing body of the service item in the
  region concerned — the certificate issuer's region for an existing certificate, so the body that
  suspends and revokes there (a transport bureau, where an approval bureau issues) may do so — (一事项
  一实施主体); and for a clerk, a grant for the item and stage.
* **Which objects may this user see?** :func:`sees_certificate` and the query filters
  :func:`visible_certificates`, :func:`visible_graduation_certificates` and
  :func:`visible_photos`: province staff see the province; an authority sees what it issued and
  what it may suspend or revoke (and, for graduation certificates, its region's schools). In the
  audit log (:func:`visible_audit_events`) administrators see their own authority's events, the
  province administrator every event.

Pages are grouped in :class:`Area`; :func:`may_enter` says which roles enter each. The web layer's
decorators (``app.web.guards``) ask these functions and nothing else.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from ..models import (
    Application,
    AuditEvent,
    Authority,
    Certificate,
    GraduationCertificate,
    HolderPhoto,
    PlatformMessage,
    ServiceItemAssignment,
    Staff,
)
from ..models.enums import Role, ServiceItem, Stage
from .authorities import implementing_authority
from .errors import DomainError, PermissionDenied

ACTING_ROLES = frozenset({Role.AUTHORITY_ADMIN, Role.CLERK})
ISSUER_ONLY = frozenset({ServiceItem.RENEW, ServiceItem.REISSUE, ServiceItem.CHANGE, ServiceItem.CANCEL})
"""Items only the issuing authority does on its certificates (谁核发、谁换发、谁补发、谁注销)."""
PENALTIES = (ServiceItem.SUSPEND.value, ServiceItem.REVOKE.value)
"""Items the implementing body of the issuer's region does, whoever issued (暂扣、吊销)."""
HOLDER = "holder"
"""The role name a holder account answers with (holders are not staff)."""


class Area(StrEnum):
    """A group of pages with the same audience."""

    CERTIFICATES = "certificates"  # search, certificate pages, issue, batches, photos, graduation
    STAFF = "staff"  # staff accounts of one's authority
    SERVICE_ITEMS = "service_items"  # which body implements which item where
    PARTNERS = "partners"  # partner systems and their secrets
    INSPECTION = "inspection"  # full records behind a verified code
    PLATFORM = "platform"  # messages for the government service platform: status, dead letters
    AUDIT = "audit"  # the audit log: events and the chain's verification


AREA_ROLES: dict[Area, frozenset[Role]] = {
    Area.CERTIFICATES: frozenset({Role.PROVINCE_ADMIN, Role.AUTHORITY_ADMIN, Role.CLERK}),
    Area.STAFF: frozenset({Role.PROVINCE_ADMIN, Role.AUTHORITY_ADMIN}),
    Area.SERVICE_ITEMS: frozenset({Role.PROVINCE_ADMIN, Role.AUTHORITY_ADMIN, Role.CLERK}),
    Area.PARTNERS: frozenset({Role.PROVINCE_ADMIN}),
    Area.INSPECTION: frozenset({Role.INSPECTOR}),
    Area.PLATFORM: frozenset({Role.PROVINCE_ADMIN, Role.AUTHORITY_ADMIN}),
    Area.AUDIT: frozenset({Role.PROVINCE_ADMIN, Role.AUTHORITY_ADMIN}),
}
"""Who enters each area (changing what is there may need more, e.g. service items: the province)."""


def may_enter(actor: Any, area: Area) -> bool:
    """Whether ``actor`` (a staff member, a holder or nobody) may open the pages of ``area``."""
    return isinstance(actor, Staff) and actor.active and Role(actor.role) in AREA_ROLES[area]


def is_province(actor: Staff) -> bool:
    """Whether ``actor`` works for the province (sees and configures the whole province)."""
    return actor.role == Role.PROVINCE_ADMIN or actor.authority.level == "province"


def may_configure_items(actor: Staff) -> bool:
    """Only the province administrator assigns service items to authorities."""
    return actor.active and actor.role == Role.PROVINCE_ADMIN


def decide(
    session: Session,
    actor: Staff,
    item: ServiceItem,
    certificate: Certificate | None = None,
    stage: Stage = Stage.CONCLUDE,
) -> PermissionDenied | None:
    """``None`` if ``actor`` may do ``item`` at ``stage`` (on ``certificate``), else the refusal."""
    if not actor.active:
        return PermissionDenied("the account is deactivated", code="inactive")
    if actor.role not in ACTING_ROLES:
        return PermissionDenied(f"role {actor.role} does not act on certificates", code="role")
    if certificate is not None and item in ISSUER_ONLY and certificate.authority_id != actor.authority_id:
        return PermissionDenied(
            "only the issuing authority may act on its certificates",
            code="other_authority",
            issuer=certificate.authority.name,
        )
    region = (certificate.authority if certificate is not None else actor.authority).region_code
    body = implementing_authority(session, region, item)
    if body.id != actor.authority_id:
        return PermissionDenied(
            f"{item} in this region is implemented by {body.name}", code="not_implementing", body=body.name
        )
    if actor.role == Role.CLERK and not any(
        p.item == item.value and p.stage == stage.value for p in actor.permissions
    ):
        return PermissionDenied(
            f"no permission for {item} ({stage})", code="no_permission", item=item.value, stage=stage.value
        )
    return None


def may_act(
    session: Session,
    actor: Any,
    item: ServiceItem,
    stage: Stage = Stage.CONCLUDE,
    certificate: Certificate | None = None,
) -> bool:
    """Whether :func:`decide` lets ``actor`` do ``item`` at ``stage`` now (no for anyone but staff,
    and where the item is unassigned or doubly assigned), so pages offer only what he may do."""
    if not isinstance(actor, Staff):
        return False
    try:
        return decide(session, actor, item, certificate, stage) is None
    except DomainError:  # the item is unassigned or doubly assigned in the region
        return False


def require(
    session: Session,
    actor: Staff,
    item: ServiceItem,
    certificate: Certificate | None = None,
    stage: Stage = Stage.CONCLUDE,
    *,
    action: str,
    target: tuple[str, str],
) -> None:
    """Raise the refusal of :func:`decide`, carrying the audit event that records the attempt
    (``action`` + ``.refused`` on ``target``), which the unit of work writes."""
    _raise_recorded(decide(session, actor, item, certificate, stage), actor, action, target)


def _raise_recorded(
    refusal: PermissionDenied | None, actor: Staff, action: str, target: tuple[str, str]
) -> None:
    if refusal is not None:
        refusal.refusal = {
            "actor": actor.username,
            "action": f"{action}.refused",
            "target_type": target[0],
            "target_id": target[1],
            "authority": actor.authority.credit_code,
            "reason": refusal.code,
        }
        raise refusal


def decide_case(
    session: Session, actor: Staff, application: Application, stage: Stage
) -> PermissionDenied | None:
    """``None`` if ``actor`` may act on ``application`` at ``stage``: staff of the case's
    implementing authority, which must still be the one body for the item in the region (checked
    on every case), holding the item and stage — the rule of :func:`decide`, on the certificate
    the case is about, if any."""
    if actor.authority_id != application.authority_id:
        return PermissionDenied(
            "the case is handled by another authority",
            code="other_authority_case",
            body=application.authority.name,
        )
    certificate = session.get(Certificate, application.certificate_id) if application.certificate_id else None
    return decide(session, actor, ServiceItem(application.item), certificate, stage)


def require_case(
    session: Session, actor: Staff, application: Application, stage: Stage, *, action: str
) -> None:
    """Raise the refusal of :func:`decide_case`, recording the attempt (as :func:`require`)."""
    _raise_recorded(
        decide_case(session, actor, application, stage),
        actor,
        action,
        ("application", application.case_number),
    )


def case_stages(session: Session, actor: Any, application: Application) -> set[Stage]:
    """The stages of ``application`` at which ``actor`` may act (what its page offers)."""
    if not may_enter(actor, Area.CERTIFICATES):
        return set()
    found = set()
    for stage in Stage:
        try:
            if decide_case(session, actor, application, stage) is None:
                found.add(stage)
        except DomainError:  # the item is unassigned or doubly assigned in that region
            return set()
    return found


EXAM_RESULT_STAGES = frozenset({Stage.ACCEPT.value, Stage.REVIEW.value})
"""A clerk who accepts or reviews issue cases records exam results (they check them)."""


def may_record_exam_results(actor: Any) -> bool:
    """Whether ``actor`` may see, enter and import exam results: province and authority
    administrators, and clerks granted the issue item at the accept or review stage."""
    if not may_enter(actor, Area.CERTIFICATES):
        return False
    if actor.role in (Role.PROVINCE_ADMIN, Role.AUTHORITY_ADMIN):
        return True
    return any(p.item == ServiceItem.ISSUE.value and p.stage in EXAM_RESULT_STAGES for p in actor.permissions)


def require_exam_results(actor: Staff, *, action: str, target: tuple[str, str]) -> None:
    """Refuse (``no_exam_permission``, the attempt recorded) unless :func:`may_record_exam_results`."""
    if not may_record_exam_results(actor):
        _raise_recorded(
            PermissionDenied("no permission for exam results", code="no_exam_permission"),
            actor,
            action,
            target,
        )


def sees_application(actor: Any, application: Application) -> bool:
    """Whether ``actor`` may open ``application`` (its page, materials, notices): staff of its
    authority, and the province."""
    return may_enter(actor, Area.CERTIFICATES) and (
        is_province(actor) or application.authority_id == actor.authority_id
    )


def visible_applications(query: Select[Any], actor: Staff) -> Select[Any]:
    """``query`` (over applications) limited to those ``actor`` sees (:func:`sees_application`)."""
    return query if is_province(actor) else query.where(Application.authority_id == actor.authority_id)


def sees_platform_message(actor: Any, message: PlatformMessage) -> bool:
    """Whether ``actor`` sees (and may send again) a message for the government service platform:
    the province all, an authority administrator those of its own authority's cases."""
    return may_enter(actor, Area.PLATFORM) and (
        is_province(actor) or message.application.authority_id == actor.authority_id
    )


def visible_platform_messages(query: Select[Any], actor: Staff) -> Select[Any]:
    """``query`` (over platform messages) limited to those ``actor`` sees (:func:`sees_platform_message`)."""
    if is_province(actor):
        return query
    own = select(Application.id).where(Application.authority_id == actor.authority_id)
    return query.where(PlatformMessage.application_id.in_(own))


def visible_audit_events(query: Select[Any], actor: Staff) -> Select[Any]:
    """``query`` (over audit events) limited to those ``actor`` sees: the province every event, an
    authority's administrator the events of his authority (those recorded with its credit code)."""
    if not may_enter(actor, Area.AUDIT):
        return query.where(false())
    if is_province(actor):
        return query
    return query.where(AuditEvent.authority == actor.authority.credit_code)


def held_stages(actor: Staff) -> list[tuple[str, str]]:
    """The (item, stage) pairs ``actor`` acts at: an authority administrator all, a clerk his grants."""
    if actor.role == Role.AUTHORITY_ADMIN:
        return [(item.value, stage.value) for item in ServiceItem for stage in Stage]
    if actor.role != Role.CLERK or not actor.active:
        return []
    return [(p.item, p.stage) for p in actor.permissions]


def _penalty_regions(actor: Staff) -> Select[Any]:
    return select(ServiceItemAssignment.region_code).where(
        ServiceItemAssignment.authority_id == actor.authority_id, ServiceItemAssignment.item.in_(PENALTIES)
    )


def sees_certificate(session: Session, actor: Any, certificate: Certificate) -> bool:
    """Whether ``actor`` may open ``certificate``'s record (its page, PDF, history); nobody sees
    a certificate of a batch not yet published."""
    if not may_enter(actor, Area.CERTIFICATES) or not certificate.is_published:
        return False
    if is_province(actor) or certificate.authority_id == actor.authority_id:
        return True
    return certificate.authority.region_code in session.scalars(_penalty_regions(actor)).all()


def visible_certificates(query: Select[Any], actor: Staff) -> Select[Any]:
    """``query`` (over certificates) limited to those ``actor`` sees (see :func:`sees_certificate`)."""
    query = query.where(Certificate.published())
    if is_province(actor):
        return query
    penalised = select(Authority.id).where(Authority.region_code.in_(_penalty_regions(actor)))
    return query.where(
        or_(Certificate.authority_id == actor.authority_id, Certificate.authority_id.in_(penalised))
    )


def allowed_actions(
    session: Session, actor: Staff, certificate: Certificate, actions: dict[str, Any]
) -> set[str]:
    """The names of ``actions`` (name → object with an ``item``) ``actor`` may do on ``certificate``
    now, so a page offers only those."""
    allowed = set()
    for name, action in actions.items():
        try:
            if decide(session, actor, action.item, certificate) is None:
                allowed.add(name)
        except DomainError:  # the item is unassigned or doubly assigned in that region
            continue
    return allowed


def visible_graduation_certificates(query: Select[Any], actor: Staff) -> Select[Any]:
    """``query`` limited to graduation certificates of schools in ``actor``'s region (a city sees
    its counties too); the province sees all, unknown schools (no region) included."""
    if is_province(actor):
        return query
    region = actor.authority.region_code
    prefix = region[:4] if actor.authority.level == "city" else region
    return query.where(GraduationCertificate.region_code.startswith(prefix))


def visible_photos(query: Select[Any], actor: Staff) -> Select[Any]:
    """``query`` (over holder photos) limited to holders of certificates ``actor``'s authority issued."""
    if is_province(actor):
        return query
    holders_here = select(Certificate.practitioner_id).where(
        Certificate.authority_id == actor.authority_id, Certificate.published()
    )
    return query.where(HolderPhoto.practitioner_id.in_(holders_here))


def manages_holder_of(actor: Any, certificate: Certificate) -> bool:
    """Whether ``actor`` may open the holder's account of ``certificate`` (a new activation code,
    the activation notice): staff of the issuing authority only, as for every act on it."""
    return (
        may_enter(actor, Area.CERTIFICATES)
        and actor.role in ACTING_ROLES
        and certificate.authority_id == actor.authority_id
        and certificate.is_published
    )


def is_holder(user: Any) -> bool:
    """Whether ``user`` is a signed-in holder (a practitioner's own account)."""
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "role", None) == HOLDER


def owns(user: Any, practitioner_id: int) -> bool:
    """Whether ``user`` is the holder of things of practitioner ``practitioner_id`` (their
    certificates, graduation certificates, photo); anyone else sees none of them."""
    return is_holder(user) and user.practitioner_id == practitioner_id


def owns_certificate(user: Any, certificate: Certificate) -> bool:
    """Whether ``user`` is the holder of ``certificate`` and may open it (its PDF, its code);
    a certificate of a batch not yet published is nobody's yet."""
    return owns(user, certificate.practitioner_id) and certificate.is_published


def may_inspect(user: Any) -> bool:
    """Whether ``user`` sees the full record behind a verified code (an active inspector)."""
    return bool(getattr(user, "is_authenticated", False)) and may_enter(user, Area.INSPECTION)


def managed_authorities(session: Session, actor: Staff) -> list[Authority]:
    """The authorities whose staff accounts ``actor`` manages: the province all, others their own."""
    if actor.role == Role.PROVINCE_ADMIN:
        return list(session.scalars(select(Authority).order_by(Authority.region_code)))
    return [actor.authority]


def grantable_roles(actor: Staff) -> list[Role]:
    """The roles ``actor`` may give a new account (only the province makes province administrators)."""
    roles = [Role.CLERK, Role.INSPECTOR, Role.AUTHORITY_ADMIN]
    return [*roles, Role.PROVINCE_ADMIN] if actor.role == Role.PROVINCE_ADMIN else roles
