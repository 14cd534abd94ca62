"""The life of an issued certificate: renew, reissue, change, suspend and lift, revoke, cancel.

One table of actions (:data:`ACTIONS`) and one :func:`perform`: each action names its service
item, whether it needs a reason, and its change; :func:`perform` loads the certificate, asks the
access policy, checks it is live and at the version the form showed, applies the change, and
writes the audit event — in one step of the unit of work. A repeated form (same request key)
does nothing a second time; a form made for an older version gets a conflict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from signing import Status

from ...models import Certificate, CertificateVersion, HolderCategory, Staff
from ...models.enums import CancelReason, CertificateState, ServiceItem, VersionState
from .. import access, status_lists
from ..audit import record
from ..context import IssuingContext
from ..errors import Conflict, NotFound, RuleViolation
from ..unit_of_work import step
from . import idempotency, rules
from .issuance import ActionResult
from .signed import current_version, sign_version
from .state import LIVE, STATUS_OF_STATE


@dataclass(frozen=True)
class ActionInput:
    """What a form or an application gives an action (only some actions use each field)."""

    reason: str = ""
    holder_name: str | None = None
    categories: Sequence[int | str] | None = None
    cancel_reason: str | None = None


Change = Callable[[Session, IssuingContext, Certificate, ActionInput], None]


@dataclass(frozen=True)
class Action:
    """One lifecycle action: its service item, whether a reason is required, and its change."""

    item: ServiceItem
    change: Change
    reason_required: bool = False


def load(session: Session, certificate_id: int) -> Certificate:
    """A certificate by id, or :class:`NotFound` (also for one of a batch not yet published)."""
    certificate = session.get(Certificate, certificate_id)
    if certificate is None or not certificate.is_published:
        raise NotFound("no such certificate", code="certificate_not_found")
    return certificate


def _snapshot(certificate: Certificate) -> dict[str, object]:
    current = current_version(certificate)
    return {
        "state": certificate.state,
        "version": certificate.current_version,
        "identifier": current.identifier,
        "holder_name": current.holder_name,
        "categories": list(current.categories),
        "valid_from": current.valid_from.isoformat(),
        "valid_until": current.valid_until.isoformat(),
    }


def _set_state(session: Session, certificate: Certificate, state: CertificateState) -> None:
    # The status list row first, then the certificate (the one lock order: assigning the state
    # first would let the list's UPDATE flush the certificate's before it).
    status_lists.set_statuses(
        session, certificate.authority_id, {current_version(certificate).status_index: STATUS_OF_STATE[state]}
    )
    certificate.state = state.value


def _new_version(
    session: Session,
    context: IssuingContext,
    certificate: Certificate,
    *,
    holder_name: str | None = None,
    categories: tuple[int, ...] | None = None,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> None:
    old = current_version(certificate)
    authority = certificate.authority
    version: CertificateVersion = sign_version(
        context,
        certificate,
        certificate.practitioner,
        authority,
        version=old.version + 1,
        holder_name=holder_name or old.holder_name,
        categories=categories or tuple(old.categories),
        issued=context.clock.today(),
        valid_from=valid_from or old.valid_from,
        valid_until=valid_until or old.valid_until,
        status_index=status_lists.allocate(session, authority.id),
        now=context.clock.timestamp(),
    )
    old.state = VersionState.SUPERSEDED.value
    certificate.versions.append(version)
    certificate.current_version = version.version
    certificate.valid_until = version.valid_until
    status_lists.set_statuses(session, authority.id, {old.status_index: Status.SUPERSEDED})


def _claim_categories(session: Session, certificate: Certificate, categories: tuple[int, ...]) -> None:
    held = session.execute(
        select(HolderCategory.category, Certificate.number)
        .join(Certificate, Certificate.id == HolderCategory.certificate_id)
        .where(
            HolderCategory.practitioner_id == certificate.practitioner_id,
            HolderCategory.category.in_(categories),
            HolderCategory.certificate_id != certificate.id,
        )
    ).first()
    if held is not None:
        raise RuleViolation(
            f"the holder already has {held[0]} on certificate {held[1]}",
            code="duplicate_category",
            category=held[0],
            number=held[1],
        )
    session.execute(delete(HolderCategory).where(HolderCategory.certificate_id == certificate.id))
    session.add_all(
        HolderCategory(practitioner_id=certificate.practitioner_id, category=c, certificate_id=certificate.id)
        for c in categories
    )


def _renew(session: Session, context: IssuingContext, certificate: Certificate, _: ActionInput) -> None:
    if certificate.state != CertificateState.ACTIVE:
        raise RuleViolation("a suspended certificate cannot be renewed", code="not_active")
    opens, ends = rules.renewal_window(certificate.valid_until, context.renew_window_days)
    if not opens <= context.clock.today() <= ends:
        raise RuleViolation(
            f"renewal is possible from {opens} to {ends}",
            code="renew_window",
            opens=opens.isoformat(),
            ends=ends.isoformat(),
        )
    start = ends + dt.timedelta(days=1)
    _new_version(
        session,
        context,
        certificate,
        valid_from=start,
        valid_until=rules.validity_end(start, context.validity_years),
    )


def _reissue(session: Session, context: IssuingContext, certificate: Certificate, _: ActionInput) -> None:
    _new_version(session, context, certificate)


def _change(session: Session, context: IssuingContext, certificate: Certificate, given: ActionInput) -> None:
    old = current_version(certificate)
    name = rules.holder_name(given.holder_name) if given.holder_name else old.holder_name
    old_codes = tuple(old.categories)
    codes = rules.categories(given.categories) if given.categories is not None else old_codes
    if name == old.holder_name and codes == old_codes:
        raise RuleViolation("nothing was changed", code="no_change")
    if codes != old_codes:
        _claim_categories(session, certificate, codes)
    _new_version(session, context, certificate, holder_name=name, categories=codes)


def _suspend(session: Session, _: IssuingContext, certificate: Certificate, __: ActionInput) -> None:
    if certificate.state != CertificateState.ACTIVE:
        raise RuleViolation("the certificate is already suspended", code="already_suspended")
    _set_state(session, certificate, CertificateState.SUSPENDED)


def _lift(session: Session, _: IssuingContext, certificate: Certificate, __: ActionInput) -> None:
    if certificate.state != CertificateState.SUSPENDED:
        raise RuleViolation("the certificate is not suspended", code="not_suspended")
    _set_state(session, certificate, CertificateState.ACTIVE)


def _end(state: CertificateState) -> Change:
    def change(session: Session, _: IssuingContext, certificate: Certificate, __: ActionInput) -> None:
        _set_state(session, certificate, state)
        session.execute(delete(HolderCategory).where(HolderCategory.certificate_id == certificate.id))

    return change


ACTIONS: dict[str, Action] = {
    "renew": Action(ServiceItem.RENEW, _renew),
    "reissue": Action(ServiceItem.REISSUE, _reissue),
    "change": Action(ServiceItem.CHANGE, _change),
    "suspend": Action(ServiceItem.SUSPEND, _suspend),
    "lift": Action(ServiceItem.SUSPEND, _lift),
    "revoke": Action(ServiceItem.REVOKE, _end(CertificateState.REVOKED), reason_required=True),
    "cancel": Action(ServiceItem.CANCEL, _end(CertificateState.CANCELLED)),
}
"""Every action on an issued certificate, by name (the name is also the audit action's suffix)."""


def _reason(name: str, action: Action, given: ActionInput) -> str | None:
    if name == "cancel":
        try:
            return CancelReason(given.cancel_reason or "").value
        except ValueError:
            raise RuleViolation("choose a cancellation reason from the list", code="cancel_reason") from None
    reason = given.reason.strip()
    if action.reason_required and not reason:
        raise RuleViolation("give the reason", code="reason_required")
    return reason or None


def perform(
    session: Session,
    context: IssuingContext,
    actor: Staff,
    name: str,
    certificate_id: int,
    given: ActionInput | None = None,
    *,
    expected_version: int | None = None,
    request_key: str | None = None,
) -> ActionResult:
    """Carry out the action ``name`` on a certificate (see the module's docstring)."""
    action = ACTIONS.get(name)
    if action is None:
        raise NotFound(f"no action {name}", code="unknown_action")
    given = given or ActionInput()
    certificate = load(session, certificate_id)
    audit_action = f"certificate.{name}"
    with step(session):
        done = idempotency.already_done(session, request_key)
        if done is not None:
            return ActionResult(done, repeated=True)
        access.require(
            session,
            actor,
            action.item,
            certificate,
            action=audit_action,
            target=("certificate", str(certificate.id)),
        )
        reason = _reason(name, action, given)
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
        action.change(session, context, certificate, given)
        certificate.updated_at = context.clock.now()
        session.flush()
        record(
            session,
            actor=actor.username,
            action=audit_action,
            target_type="certificate",
            target_id=str(certificate.id),
            authority=actor.authority.credit_code,
            reason=reason,
            before=before,
            after=_snapshot(certificate),
        )
        idempotency.remember(session, context.clock, request_key, actor, name, certificate)
        return ActionResult(certificate)
