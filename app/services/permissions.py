"""Who may do what: role, implementing body of the service item in the region, the certificate's
own issuer (谁核发、谁换发、谁补发、谁注销) and, for clerks, a per-item, per-stage grant."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import Certificate, Staff
from ..models.enums import Role, ServiceItem, Stage
from .authorities import implementing_authority
from .errors import PermissionDenied

ACTING_ROLES = (Role.AUTHORITY_ADMIN, Role.CLERK)


def authorize(
    session: Session,
    actor: Staff,
    item: ServiceItem,
    certificate: Certificate | None = None,
    stage: Stage = Stage.CONCLUDE,
) -> None:
    """Return if ``actor`` may do ``item`` (on ``certificate``); raise the reason otherwise."""
    if not actor.active:
        raise PermissionDenied("the account is deactivated", code="inactive")
    if actor.role not in ACTING_ROLES:
        raise PermissionDenied(f"role {actor.role} does not act on certificates", code="role")
    if certificate is not None and certificate.authority_id != actor.authority_id:
        raise PermissionDenied(
            "only the issuing authority may act on its certificates",
            code="other_authority",
            issuer=certificate.authority.name,
        )
    body = implementing_authority(session, actor.authority.region_code, item)
    if body.id != actor.authority_id:
        raise PermissionDenied(
            f"{item} in this region is implemented by {body.name}",
            code="not_implementing",
            body=body.name,
        )
    if actor.role == Role.CLERK and not any(
        p.item == item.value and p.stage == stage.value for p in actor.permissions
    ):
        raise PermissionDenied(
            f"no permission for {item} ({stage})", code="no_permission", item=item.value, stage=stage.value
        )
