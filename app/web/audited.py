"""The audit event of a signed-in user's full view of personal data (a case, a certificate, a
file): one helper for every page that shows one, so each records it the same way."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user

from ..db import begin_write, get_session
from ..services.audit import record


def record_view(action: str, target_type: str, target_id: str, **after: Any) -> None:
    """Record that the signed-in staff member opened ``target_type`` ``target_id`` (``action``, e.g.
    ``certificate.view``), in the request's transaction (a GET request's too)."""
    session = get_session()
    if request.method in ("GET", "HEAD"):  # its transaction only reads so far: take one that writes
        begin_write(session)
    record(
        session,
        actor=current_user.username,
        action=action,
        target_type=target_type,
        target_id=target_id,
        authority=current_user.authority.credit_code,
        after=after or None,
    )
