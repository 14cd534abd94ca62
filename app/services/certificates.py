"""The life of a qualification certificate: issue, renew, reissue, change, suspend and lift,
revoke, cancel.

Each action checks who may act (:func:`~app.services.permissions.authorize`) and the domain
rules, then writes the new state, any new signed version, the status-list change and an audit
event in one transaction. A refusal by the permission rules is itself recorded. A repeated form
(same request key) does nothing a second time; a form made for an older version, or beaten by a
simultaneous change, gets a conflict.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from signing import (
    CATEGORIES_BY_CODE,
    Status,
    birth_date,
)

from ..models import (
    Certificate,
    CertificateVersion,
    HolderCategory,
    Practitioner,
    ProcessedRequest,
    Staff,
)
from ..models.enums import CancelReason, CertificateState, ServiceItem, VersionState
from . import status_lists
from .audit import record
from .context import IssuingContext
from .errors import Conflict, NotFound, PermissionDenied, RuleViolation
from .permissions import authorize
from .versions import (
    allocate_serials,
    checked_id_number,
    current_version,
    normalize_categories,
    sign_version,
    today_cst,
    validity_end,
)

LIVE = (CertificateState.ACTIVE.value, CertificateState.SUSPENDED.value)


@dataclass(frozen=True)
class ActionResult:
    """What an action did; ``repeated`` when the same request had already been carried out."""

    certificate: Certificate
    repeated: bool = False


def _guarded(
    session: Session,
    actor: Staff,
    action: str,
    target: tuple[str, str],
    work: Callable[[], ActionResult],
) -> ActionResult:
    """Run ``work`` in a transaction; record refusals; turn lost races into conflicts."""
    try:
        result = work()
        session.commit()
        return result
    except PermissionDenied as exc:
        session.rollback()
        record(
            session,
            actor=actor.username,
            action=f"{action}.refused",
            target_type=target[0],
            target_id=target[1],
            authority=actor.authority.credit_code,
            reason=exc.code,
        )
        session.commit()
        raise
    except (StaleDataError, IntegrityError) as exc:
        session.rollback()
        raise Conflict(
            "someone else changed this certificate first; reload and try again", code="concurrent_change"
        ) from exc
    except BaseException:
        session.rollback()
        raise


def _repeat(session: Session, key: str | None) -> ActionResult | None:
    if not key:
        return None
    done = session.get(ProcessedRequest, key)
    if done is None:
        return None
    certificate = session.get(Certificate, done.certificate_id)
    assert certificate is not None
    return ActionResult(certificate, repeated=True)


def _remember(session: Session, key: str | None, actor: Staff, action: str, certificate: Certificate) -> None:
    if key:
        session.add(
            ProcessedRequest(
                key=key,
                staff_id=actor.id,
                action=action,
                certificate_id=certificate.id,
                created_at=dt.datetime.now(dt.UTC),
            )
        )


def _claim_categories(
    session: Session, practitioner_id: int, categories: list[int], certificate_id: int
) -> None:
    held = session.execute(
        select(HolderCategory.category, Certificate.number)
        .join(Certificate, Certificate.id == HolderCategory.certificate_id)
        .where(
            HolderCategory.practitioner_id == practitioner_id,
            HolderCategory.category.in_(categories),
            HolderCategory.certificate_id != certificate_id,
        )
    ).first()
    if held is not None:
        name = CATEGORIES_BY_CODE[held[0]].name_zh
        raise RuleViolation(
            f"the holder already has {name} on certificate {held[1]}",
            code="duplicate_category",
            category=name,
            number=held[1],
        )
    session.execute(delete(HolderCategory).where(HolderCategory.certificate_id == certificate_id))
    session.add_all(
        HolderCategory(practitioner_id=practitioner_id, category=c, certificate_id=certificate_id)
        for c in categories
    )


def _snapshot(certificate: Certificate, version: CertificateVersion | None = None) -> dict[str, object]:
    current = version or current_version(certificate)
    return {
        "state": certificate.state,
        "version": certificate.current_version,
        "identifier": current.identifier,
        "holder_name": current.holder_name,
        "categories": list(current.categories),
        "valid_from": current.valid_from.isoformat(),
        "valid_until": current.valid_until.isoformat(),
    }


def issue(
    session: Session,
    context: IssuingContext,
    actor: Staff,
    *,
    id_number: str,
    name: str,
    categories: Sequence[int | str],
    valid_from: dt.date | None = None,
    first_issued: dt.date | None = None,
    request_key: str | None = None,
    also: Callable[[Certificate], None] | None = None,
) -> ActionResult:
    """Issue a first certificate to a practitioner (核发). ``first_issued`` keeps an earlier
    first-issue date (a renewed paper certificate); ``also`` runs in the same transaction."""

    def work() -> ActionResult:
        repeated = _repeat(session, request_key)
        if repeated:
            return repeated
        authorize(session, actor, ServiceItem.ISSUE)
        number = checked_id_number(id_number)
        holder_name = name.strip()
        if not holder_name or len(holder_name) > 50:
            raise RuleViolation("the name must have 1 to 50 characters", code="invalid_name")
        codes = normalize_categories(categories)
        authority = actor.authority
        practitioner = session.scalars(select(Practitioner).filter_by(id_number=number)).first()
        if practitioner is None:
            practitioner = Practitioner(
                id_number=number,
                name=holder_name,
                sex="M" if int(number[16]) % 2 else "F",
                birth_date=birth_date(number),
            )
            session.add(practitioner)
            session.flush()
        live = session.scalars(
            select(Certificate).where(Certificate.number == number, Certificate.state.in_(LIVE))
        ).first()
        if live is not None:
            raise RuleViolation(
                f"the holder already has certificate {number}; add categories by changing it",
                code="live_certificate_exists",
                number=number,
            )
        start = valid_from or today_cst()
        certificate = Certificate(
            number=number,
            serial=f"{allocate_serials(session, authority):08d}",
            practitioner=practitioner,
            authority=authority,
            first_issued=first_issued or start,
            state=CertificateState.ACTIVE.value,
            current_version=1,
            valid_until=validity_end(start, context.validity_years),
            updated_at=dt.datetime.now(dt.UTC),
        )
        session.add(certificate)
        session.flush()
        _claim_categories(session, practitioner.id, codes, certificate.id)
        version = sign_version(
            context,
            certificate,
            practitioner,
            authority,
            version=1,
            holder_name=holder_name,
            categories=codes,
            issued=today_cst(),
            valid_from=start,
            valid_until=certificate.valid_until,
            status_index=status_lists.allocate(session, authority.id),
            now=int(time.time()),
        )
        certificate.versions.append(version)
        record(
            session,
            actor=actor.username,
            action="certificate.issue",
            target_type="certificate",
            target_id=str(certificate.id),
            authority=authority.credit_code,
            after=_snapshot(certificate, version),
        )
        if also is not None:
            also(certificate)
        _remember(session, request_key, actor, "issue", certificate)
        return ActionResult(certificate)

    return _guarded(session, actor, "certificate.issue", ("practitioner", id_number), work)


def load(session: Session, certificate_id: int) -> Certificate:
    """A certificate by id, or :class:`NotFound`."""
    certificate = session.get(Certificate, certificate_id)
    if certificate is None:
        raise NotFound("no such certificate")
    return certificate


def _act(
    session: Session,
    actor: Staff,
    certificate_id: int,
    item: ServiceItem,
    action: str,
    expected_version: int | None,
    request_key: str | None,
    change: Callable[[Certificate], None],
    reason: str | None = None,
) -> ActionResult:
    """Common frame of every action on an existing certificate."""
    certificate = load(session, certificate_id)

    def work() -> ActionResult:
        repeated = _repeat(session, request_key)
        if repeated:
            return repeated
        authorize(session, actor, item, certificate)
        if certificate.state not in LIVE:
            raise RuleViolation(
                f"the certificate is {certificate.state}", code="not_live", state=certificate.state
            )
        if expected_version is not None and expected_version != certificate.current_version:
            raise Conflict(
                f"version {expected_version} is no longer current",
                code="superseded_version",
                expected=expected_version,
                current=certificate.current_version,
            )
        before = _snapshot(certificate)
        change(certificate)
        certificate.updated_at = dt.datetime.now(dt.UTC)
        session.flush()
        record(
            session,
            actor=actor.username,
            action=f"certificate.{action}",
            target_type="certificate",
            target_id=str(certificate.id),
            authority=actor.authority.credit_code,
            reason=reason,
            before=before,
            after=_snapshot(certificate),
        )
        _remember(session, request_key, actor, action, certificate)
        return ActionResult(certificate)

    return _guarded(session, actor, f"certificate.{action}", ("certificate", str(certificate.id)), work)


def _new_version(
    session: Session,
    context: IssuingContext,
    certificate: Certificate,
    *,
    holder_name: str | None = None,
    categories: list[int] | None = None,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> None:
    old = current_version(certificate)
    authority = certificate.authority
    new_index = status_lists.allocate(session, authority.id)
    version = sign_version(
        context,
        certificate,
        certificate.practitioner,
        authority,
        version=old.version + 1,
        holder_name=holder_name or old.holder_name,
        categories=categories or list(old.categories),
        issued=today_cst(),
        valid_from=valid_from or old.valid_from,
        valid_until=valid_until or old.valid_until,
        status_index=new_index,
        now=int(time.time()),
    )
    old.state = VersionState.SUPERSEDED.value
    certificate.versions.append(version)
    certificate.current_version = version.version
    certificate.valid_until = version.valid_until
    status_lists.set_statuses(session, authority.id, {old.status_index: Status.SUPERSEDED})


def renew(
    session: Session,
    context: IssuingContext,
    actor: Staff,
    certificate_id: int,
    *,
    expected_version: int | None = None,
    request_key: str | None = None,
) -> ActionResult:
    """Renew (换发) in the window before expiry: a new version valid for another term."""

    def change(certificate: Certificate) -> None:
        if certificate.state != CertificateState.ACTIVE:
            raise RuleViolation("a suspended certificate cannot be renewed", code="not_active")
        end = certificate.valid_until
        opens = end - dt.timedelta(days=context.renew_window_days)
        today = today_cst()
        if not opens <= today <= end:
            raise RuleViolation(
                f"renewal is possible from {opens} to {end}",
                code="renew_window",
                opens=opens.isoformat(),
                ends=end.isoformat(),
            )
        start = end + dt.timedelta(days=1)
        _new_version(
            session,
            context,
            certificate,
            valid_from=start,
            valid_until=validity_end(start, context.validity_years),
        )

    return _act(
        session, actor, certificate_id, ServiceItem.RENEW, "renew", expected_version, request_key, change
    )


def reissue(
    session: Session,
    context: IssuingContext,
    actor: Staff,
    certificate_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    request_key: str | None = None,
) -> ActionResult:
    """Reissue (补发) after loss or damage: a new version with the same content."""

    def change(certificate: Certificate) -> None:
        _new_version(session, context, certificate)

    return _act(
        session,
        actor,
        certificate_id,
        ServiceItem.REISSUE,
        "reissue",
        expected_version,
        request_key,
        change,
        reason,
    )


def change_details(
    session: Session,
    context: IssuingContext,
    actor: Staff,
    certificate_id: int,
    *,
    holder_name: str | None = None,
    categories: Sequence[int | str] | None = None,
    reason: str,
    expected_version: int | None = None,
    request_key: str | None = None,
) -> ActionResult:
    """Change (变更) the holder's name or the categories: a new version."""

    def change(certificate: Certificate) -> None:
        old = current_version(certificate)
        name = (holder_name or old.holder_name).strip()
        codes = normalize_categories(categories) if categories is not None else list(old.categories)
        if name == old.holder_name and codes == list(old.categories):
            raise RuleViolation("nothing was changed", code="no_change")
        if codes != list(old.categories):
            _claim_categories(session, certificate.practitioner_id, codes, certificate.id)
        _new_version(session, context, certificate, holder_name=name, categories=codes)

    return _act(
        session,
        actor,
        certificate_id,
        ServiceItem.CHANGE,
        "change",
        expected_version,
        request_key,
        change,
        reason,
    )


