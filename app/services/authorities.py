"""Authorities, the service-item configuration (一事项一实施主体) and staff accounts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signing import is_credit_code

from ..models import Authority, ServiceItemAssignment, Staff, StaffPermission, StatusListRow
from ..models.enums import Role, ServiceItem, Stage
from .audit import record
from .errors import RuleViolation
from .passwords import hash_password
from .sessions import end_sessions

LEVELS = ("province", "city", "county")


def create_authority(
    session: Session,
    *,
    name: str,
    credit_code: str,
    region_code: str,
    level: str,
    parent: Authority | None = None,
    actor: str = "system",
) -> Authority:
    """Add an authority (with its empty status list); not committed. Its unified social credit
    code must be valid, check character included (``invalid_credit_code`` if it does not even
    have the shape of one, ``credit_code_check_failed`` if only the check character is wrong)."""
    if level not in LEVELS:
        raise RuleViolation(f"level must be one of {LEVELS}", code="invalid_level")
    if not is_credit_code(credit_code):
        shaped = is_credit_code(credit_code, check_character=False)
        raise RuleViolation(
            f"{credit_code!r} is not a valid unified social credit code",
            code="credit_code_check_failed" if shaped else "invalid_credit_code",
            value=credit_code,
        )
    authority = Authority(
        name=name,
        credit_code=credit_code,
        region_code=region_code,
        level=level,
        parent=parent,
        next_serial=1,
    )
    session.add(authority)
    session.flush()
    session.add(
        StatusListRow(
            authority_id=authority.id, next_index=0, data=b"", revision=0, updated_at=dt.datetime.now(dt.UTC)
        )
    )
    record(
        session,
        actor=actor,
        action="authority.create",
        target_type="authority",
        target_id=credit_code,
        authority=credit_code,
        after={"name": name, "region": region_code},
    )
    return authority


def assign_item(
    session: Session,
    region_code: str,
    item: ServiceItem,
    authority: Authority,
    *,
    actor: str = "system",
    connected: bool = False,
) -> None:
    """Make ``authority`` an implementing body of ``item`` in ``region_code``; not committed.
    A second body for the same item and region is stored (so it can be seen) but makes the
    item unusable there until one is removed; the same body twice is refused."""
    taken = session.scalars(
        select(ServiceItemAssignment.id).filter_by(
            region_code=region_code, item=item.value, authority_id=authority.id
        )
    ).first()
    if taken is not None:
        raise RuleViolation("that assignment exists already", code="assignment_exists")
    session.add(
        ServiceItemAssignment(
            region_code=region_code, item=item.value, authority=authority, connected=connected
        )
    )
    record(
        session,
        actor=actor,
        action="service_item.assign",
        target_type="region",
        target_id=region_code,
        authority=authority.credit_code,
        after={"item": item.value, "connected": connected},
    )


def unassign_item(
    session: Session, region_code: str, item: ServiceItem, authority: Authority, *, actor: str = "system"
) -> None:
    """Remove ``authority`` as a body of ``item`` in ``region_code``; not committed."""
    row = session.scalars(
        select(ServiceItemAssignment).filter_by(
            region_code=region_code, item=item.value, authority_id=authority.id
        )
    ).first()
    if row is not None:
        session.delete(row)
        record(
            session,
            actor=actor,
            action="service_item.unassign",
            target_type="region",
            target_id=region_code,
            authority=authority.credit_code,
            before={"item": item.value},
        )


@dataclass(frozen=True)
class ItemConflict:
    """A region where one service item has more than one implementing body."""

    region_code: str
    item: str
    authorities: list[str]


def conflicts(session: Session) -> list[ItemConflict]:
    """Every (region, item) configured to more than one authority."""
    doubled = (
        select(ServiceItemAssignment.region_code, ServiceItemAssignment.item)
        .group_by(ServiceItemAssignment.region_code, ServiceItemAssignment.item)
        .having(func.count() > 1)
    )
    found = []
    for region, item in session.execute(doubled):
        names = session.scalars(
            select(Authority.name)
            .join(ServiceItemAssignment)
            .where(ServiceItemAssignment.region_code == region, ServiceItemAssignment.item == item)
            .order_by(Authority.name)
        ).all()
        found.append(ItemConflict(region, item, list(names)))
    return sorted(found, key=lambda c: (c.region_code, c.item))


def assignment(session: Session, region_code: str, item: ServiceItem) -> ServiceItemAssignment:
    """The one assignment of ``item`` in ``region_code`` (its body, whether it is connected to the
    platform); refuses when there is none (``item_unassigned``) or more than one (``item_conflict``)."""
    rows = session.scalars(
        select(ServiceItemAssignment).where(
            ServiceItemAssignment.region_code == region_code, ServiceItemAssignment.item == item.value
        )
    ).all()
    if not rows:
        raise RuleViolation(
            f"no authority implements {item} in {region_code}",
            code="item_unassigned",
            item=item.value,
            region=region_code,
        )
    if len(rows) > 1:
        raise RuleViolation(
            f"{item} in {region_code} has {len(rows)} implementing bodies",
            code="item_conflict",
            item=item.value,
            region=region_code,
        )
    return rows[0]


def implementing_authority(session: Session, region_code: str, item: ServiceItem) -> Authority:
    """The one authority that implements ``item`` in ``region_code`` (see :func:`assignment`)."""
    return assignment(session, region_code, item).authority


def set_connected(
    session: Session, region_code: str, item: ServiceItem, connected: bool, *, actor: str = "system"
) -> None:
    """Mark ``item`` in ``region_code`` connected to the government service platform or not; not
    committed. Cases already open keep the flag they came in with."""
    row = assignment(session, region_code, item)
    if row.connected != connected:
        row.connected = connected
        record(
            session,
            actor=actor,
            action="service_item.connect" if connected else "service_item.disconnect",
            target_type="region",
            target_id=region_code,
            authority=row.authority.credit_code,
            after={"item": item.value, "connected": connected},
        )


def create_staff(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    authority: Authority,
    role: Role,
    permissions: Iterable[tuple[ServiceItem, Stage]] = (),
    actor: str = "system",
) -> Staff:
    """Add a staff account with hashed password and permissions; not committed."""
    if len(password) < 10:
        raise RuleViolation("passwords have at least 10 characters", code="weak_password", minimum=10)
    if session.scalars(select(Staff.id).filter_by(username=username)).first() is not None:
        raise RuleViolation(f"the user name {username} is taken", code="username_taken", name=username)
    staff = Staff(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        authority=authority,
        role=role.value,
        active=True,
        created_at=dt.datetime.now(dt.UTC),
    )
    staff.permissions = [StaffPermission(item=i.value, stage=s.value) for i, s in permissions]
    session.add(staff)
    record(
        session,
        actor=actor,
        action="staff.create",
        target_type="staff",
        target_id=username,
        authority=authority.credit_code,
        after={"role": role.value, "permissions": sorted(f"{i}:{s}" for i, s in permissions)},
    )
    return staff


def set_active(session: Session, staff: Staff, active: bool, *, actor: str) -> None:
    """Deactivate or reactivate an account (a deactivated account cannot sign in, and every session
    it had ends for good: reactivating does not revive them); not committed."""
    if staff.active == active:
        return
    staff.active = active
    end_sessions(staff)
    record(
        session,
        actor=actor,
        action="staff.activate" if active else "staff.deactivate",
        target_type="staff",
        target_id=staff.username,
        authority=staff.authority.credit_code,
    )


def set_password(session: Session, staff: Staff, password: str, *, actor: str) -> None:
    """Give ``staff`` a new password (checked for length, stored as an Argon2id hash) and end every
    session of the account (the current browser may sign in again: ``app.auth.renew_session``); not
    committed."""
    if len(password) < 10:
        raise RuleViolation("passwords have at least 10 characters", code="weak_password", minimum=10)
    staff.password_hash = hash_password(password)
    end_sessions(staff)
    record(
        session,
        actor=actor,
        action="staff.password",
        target_type="staff",
        target_id=staff.username,
        authority=staff.authority.credit_code,
    )
