"""Online verification: the library's verifier, fed with the published keys and the live status
lists, so a revocation is seen the moment it commits; and the full record behind a verified
certificate, for signed-in inspectors."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from signing import LEGACY_LAYOUT_UNTIL, KeySet, StatusReading, Verifier
from signing.errors import StatusUnavailable

from ..db import begin_write
from ..models import (
    AuditEvent,
    Authority,
    Certificate,
    CertificateVersion,
    LegacyCertificate,
    Staff,
    StatusListRow,
)
from ..models.enums import CertificateState
from .audit import record
from .certificates import current_version, shown_state_of
from .certificates.state import EXPIRED
from .clock import china_day
from .context import IssuingContext
from .status_lists import entries

_LIVE_ROW = (
    select(StatusListRow.data, StatusListRow.next_index)
    .join(Authority, Authority.id == StatusListRow.authority_id)
    .where(Authority.credit_code == bindparam("issuer"))
)


class LiveStatus:
    """A :class:`signing.StatusSource` that reads the committed status list rows: the status of
    an entry as of this moment, within the bounds of the list as it is published."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def status(self, issuer: str, index: int) -> StatusReading:
        """The current status of ``issuer``'s entry ``index`` (``StatusUnavailable`` for an
        unknown issuer, ``StatusOutOfBounds`` past the end of its published list)."""
        # One indexed read on its own short connection: no ORM session to set up and close.
        with self._engine.connect() as connection:
            row = connection.execute(_LIVE_ROW, {"issuer": issuer}).first()
        if row is None:
            raise StatusUnavailable(f"no status list for issuer {issuer}")
        return StatusReading(entries(row.data, row.next_index).get(index), int(time.time()))


KEYS_TTL = 5.0
"""Seconds a process reuses its set of published keys (a retired or compromised key is noticed
within this time; statuses are always read live)."""
_keys_cache: dict[str, tuple[float, KeySet]] = {}


def _published(context: IssuingContext) -> KeySet:
    folder = str(context.keys.folder)
    now = time.monotonic()
    cached = _keys_cache.get(folder)
    if cached is None or now - cached[0] > KEYS_TTL:
        cached = (now, context.keys.published(now=int(time.time())))
        _keys_cache[folder] = cached
    return cached[1]


def online_verifier(
    engine: Engine, context: IssuingContext, *, legacy_until: int = LEGACY_LAYOUT_UNTIL
) -> Verifier:
    """A verifier that trusts the published keys and requires the live status (read through
    ``engine``, one for single reads: see :func:`app.db.get_read_engine`); it accepts compact codes
    in the first layout until ``legacy_until``."""
    return Verifier(_published(context), LiveStatus(engine), require_status=True, legacy_until=legacy_until)


INSPECTED = ("valid", "expired", "suspended", "revoked", "superseded")
"""The verdicts after which a signed-in inspector sees whose certificate it is: a genuine code,
valid or not valid now for a reason its record explains (a cancelled certificate's status reads
``revoked``; the record tells the two apart)."""

VIEW_ACTION = "verification.full_view"
"""The audit event of an inspector's full view of a checked certificate (electronic or paper)."""

REPLACING = ("certificate.renew", "certificate.reissue", "certificate.change")
"""The audit actions that make a new version (and so supersede the one before)."""

ENDING = {
    CertificateState.SUSPENDED.value: "certificate.suspend",
    CertificateState.REVOKED.value: "certificate.revoke",
    CertificateState.CANCELLED.value: "certificate.cancel",
}
"""The audit action that put a certificate in each state that stops it being valid."""


@dataclass(frozen=True)
class Standing:
    """Where a certificate version stands, in the inspector's words: ``state`` (``active``,
    ``suspended``, ``expired``, ``revoked``, ``cancelled`` or ``superseded``), ``on`` the day (in
    China) of the event that put it there (for ``expired``: the last valid day), and ``reason``:
    the reason given (suspension, revocation), a :class:`~app.models.enums.CancelReason` value
    (cancellation), or the action that replaced the version (``renew``, ``reissue``, ``change``)."""

    state: str
    on: dt.date | None = None
    reason: str | None = None


@dataclass(frozen=True)
class InspectorView:
    """The full record an inspector sees after a check: the version checked and its standing."""

    version: CertificateVersion
    standing: Standing


def _record_view(session: Session, viewer: Staff, target_type: str, target_id: str, reason: str) -> None:
    begin_write(session)
    record(
        session,
        actor=viewer.username,
        action=VIEW_ACTION,
        target_type=target_type,
        target_id=target_id,
        authority=viewer.authority.credit_code,
        reason=reason,
    )


