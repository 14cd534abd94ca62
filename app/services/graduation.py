"""Graduation certificates (结业证书): checking what the timing platform pushes (metadata and PDF),
keeping every revision, linking the practitioner, and finding them again.

A push is idempotent: the same content for a certificate number returns the stored revision;
different content becomes a new revision and the old one stays. The PDF is streamed into the
blob store, checked to be a real, unencrypted PDF, kept under its SHA-256 and committed with its
row; anything that fails on the way leaves nothing behind.

Every certificate has an owner: the partner system that first pushed its number, or the bureau
(:data:`~app.models.BUREAU`) for its own imports. A partner pushes only for the schools it is
registered for; only the owner adds revisions to a number, and never for another student (that is
another certificate), so no push takes away what a holder sees. Only the bureau moves a number to
another owner (:func:`hand_over`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from signing import birth_date

from ..models import (
    BUREAU,
    ApplicationMaterial,
    GraduationCertificate,
    PartnerClient,
    Practitioner,
    Staff,
    TrainingSchool,
)
from ..storage import BlobStore, Received
from .access import visible_graduation_certificates
from .audit import record
from .errors import Conflict, InvalidFields, NotFound, PermissionDenied
from .graduation_checks import (
    FIELD_ERRORS,
    FIELDS,
    NUMBER,
    Metadata,
    NotPdf,
    UnusablePdf,
    check_pdf,
    parse_metadata,
    training_types,
)
from .queries import Page, paginate
from .unit_of_work import step

__all__ = [  # with the push checks, re-exported from graduation_checks
    "FIELDS",
    "FIELD_ERRORS",
    "Cleanup",
    "Filters",
    "InvalidFields",
    "Metadata",
    "NotPdf",
    "Outcome",
    "UnusablePdf",
    "check_pdf",
    "cleanup",
    "current",
    "hand_over",
    "history",
    "ingest",
    "iter_pdf",
    "of_practitioner",
    "owned_by",
    "owner_name",
    "owner_of",
    "parse_metadata",
    "receive",
    "search",
    "training_types",
    "visible",
    "warnings_of",
]


@dataclass(frozen=True)
class Outcome:
    """What a push did: the stored revision, whether it is new, and warnings for staff."""

    certificate: GraduationCertificate
    created: bool
    warnings: list[str] = field(default_factory=list)


def warnings_of(row: GraduationCertificate) -> list[str]:
    """Flags staff should see on a stored revision."""
    return [] if row.school_known else ["unknown_school"]


def _practitioner(session: Session, meta: Metadata) -> Practitioner:
    found = session.scalars(select(Practitioner).filter_by(id_number=meta.student_id_number)).first()
    if found is None:
        found = Practitioner(
            id_number=meta.student_id_number,
            name=meta.name,
            sex=meta.sex,
            birth_date=birth_date(meta.student_id_number),
        )
        session.add(found)
        session.flush()
    return found


def current(session: Session, number: str) -> GraduationCertificate | None:
    """The newest revision of a certificate number."""
    return session.scalars(select(GraduationCertificate).filter_by(number=number, current=True)).first()


def owner_of(client: PartnerClient | None) -> str:
    """The owner a sender's new certificates get: the partner's client ID, or the bureau."""
    return client.client_id if client is not None else BUREAU


def ingest(
    session: Session,
    store: BlobStore,
    *,
    meta: Metadata,
    received: Received,
    client: PartnerClient | None,
    source: str,
    actor: str,
) -> Outcome:
    """Store a checked push (``received`` has passed :func:`check_pdf`) in one step: all of it, or
    no row.

    A certificate number belongs to its first owner (``client``, or the bureau when there is none):
    another owner's push of it is refused (``number_taken``), and so is a revision for another
    student (``different_student``); both refusals are audited.

    A blob kept here is never deleted on failure: a concurrent push of the same PDF may need it.
    If the transaction fails, it is an orphan that ``cleanup`` removes once it is old enough."""
    content = hashlib.sha256(f"{meta.canonical()}\n{received.sha256}".encode()).hexdigest()
    try:
        with step(session):
            row, created = _store(session, store, meta, received, content, client, source, actor)
    except BaseException as exc:
        store.discard(received)
        if isinstance(exc, Conflict):  # someone stored this number's next revision first
            raise Conflict("the certificate was changed at the same time; push again") from None
        raise
    return Outcome(row, created, warnings_of(row))


def _refused(message: str, *, code: str, actor: str, number: str, owner: str) -> PermissionDenied:
    refusal = PermissionDenied(message, code=code)
    refusal.refusal = {
        "actor": actor,
        "action": "graduation.refused",
        "target_type": "graduation_certificate",
        "target_id": number,
        "reason": code,
        "after": {"owner": owner},
    }
    return refusal


def _store(
    session: Session,
    store: BlobStore,
    meta: Metadata,
    received: Received,
    content: str,
    client: PartnerClient | None,
    source: str,
    actor: str,
) -> tuple[GraduationCertificate, bool]:
    owner = owner_of(client)
    # locked (PostgreSQL; SQLite writers queue anyway): a hand-over of the number meanwhile is seen
    latest = session.scalars(
        select(GraduationCertificate)
        .filter_by(number=meta.certificate_number, current=True)
        .with_for_update()
    ).first()
    if latest is not None and latest.owner != owner:
        raise _refused(
            f"certificate number {latest.number} belongs to {latest.owner}",
            code="number_taken",
            actor=actor,
            number=latest.number,
            owner=latest.owner,
        )
    if latest is not None and latest.content_sha256 == content:
        if store.exists(latest.pdf_sha256):
            store.discard(received)
        else:  # the file was lost (see ``cleanup``): the same push again restores it
            store.keep(received)
        return latest, False
    if latest is not None and latest.practitioner.id_number != meta.student_id_number:
        raise _refused(
            f"certificate number {latest.number} was issued to another student",
            code="different_student",
            actor=actor,
            number=latest.number,
            owner=latest.owner,
        )
    school = session.scalars(select(TrainingSchool).filter_by(credit_code=meta.school_credit_code)).first()
    practitioner = _practitioner(session, meta)
    if latest is not None:
        latest.current = False
        session.flush()
    row = GraduationCertificate(
        number=meta.certificate_number,
        revision=latest.revision + 1 if latest else 1,
        current=True,
        practitioner_id=practitioner.id,
        name=meta.name,
        sex=meta.sex,
        training_type=meta.training_type,
        school_credit_code=meta.school_credit_code,
        school_known=school is not None,
        region_code=school.region_code if school else None,
        period_start=meta.period_start,
        period_end=meta.period_end,
        completed_on=meta.completed_on,
        pdf_sha256=received.sha256,
        pdf_bytes=received.size,
        content_sha256=content,
        owner=owner,
        pushed_by=client.id if client else None,
        source=source,
        received_by=actor,
        received_at=dt.datetime.now(dt.UTC),
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor=actor,
        action="graduation.receive" if row.revision == 1 else "graduation.revise",
        target_type="graduation_certificate",
        target_id=f"{row.number}#{row.revision}",
        after={
            "pdf_sha256": row.pdf_sha256,
            "school_known": row.school_known,
            "source": source,
            "owner": owner,
        },
    )
    store.keep(received)
    return row, True


def _referenced(session: Session, sha256: str) -> bool:
    """Whether any row names the blob (a graduation certificate's PDF or an application's material)."""
    return any(
        session.scalar(select(func.count()).where(column == sha256)) != 0
        for column in (GraduationCertificate.pdf_sha256, ApplicationMaterial.sha256)
    )


def receive(
    session: Session,
    store: BlobStore,
    *,
    raw: Any,
    stream: IO[bytes],
    limit: int,
    types: Mapping[str, str],
    client: PartnerClient | None,
    source: str,
    actor: str,
    today: dt.date,
) -> Outcome:
    """Check the metadata (a partner ``client`` only for the schools it is registered for), stream
    the PDF aside (``TooLarge`` past ``limit``), check it, and store both — or nothing."""
    meta = parse_metadata(raw, types, today, client.school_codes if client is not None else None)
    received = store.receive(stream, limit)
    try:
        check_pdf(received.path)
    except BaseException:
        store.discard(received)
        raise
    return ingest(session, store, meta=meta, received=received, client=client, source=source, actor=actor)


def history(session: Session, number: str, actor: Staff | None = None) -> list[GraduationCertificate]:
    """Every revision of a certificate number, newest first (only those ``actor`` may see, if given)."""
    if not NUMBER.fullmatch(number):  # none stored; and PostgreSQL refuses NUL characters in queries
        return []
    query = select(GraduationCertificate).filter_by(number=number)
    if actor is not None:
        query = visible_graduation_certificates(query, actor)
    return list(session.scalars(query.order_by(GraduationCertificate.revision.desc())))


def owner_name(session: Session, owner: str) -> str | None:
    """The name of the partner system that owns certificates as ``owner`` (``None`` for the bureau,
    or a client that no longer exists)."""
    if owner == BUREAU:
        return None
    return session.scalars(select(PartnerClient.name).filter_by(client_id=owner)).first()


def owned_by(session: Session, number: str, client: PartnerClient) -> list[GraduationCertificate]:
    """Every revision of a certificate number ``client`` owns, newest first (none if it does not)."""
    return [row for row in history(session, number) if row.owner == client.client_id]


def hand_over(
    session: Session,
    *,
    to: PartnerClient,
    numbers: list[str] | None = None,
    school: str | None = None,
    actor: str,
) -> list[str]:
    """Give certificate ``numbers`` (or every certificate whose current revision names ``school``)
    to the partner system ``to``, every revision at once, in one step: all of them or none. ``to``
    must be registered for each one's school; the bureau decides this (a partner never takes a
    number over by pushing it). Returns the numbers whose owner changed; each change is audited."""
    query = select(GraduationCertificate).where(GraduationCertificate.current.is_(True))
    if school is not None:
        query = query.where(GraduationCertificate.school_credit_code == school)
    else:
        wanted = sorted(set(numbers or ()))
        for number in wanted:
            if not NUMBER.fullmatch(number):
                raise NotFound(f"no graduation certificate {number}", code="certificate_not_found")
        query = query.where(GraduationCertificate.number.in_(wanted))
    # locked, as a push locks it: a push of one of these numbers meanwhile is seen, never half-moved
    rows = list(session.scalars(query.order_by(GraduationCertificate.number).with_for_update()))
    if school is None:
        missing = sorted(set(numbers or ()) - {row.number for row in rows})
        if missing:
            raise NotFound(f"no graduation certificate {', '.join(missing)}", code="certificate_not_found")
    moved = []
    with step(session):
        for row in rows:
            if row.school_credit_code not in to.school_codes:
                raise PermissionDenied(
                    f"{to.client_id} is not registered for school {row.school_credit_code} ({row.number})",
                    code="not_registered_for_school",
                    value=row.school_credit_code,
                )
            before = row.owner
            if before == to.client_id:
                continue
            session.execute(
                update(GraduationCertificate)
                .where(GraduationCertificate.number == row.number)
                .values(owner=to.client_id)
            )
            record(
                session,
                actor=actor,
                action="graduation.hand_over",
                target_type="graduation_certificate",
                target_id=row.number,
                before={"owner": before},
                after={"owner": to.client_id},
            )
            moved.append(row.number)
    return moved


@dataclass(frozen=True)
class Filters:
    """Staff search fields (all optional)."""

    text: str = ""
    """Part of a name, an ID number or a certificate number."""
    school: str = ""
    training_type: str = ""
    completed_from: dt.date | None = None
    completed_to: dt.date | None = None
    warnings_only: bool = False


def search(session: Session, actor: Staff, filters: Filters, page: int = 1) -> Page[GraduationCertificate]:
    """Current revisions matching ``filters`` in ``actor``'s region, newest completion first."""
    query = visible_graduation_certificates(
        select(GraduationCertificate).where(GraduationCertificate.current.is_(True)), actor
    )
    text = filters.text.strip()
    if text:
        query = query.where(
            or_(
                GraduationCertificate.name.contains(text, autoescape=True),
                GraduationCertificate.number == text,
                GraduationCertificate.practitioner.has(Practitioner.id_number == text.upper()),
            )
        )
    if filters.school.strip():
        query = query.where(GraduationCertificate.school_credit_code == filters.school.strip().upper())
    if filters.training_type:
        query = query.where(GraduationCertificate.training_type == filters.training_type)
    if filters.completed_from:
        query = query.where(GraduationCertificate.completed_on >= filters.completed_from)
    if filters.completed_to:
        query = query.where(GraduationCertificate.completed_on <= filters.completed_to)
    if filters.warnings_only:
        query = query.where(GraduationCertificate.school_known.is_(False))
    order = (GraduationCertificate.completed_on.desc(), GraduationCertificate.id.desc())
    return paginate(session, query, page, *order)


