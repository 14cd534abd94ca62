"""Each authority's status list: index allocation, status changes, and the signed token.

Every change first bumps the row (``UPDATE … RETURNING``), which takes SQLite's write lock or the
PostgreSQL row lock before the entries are read, so concurrent changes never lose one another.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from signing import Purpose, Status, StatusList, sign_status_list

from ..models import Authority, StatusListRow
from .context import IssuingContext

_cache: dict[tuple[str, int, str, bytes], tuple[str, int]] = {}
RESIGN_AFTER = 3600
"""An unchanged list is signed again after an hour, long before its token expires (7 days)."""
_cache_lock = threading.Lock()


def allocate(session: Session, authority_id: int, count: int = 1) -> int:
    """Reserve ``count`` consecutive indexes and return the first. Indexes are never reused."""
    (next_index,) = session.execute(
        update(StatusListRow)
        .where(StatusListRow.authority_id == authority_id)
        .values(next_index=StatusListRow.next_index + count)
        .returning(StatusListRow.next_index)
    ).one()
    return int(next_index) - count


def set_statuses(session: Session, authority_id: int, changes: dict[int, Status]) -> None:
    """Write status changes into the authority's list (in the caller's transaction)."""
    (data,) = session.execute(
        update(StatusListRow)
        .where(StatusListRow.authority_id == authority_id)
        .values(revision=StatusListRow.revision + 1, updated_at=dt.datetime.now(dt.UTC))
        .returning(StatusListRow.data)
    ).one()
    statuses = StatusList(data)
    for index, status in changes.items():
        statuses.set(index, status)
    session.execute(
        update(StatusListRow)
        .where(StatusListRow.authority_id == authority_id)
        .values(data=bytes(statuses.data))
    )


def get_status(session: Session, authority_id: int, index: int) -> Status:
    """The current status at ``index``."""
    data = session.scalar(select(StatusListRow.data).where(StatusListRow.authority_id == authority_id))
    return StatusList(data or b"").get(index)


def signed_list(session: Session, context: IssuingContext, authority: Authority) -> tuple[str, int]:
    """(status list token, revision) for ``authority``, signed by its certificate key; tokens are
    reused while the list is unchanged."""
    row = session.get(StatusListRow, authority.id)
    if row is None:
        raise LookupError(authority.credit_code)
    now = int(time.time())
    signer = context.keys.signer(Purpose.CERTIFICATE, now=now, issuer=authority.credit_code)
    key = (authority.credit_code, row.revision, signer.public.kid, hashlib.sha256(row.data).digest())
    with _cache_lock:
        token, signed_at = _cache.get(key, ("", 0))
    if now - signed_at > RESIGN_AFTER:
        token = sign_status_list(
            StatusList(row.data),
            issuer=authority.credit_code,
            uri=context.status_uri(authority.credit_code),
            signer=signer,
            now=now,
        )
        with _cache_lock:
            if len(_cache) > 1000:
                _cache.clear()
            _cache[key] = (token, now)
    return token, row.revision
