"""Signing the short-lived presentation a holder shows on their phone (亮证), and the printed
certificate's code (a link to the check page, signed by the issuing authority)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from signing import (
    CertificateFacts,
    Identifier,
    Purpose,
    Status,
    presentation_url,
    sign_presentation,
    sign_printed,
)
from signing.errors import KeyHandlingError

from ..models import Certificate, CertificateVersion
from .certificates import current_version
from .context import IssuingContext
from .errors import RuleViolation

SHOW_MARGIN = 5
"""Seconds before a code expires that the show screen stops showing it (when it could not fetch a
new one): time for the inspector to scan it, and for the phone's estimate of the server's clock."""


def refresh_seconds(lifetime: int) -> int:
    """How often the show screen fetches a new code: at half its lifetime, so a code on an online
    phone's screen is at most about ``lifetime / 2`` old, and even one kept on an offline phone
    (shown until ``lifetime - SHOW_MARGIN``) verifies on an inspector's phone whose clock is the
    whole clock allowance fast (signing.CLOCK_ALLOWANCE)."""
    return max(10, lifetime // 2)


STATUS_OF_STATE = {
    "active": Status.VALID,
    "suspended": Status.SUSPENDED,
    "revoked": Status.REVOKED,
    "cancelled": Status.REVOKED,
}


def facts_for(certificate: Certificate, version: CertificateVersion) -> CertificateFacts:
    """What a stored version says, as the signing library takes it."""
    return CertificateFacts(
        identifier=Identifier.parse(version.identifier),
        number=certificate.number,
        holder_name=version.holder_name,
        holder_id=certificate.practitioner.id_number,
        categories=tuple(version.categories),
        issuer_name=certificate.authority.name,
        first_issued=certificate.first_issued,
        issued=version.issued,
        valid_from=version.valid_from,
        valid_until=version.valid_until,
        status_index=version.status_index,
    )


@dataclass(frozen=True)
class Presentation:
    """A signed presentation and when it stops being valid."""

    payload: str
    url: str
    issued_at: int
    expires_at: int
    status: Status

    @property
    def show_until(self) -> int:
        """When the show screen stops showing it (see :data:`SHOW_MARGIN`)."""
        return self.expires_at - SHOW_MARGIN


def present(
    context: IssuingContext, certificate: Certificate, lifetime: int, now: int | None = None
) -> Presentation:
    """Sign a presentation of the certificate's current version, carrying its current status."""
    when = int(time.time()) if now is None else now
    try:
        signer = context.keys.signer(Purpose.PRESENTATION, now=when)
    except KeyHandlingError as exc:
        raise RuleViolation(str(exc), code="no_presentation_key") from exc
    status = STATUS_OF_STATE[certificate.state]
    payload = sign_presentation(
        facts_for(certificate, current_version(certificate)),
        signer,
        now=when,
        lifetime=lifetime,
        status=status,
    )
    return Presentation(payload, presentation_url(context.base_url, payload), when, when + lifetime, status)


def printed_code(
    context: IssuingContext, certificate: Certificate, version: CertificateVersion, now: int | None = None
) -> str:
    """The QR text of the printed certificate: ``<base>/v/<digits>``, ``version`` signed with the
    issuing authority's current certificate key, verifiable offline for the version's validity
    (its status comes from the status list: a renewed certificate's old paper says superseded)."""
    when = int(time.time()) if now is None else now
    issuer = certificate.authority.credit_code
    try:
        signer = context.keys.signer(Purpose.CERTIFICATE, now=when, issuer=issuer)
    except KeyHandlingError as exc:
        raise RuleViolation(str(exc), code="no_certificate_key") from exc
    payload = sign_printed(facts_for(certificate, version), signer, now=when)
    return presentation_url(context.base_url, payload)