def _set_state(session: Session, certificate: Certificate, state: CertificateState, status: Status) -> None:
    certificate.state = state.value
    status_lists.set_statuses(
        session, certificate.authority_id, {current_version(certificate).status_index: status}
    )


def suspend(
    session: Session,
    actor: Staff,
    certificate_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    request_key: str | None = None,
) -> ActionResult:
    """Suspend (暂扣) an active certificate."""

    def change(certificate: Certificate) -> None:
        if certificate.state != CertificateState.ACTIVE:
            raise RuleViolation("the certificate is already suspended", code="already_suspended")
        _set_state(session, certificate, CertificateState.SUSPENDED, Status.SUSPENDED)

    return _act(
        session,
        actor,
        certificate_id,
        ServiceItem.SUSPEND,
        "suspend",
        expected_version,
        request_key,
        change,
        reason,
    )


def lift_suspension(
    session: Session,
    actor: Staff,
    certificate_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    request_key: str | None = None,
) -> ActionResult:
    """Lift a suspension."""

    def change(certificate: Certificate) -> None:
        if certificate.state != CertificateState.SUSPENDED:
            raise RuleViolation("the certificate is not suspended", code="not_suspended")
        _set_state(session, certificate, CertificateState.ACTIVE, Status.VALID)

    return _act(
        session,
        actor,
        certificate_id,
        ServiceItem.SUSPEND,
        "lift",
        expected_version,
        request_key,
        change,
        reason,
    )


