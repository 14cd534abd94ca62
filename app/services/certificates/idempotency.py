"""A form submitted twice does its work once: each action remembers its request key."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ...models import Certificate, ProcessedRequest, Staff
from ..clock import Clock


def already_done(session: Session, key: str | None) -> Certificate | None:
    """The certificate a request with ``key`` already acted on, if it was carried out."""
    if not key:
        return None
    done = session.get(ProcessedRequest, key)
    return None if done is None else session.get(Certificate, done.certificate_id)


def remember(
    session: Session, clock: Clock, key: str | None, actor: Staff, action: str, certificate: Certificate
) -> None:
    """Record that the request ``key`` carried out ``action`` on ``certificate``."""
    if key:
        session.add(
            ProcessedRequest(
                key=key,
                staff_id=actor.id,
                action=action,
                certificate_id=certificate.id,
                created_at=clock.now(),
            )
        )
