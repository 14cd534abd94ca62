"""Online verification: the library's verifier, fed with the published keys and the live status
lists, so a revocation is seen the moment it commits; and the full record behind a verified
certificate, for signed-in inspectors."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from signing import KeySet, SignedStatusList, StatusList, Verified, Verifier

from ..db import begin_write
from ..models import Authority, CertificateVersion, Staff, StatusListRow
from .audit import record
from .context import IssuingContext

LIVE_LIST_LIFETIME = 60
_LIVE_LIST = (
    select(StatusListRow.data)
    .join(Authority, Authority.id == StatusListRow.authority_id)
    .where(Authority.credit_code == bindparam("issuer"))
)


class LiveStatusLists(Mapping[str, SignedStatusList]):
    """Status lists read from the database on demand, one issuer at a time."""

    def __init__(self, engine: Engine, context: IssuingContext) -> None:
        self._engine = engine
        self._context = context
        self._loaded: dict[str, SignedStatusList | None] = {}

    def __getitem__(self, issuer: str) -> SignedStatusList:
        if issuer not in self._loaded:
            # One indexed read on its own short connection: no ORM session to set up and close.
            with self._engine.connect() as connection:
                row = connection.execute(_LIVE_LIST, {"issuer": issuer}).first()
            now = int(time.time())
            self._loaded[issuer] = (
                None
                if row is None
                else SignedStatusList(
                    issuer=issuer,
                    uri=self._context.status_uri(issuer),
                    issued_at=now,
                    expires_at=now + LIVE_LIST_LIFETIME,
                    ttl=0,
                    statuses=StatusList(row[0]),
                )
            )
        found = self._loaded[issuer]
        if found is None:
            raise KeyError(issuer)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(k for k, v in self._loaded.items() if v is not None)

    def __len__(self) -> int:
        return sum(1 for v in self._loaded.values() if v is not None)


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


def online_verifier(engine: Engine, context: IssuingContext) -> Verifier:
    """A verifier that trusts the published keys and requires the live status (read through
    ``engine``, a read-only one: see :func:`app.db.get_read_engine`)."""
    return Verifier(_published(context), LiveStatusLists(engine, context), require_status=True)


def full_record(session: Session, verified: Verified, viewer: Staff) -> CertificateVersion | None:
    """The stored version behind ``verified``, for a signed-in inspector; every look is audited."""
    version = session.scalars(
        select(CertificateVersion).where(CertificateVersion.identifier == verified.identifier)
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
        session.commit()
    return version
