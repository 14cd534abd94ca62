"""Each authority's status list: index allocation, status changes, and the signed token.

Every change first bumps the row (``UPDATE … RETURNING``), which takes SQLite's write lock or the
PostgreSQL row lock before the entries are read, so concurrent changes never lose one another.

The row stores only the entries up to the last one ever changed; the published list covers every
allocated index and is padded to :func:`signing.status_list_size` entries (at least 2^17), so
its size tells nothing about how many certificates were revoked. The list is signed once per
change and the token is stored in the row: every worker and instance serves the same bytes (and
ETag) until the list changes, grows, the signing key changes, or the token is a day old.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from signing import Purpose, Signer, Status, StatusList, sign_status_list, status_list_size

from ..models import Authority, StatusListRow
from .context import IssuingContext

LIFETIME = 7 * 24 * 3600
"""A token is valid for a week: an inspector's phone may check offline that long."""
REFRESH_AFTER = 24 * 3600
"""An unchanged list is signed again after a day, so a copy fetched any time has six days left."""
TTL = 300
"""The token's ``ttl`` claim: how long a verifier may use a copy before fetching again."""


class PublishedList(NamedTuple):
    """The signed token an authority's status-list URL serves, and its strong ETag."""

    token: str
    etag: str


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


def entries(data: bytes, next_index: int) -> StatusList:
    """A row's list as published: every allocated index, padded to the published size."""
    return StatusList(data, size=status_list_size(next_index))


def get_status(session: Session, authority_id: int, index: int) -> Status:
    """The current status at ``index`` (:class:`signing.errors.StatusOutOfBounds` past the end
    of the published list)."""
    row = _row(session, authority_id)
    return entries(row.data, row.next_index).get(index)


def published(
    session: Session, context: IssuingContext, authority: Authority, *, now: int
) -> PublishedList | None:
    """The stored token of ``authority``'s list if it is still current, else None (then
    :func:`publish` signs it again). Raises ``KeyHandlingError`` when no key signs for it now."""
    return _current(_row(session, authority.id), _signer(context, authority, now), now)


def publish(session: Session, context: IssuingContext, authority: Authority, *, now: int) -> PublishedList:
    """Sign ``authority``'s list and store the token, unless another worker just did (the row is
    locked and checked again first). Runs in the caller's writing transaction; the caller commits."""
    signer = _signer(context, authority, now)
    row = _row(session, authority.id, lock=True)
    found = _current(row, signer, now)
    if found is not None:
        return found
    statuses = entries(row.data, row.next_index)
    row.token = sign_status_list(
        statuses,
        issuer=authority.credit_code,
        uri=context.status_uri(authority.credit_code),
        signer=signer,
        now=now,
        ttl=TTL,
        lifetime=LIFETIME,
    )
    row.token_revision = row.revision
    row.token_entries = len(statuses)
    row.token_kid = signer.public.kid
    row.token_signed_at = now
    session.flush()
    return _published(row.token)


def signed_list(session: Session, context: IssuingContext, authority: Authority) -> tuple[str, int]:
    """(status list token, revision) for ``authority``, signed again only if needed; for a caller
    already in a writing transaction (a command or a test)."""
    now = int(dt.datetime.now(dt.UTC).timestamp())
    found = published(session, context, authority, now=now) or publish(session, context, authority, now=now)
    return found.token, _row(session, authority.id).revision


def _row(session: Session, authority_id: int, *, lock: bool = False) -> StatusListRow:
    # Read afresh: set_statuses() and allocate() change the row behind the ORM's back.
    query = select(StatusListRow).where(StatusListRow.authority_id == authority_id)
    row = session.scalars(
        (query.with_for_update() if lock else query).execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise LookupError(authority_id)
    return row


def _signer(context: IssuingContext, authority: Authority, now: int) -> Signer:
    return context.keys.signer(Purpose.CERTIFICATE, now=now, issuer=authority.credit_code)


def _current(row: StatusListRow, signer: Signer, now: int) -> PublishedList | None:
    if (
        row.token is None
        or row.token_revision != row.revision
        or row.token_entries != status_list_size(row.next_index)
        or row.token_kid != signer.public.kid
        or row.token_signed_at is None
        or now - row.token_signed_at >= REFRESH_AFTER
    ):
        return None
    return _published(row.token)


def _published(token: str) -> PublishedList:
    return PublishedList(token, hashlib.sha256(token.encode("ascii")).hexdigest()[:32])
