"""Re-signing after a key compromise: when an authority's certificate key is withdrawn, the
credential of the current version of each of its live certificates is signed again with the key
that signs for it now, so holders' PDFs and systems holding the JWT get a code that verifies.

Nothing else changes (identifier, version, status index, dates): the facts are the same, only the
signature is new. It runs in chunks the caller commits one by one, so an interrupted run resumes
where it stopped; each re-signed certificate gets an audit event."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from signing import sign_credential

from ...models import Authority, Certificate, CertificateVersion
from ...models.enums import VersionState
from ..audit import record_many
from ..context import IssuingContext
from ..presentations import facts_for
from .signed import certificate_signer
from .state import LIVE

CHUNK = 500


def remaining(session: Session, context: IssuingContext, authority: Authority) -> int:
    """How many live certificates of ``authority`` still carry a credential by another key."""
    signer = certificate_signer(context, authority, context.clock.timestamp())
    stale = _stale(authority, signer.public.kid).subquery()
    return session.scalar(select(func.count()).select_from(stale)) or 0


def _stale(authority: Authority, kid: str) -> Select[tuple[CertificateVersion]]:
    """Current versions of ``authority``'s live certificates signed by a key other than ``kid``."""
    return (
        select(CertificateVersion)
        .join(Certificate, Certificate.id == CertificateVersion.certificate_id)
        .where(
            CertificateVersion.authority_id == authority.id,
            CertificateVersion.state == VersionState.CURRENT.value,
            CertificateVersion.kid != kid,
            Certificate.state.in_(LIVE),
        )
        .order_by(CertificateVersion.id)
    )


def resign_chunk(
    session: Session, context: IssuingContext, actor: str, authority: Authority, limit: int = CHUNK
) -> int:
    """Re-sign up to ``limit`` current versions still signed by another key; how many were."""
    now = context.clock.timestamp()
    signer = certificate_signer(context, authority, now)
    kid = signer.public.kid
    versions = session.scalars(_stale(authority, kid).limit(limit)).all()
    events = []
    for version in versions:
        old = version.kid
        version.credential = sign_credential(
            facts_for(version.certificate, version),
            signer,
            status_uri=context.status_uri(authority.credit_code),
            now=now,
        )
        version.kid, version.signed_at = kid, context.clock.now()
        events.append(
            {
                "actor": actor,
                "action": "certificate.resign",
                "target_type": "certificate",
                "target_id": str(version.certificate_id),
                "authority": authority.credit_code,
                "reason": "key_replaced",
                "before": {"version": version.version, "kid": old},
                "after": {"version": version.version, "kid": kid},
            }
        )
    record_many(session, events, at=context.clock.now())
    return len(versions)