def _events(session: Session, certificate_id: int, actions: tuple[str, ...]) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.target_type == "certificate",
                AuditEvent.target_id == str(certificate_id),
                AuditEvent.action.in_(actions),
            )
            .order_by(AuditEvent.seq.desc())
        )
    )


def standing_of(session: Session, version: CertificateVersion, today: dt.date) -> Standing:
    """The :class:`Standing` of ``version`` on ``today``, its event and reason read from the
    certificate's audit history."""
    certificate = version.certificate
    if version.version != certificate.current_version:
        newer = next((v for v in certificate.versions if v.version == version.version + 1), None)
        replaced = next(
            (
                e
                for e in _events(session, certificate.id, REPLACING)
                if (e.after or {}).get("version") == version.version + 1
            ),
            None,
        )
        return Standing(
            "superseded",
            newer.issued if newer is not None else None,
            replaced.action.removeprefix("certificate.") if replaced is not None else None,
        )
    state = shown_state_of(certificate, today)
    if state == EXPIRED:
        return Standing(state, certificate.valid_until)
    events = _events(session, certificate.id, (ENDING[state],)) if state in ENDING else []
    if events:  # the newest: a suspension lifted and imposed again counts from the second
        return Standing(state, china_day(events[0].occurred_at), events[0].reason)
    return Standing(state)


def inspect_version(
    session: Session, version: CertificateVersion, viewer: Staff, today: dt.date, *, reason: str
) -> InspectorView:
    """The full record of ``version`` for a signed-in inspector, after a check that gave
    ``reason`` (how it was checked, or the verdict); the view is audited."""
    _record_view(session, viewer, "certificate", str(version.certificate_id), reason)
    return InspectorView(version, standing_of(session, version, today))


def _published_version(session: Session, identifier: str) -> CertificateVersion | None:
    """The stored version with GB/T 36904 ``identifier`` of a published certificate, if any."""
    return session.scalars(
        select(CertificateVersion)
        .join(Certificate)
        .where(CertificateVersion.identifier == identifier, Certificate.published())
    ).first()


def full_record(
    session: Session, identifier: str, viewer: Staff, today: dt.date, *, reason: str
) -> InspectorView | None:
    """The full record behind a genuine code with GB/T 36904 ``identifier`` (of a published
    certificate), for a signed-in inspector; every look is audited. ``None`` when there is none."""
    version = _published_version(session, identifier)
    return None if version is None else inspect_version(session, version, viewer, today, reason=reason)


def inspect_legacy(session: Session, certificate: LegacyCertificate, viewer: Staff) -> Certificate | None:
    """Record a signed-in inspector's full view of a paper or IC-card certificate he checked; the
    electronic certificate that replaced it, if one did."""
    _record_view(session, viewer, "legacy_certificate", certificate.number, "legacy")
    return None if certificate.renewed_as is None else session.get(Certificate, certificate.renewed_as)


def credential_for_partner(session: Session, identifier: str, client_id: str) -> CertificateVersion | None:
    """The stored version with GB/T 36904 ``identifier`` (of a published certificate), whose signed
    credential a partner system fetches; each fetch is audited (the credential names the holder in
    full). ``None`` when there is no such version."""
    version = _published_version(session, identifier)
    if version is not None:
        begin_write(session)
        record(
            session,
            actor=f"partner:{client_id}",
            action="certificate.credential",
            target_type="certificate",
            target_id=str(version.certificate_id),
            authority=version.certificate.authority.credit_code,
            reason=identifier,
        )
    return version


@dataclass(frozen=True)
class NumberCheck:
    """The answer to a check of an electronic certificate typed in by number and holder name:
    its shown state (``active``, ``suspended``, ``expired``, ``revoked``, ``cancelled``) or
    ``not_found``, and the certificate's current version when found."""

    verdict: str
    version: CertificateVersion | None = None


def check_number(session: Session, number: str, name: str, today: dt.date) -> NumberCheck:
    """Check an electronic certificate by number and holder name, both as printed or shown (the
    number alone answers nothing, as on the paper-certificate check): the newest published
    certificate with that number whose current holder name matches."""
    wanted = " ".join(name.split())
    found = session.scalars(
        select(Certificate)
        .where(Certificate.number == "".join(number.split()).upper(), Certificate.published())
        .order_by(Certificate.id.desc())
    ).all()
    for certificate in found:
        version = current_version(certificate)
        if version.holder_name == wanted:
            return NumberCheck(shown_state_of(certificate, today), version)
    return NumberCheck("not_found")