def visible(session: Session, actor: Staff, certificate_id: int) -> GraduationCertificate | None:
    """One revision, if ``actor`` may see it."""
    return session.scalars(
        visible_graduation_certificates(
            select(GraduationCertificate).where(GraduationCertificate.id == certificate_id), actor
        )
    ).first()


def of_practitioner(session: Session, practitioner_id: int) -> list[GraduationCertificate]:
    """A holder's own graduation certificates (current revisions)."""
    return list(
        session.scalars(
            select(GraduationCertificate)
            .filter_by(practitioner_id=practitioner_id, current=True)
            .order_by(GraduationCertificate.completed_on.desc())
        )
    )


@dataclass(frozen=True)
class Cleanup:
    """What a cleanup found (and removed unless it was a dry run)."""

    orphan_blobs: list[str]
    leftovers: list[str]
    missing_files: list[str]


def cleanup(
    session: Session, store: BlobStore, *, older_than: float = 3600, dry_run: bool = False
) -> Cleanup:
    """Find blobs no row names and half-received files (both left by a crash), older than
    ``older_than`` seconds (younger ones may belong to a push still committing), and remove them;
    report rows whose file is missing (the same push again restores it)."""
    named = set(session.scalars(select(GraduationCertificate.pdf_sha256).distinct()))
    named |= set(session.scalars(select(ApplicationMaterial.sha256).distinct()))
    orphans = sorted(set(store.hashes(older_than)) - named)
    leftovers = sorted(str(path) for path in store.leftovers(older_than))
    missing = sorted(
        f"{number}#{revision}"
        for number, revision, sha in session.execute(
            select(
                GraduationCertificate.number, GraduationCertificate.revision, GraduationCertificate.pdf_sha256
            )
        )
        if not store.exists(sha)
    )
    if not dry_run:
        for sha in orphans:
            if not _referenced(session, sha):  # a push may have committed it since
                store.delete(sha)
        for path in leftovers:
            Path(path).unlink(missing_ok=True)
    return Cleanup(orphans, leftovers, missing)


def iter_pdf(store: BlobStore, sha256: str, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """A stored PDF in chunks (for streaming responses)."""
    with store.open(sha256) as stream:
        while data := stream.read(chunk):
            yield data
