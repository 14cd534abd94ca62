"""The one-screen fast path of the window (受理并办结): a staff member who holds an item at all
three stages registers, accepts, approves and grants an application brought to the counter at
once — the same steps as any case (:func:`~.cases.act`), in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ...models import Application, Certificate, Staff
from ...storage import BlobStore
from ..certificates import idempotency
from ..context import IssuingContext
from ..unit_of_work import step
from .cases import NewCase, act, open_at_window

FAST_STEPS = ("accept", "approve", "grant")


@dataclass(frozen=True)
class FastResult:
    """The certificate the fast path made or changed, and its case (``None`` when ``repeated``:
    the same form had already done its work)."""

    certificate: Certificate
    application: Application | None
    repeated: bool = False


def fast_track(
    session: Session,
    context: IssuingContext,
    blobs: BlobStore,
    actor: Staff,
    new: NewCase,
) -> FastResult:
    """Open a window case and take it through acceptance, an approving review and the grant, all
    or nothing: a refusal at any step (a stage ``actor`` does not hold, a missing prerequisite, a
    rule of the certificate core) leaves no case behind. A form submitted twice (its
    ``request_key``) is answered with the certificate of the first."""
    request_key = new.request_key
    with step(session):
        done = idempotency.already_done(session, request_key)
        if done is not None:
            return FastResult(done, None, repeated=True)
        application = open_at_window(session, context, blobs, actor, new)
        for name in FAST_STEPS:
            act(session, context, blobs, actor, application.id, name, expected=application.next_sequence)
        certificate = session.get(Certificate, application.certificate_id)
        assert certificate is not None
        idempotency.remember(session, context.clock, request_key, actor, "fast_track", certificate)
        return FastResult(certificate, application)
