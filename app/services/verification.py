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

from signing import LEGACY_LAYOUT_UNTIL, KeySet, StatusReading, Verified, Verifier
from signing.errors import StatusUnavailable

from ..db import begin_write
from ..models import Authority, Certificate, CertificateVersion, Staff, StatusListRow
from .audit import record
from .certificates import current_version, shown_state_of
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


def full_record(session: Session, verified: Verified, viewer: Staff) -> CertificateVersion | None:
    """The stored version behind ``verified``, for a signed-in inspector; every look is audited."""
    version = session.scalars(
        select(CertificateVersion)
        .join(Certificate)
        .where(CertificateVersion.identifier == verified.identifier, Certificate.published())
    ).first()
    if version is not None:
        begin_write(session)
        record(
            session,
            actor=viewer.username,
            action="verification.full_view",
            target_type="certificate",
            target_id=str(version.certificate_id),
            authority=viewer.authority.credit_code,
            reason=verified.kind,
        )
    return version


def credential_for_partner(session: Session, identifier: str, client_id: str) -> CertificateVersion | None:
    """The stored version with GB/T 36904 ``identifier`` (of a published certificate), whose signed
    credential a partner system fetches; each fetch is audited (the credential names the holder in
    full). ``None`` when there is no such version."""
    version = session.scalars(
        select(CertificateVersion)
        .join(Certificate)
        .where(CertificateVersion.identifier == identifier, Certificate.published())
    ).first()
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