def _end(session: Session, certificate: Certificate, state: CertificateState) -> None:
    _set_state(session, certificate, state, Status.REVOKED)
    session.execute(delete(HolderCategory).where(HolderCategory.certificate_id == certificate.id))


def revoke(
    session: Session,
    actor: Staff,
    certificate_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    request_key: str | None = None,
) -> ActionResult:
    """Revoke (吊销) as a penalty."""
    if not reason.strip():
        raise RuleViolation("give the reason for revocation", code="reason_required")

    def change(certificate: Certificate) -> None:
        _end(session, certificate, CertificateState.REVOKED)

    return _act(
        session,
        actor,
        certificate_id,
        ServiceItem.REVOKE,
        "revoke",
        expected_version,
        request_key,
        change,
        reason,
    )


def cancel(
    session: Session,
    actor: Staff,
    certificate_id: int,
    *,
    reason: CancelReason | str,
    expected_version: int | None = None,
    request_key: str | None = None,
) -> ActionResult:
    """Cancel (注销) for one of the regulation's reasons."""
    try:
        why = CancelReason(reason)
    except ValueError:
        raise RuleViolation("choose a cancellation reason from the list", code="cancel_reason") from None

    def change(certificate: Certificate) -> None:
        _end(session, certificate, CertificateState.CANCELLED)

    return _act(
        session,
        actor,
        certificate_id,
        ServiceItem.CANCEL,
        "cancel",
        expected_version,
        request_key,
        change,
        why.value,
    )
