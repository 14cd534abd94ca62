"""Issuing certificates (核发): one path for one certificate or a hundred thousand.

:func:`plan` checks every request with the certificate's content rules and the registry (no
live certificate already, no number twice); :func:`reserve` takes status-list indexes and serials,
:func:`sign` signs the first versions and :func:`store` writes them with bulk inserts —
practitioner, certificate, signed version, categories and audit event for each, never half a row.
The single form (:func:`issue`, through :func:`write`) and a spreadsheet
(:mod:`app.services.certificates.batches`, in short transactions) call the same functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from signing import Signer, birth_date, sex_from_id

from ...models import Authority, Certificate, CertificateVersion, HolderCategory, Practitioner, Staff
from ...models.enums import CertificateState, ServiceItem
from .. import access, status_lists
from ..audit import record_many
from ..bulk_insert import insert_rows
from ..context import IssuingContext
from ..errors import RuleViolation
from ..unit_of_work import step
from . import idempotency, rules
from .signed import allocate_serials, certificate_signer, version_values
from .state import HOLDS_NUMBER

CHUNK = 1000


@dataclass(frozen=True)
class IssueRequest:
    """What a clerk or a spreadsheet row asks for; ``row`` says where it came from."""

    id_number: str
    name: str
    categories: Sequence[int | str]
    valid_from: dt.date | None = None
    first_issued: dt.date | None = None
    row: int = 0


@dataclass(frozen=True)
class Planned:
    """A checked request, ready to be written."""

    row: int
    id_number: str
    name: str
    categories: tuple[int, ...]
    valid_from: dt.date
    valid_until: dt.date
    first_issued: dt.date


@dataclass(frozen=True)
class Refused:
    """A request that cannot be issued: which field is wrong and why."""

    row: int
    field: str
    error: RuleViolation


@dataclass(frozen=True)
class ActionResult:
    """What an action did; ``repeated`` when the same request had already been carried out."""

    certificate: Certificate
    repeated: bool = False


def _check(request: IssueRequest, context: IssuingContext, today: dt.date) -> Planned | list[Refused]:
    problems: list[Refused] = []

    def field_rule(name: str, rule: Callable[[], object]) -> object:
        try:
            return rule()
        except RuleViolation as exc:
            problems.append(Refused(request.row, name, exc))
            return None

    number = field_rule("id_number", lambda: rules.holder_id(request.id_number, today))
    name = field_rule("name", lambda: rules.holder_name(request.name))
    codes = field_rule("categories", lambda: rules.categories(request.categories))
    if problems:
        return problems
    start = request.valid_from or today
    return Planned(
        row=request.row,
        id_number=str(number),
        name=str(name),
        categories=codes,  # type: ignore[arg-type]
        valid_from=start,
        valid_until=rules.validity_end(start, context.validity_years),
        first_issued=request.first_issued or start,
    )


def plan(
    session: Session, context: IssuingContext, requests: Sequence[IssueRequest]
) -> tuple[list[Planned], list[Refused]]:
    """Check every request; (the ones that can be issued, every problem found), in request order."""
    today = context.clock.today()
    checked: list[Planned] = []
    refused: list[Refused] = []
    first_row: dict[str, int] = {}
    for request in requests:
        result = _check(request, context, today)
        if isinstance(result, list):
            refused += result
        elif result.id_number in first_row:
            row = first_row[result.id_number]
            refused.append(
                Refused(result.row, "id_number", RuleViolation("twice", code="same_number_twice", row=row))
            )
        else:
            first_row[result.id_number] = result.row
            checked.append(result)
    held = numbers_held(session, [p.id_number for p in checked])
    refused += [Refused(p.row, "id_number", held[p.id_number]) for p in checked if p.id_number in held]
    refused.sort(key=lambda r: r.row)
    return [p for p in checked if p.id_number not in held], refused


def numbers_held(session: Session, numbers: Sequence[str]) -> dict[str, RuleViolation]:
    """Which of ``numbers`` a certificate already holds (a live one, or one of a batch still being
    issued), each with the problem to report."""
    held: dict[str, RuleViolation] = {}
    for start in range(0, len(numbers), CHUNK):
        rows = session.execute(
            select(Certificate.number, Certificate.state).where(
                Certificate.number.in_(numbers[start : start + CHUNK]), Certificate.state.in_(HOLDS_NUMBER)
            )
        )
        for number, state in rows.tuples():
            if state == CertificateState.PENDING:
                held[number] = RuleViolation(
                    f"certificate {number} is being issued in a batch that has not finished",
                    code="number_in_unfinished_batch",
                    number=number,
                )
            else:
                held[number] = RuleViolation(
                    f"the holder already has certificate {number}; add categories by changing it",
                    code="live_certificate_exists",
                    number=number,
                )
    return held


def reserve(session: Session, authority: Authority, count: int) -> tuple[int, int]:
    """Reserve ``count`` status-list indexes and identifier serials of ``authority``; (the first
    index, the first serial).

    Every transaction that issues or changes certificates locks rows in one order: the status
    list row, then the authority row, then the certificates it writes, then the audit head (last,
    when the events are recorded). Two orders would let a batch and a single issue deadlock."""
    first_index = status_lists.allocate(session, authority.id, count)
    first_serial = allocate_serials(session, authority, count)
    return first_index, first_serial


@dataclass(frozen=True)
class Signed:
    """A planned certificate with its serial and signed first version (column values)."""

    planned: Planned
    serial: str
    version: dict[str, Any]


def sign(
    context: IssuingContext,
    signer: Signer,
    authority: Authority,
    planned: Sequence[Planned],
    *,
    first_index: int,
    first_serial: int,
    now: int,
) -> list[Signed]:
    """Sign the first version of each of ``planned``, numbered from the reserved ranges (no
    database work: a batch signs outside its short writing transactions) with ``signer``, the
    key :func:`~app.services.certificates.signed.certificate_signer` chose before reserving."""
    today = context.clock.today()
    signed = []
    for offset, p in enumerate(planned):
        serial = f"{first_serial + offset:08d}"
        version = version_values(
            context,
            signer,
            authority,
            serial=serial,
            number=p.id_number,
            holder_id=p.id_number,
            first_issued=p.first_issued,
            version=1,
            holder_name=p.name,
            categories=p.categories,
            issued=today,
            valid_from=p.valid_from,
            valid_until=p.valid_until,
            status_index=first_index + offset,
            now=now,
        )
        signed.append(Signed(p, serial, version))
    return signed


def store(
    session: Session,
    actor: Staff,
    signed: Sequence[Signed],
    *,
    reason: str | None = None,
    batch_job_id: int | None = None,
) -> list[int]:
    """Insert ``signed`` certificates of ``actor``'s authority (practitioner, certificate,
    version, categories, audit event each); their ids, in order. A batch's are ``pending``."""
    authority = actor.authority
    state = CertificateState.PENDING if batch_job_id is not None else CertificateState.ACTIVE
    stamp = signed[0].version["signed_at"] if signed else None
    people = _practitioners(session, [s.planned for s in signed])
    cert_rows: list[dict[str, Any]] = [
        {
            "number": s.planned.id_number,
            "serial": s.serial,
            "practitioner_id": people[s.planned.id_number],
            "authority_id": authority.id,
            "first_issued": s.planned.first_issued,
            "state": state.value,
            "current_version": 1,
            "valid_until": s.planned.valid_until,
            "lock_version": 1,
            "updated_at": stamp,
            "batch_job_id": batch_job_id,
        }
        for s in signed
    ]
    # RETURNING in any order, matched by serial (unique in the range just reserved): asking for
    # parameter order makes SQLAlchemy insert row by row.
    id_by_serial = dict(
        session.execute(
            insert(Certificate.__table__).returning(Certificate.serial, Certificate.id), cert_rows
        )
        .tuples()
        .all()
    )
    ids = [id_by_serial[s.serial] for s in signed]
    versions, holdings, events = [], [], []
    for s, cert_id in zip(signed, ids, strict=True):
        versions.append({**s.version, "certificate_id": cert_id})
        holdings += [
            {"practitioner_id": people[s.planned.id_number], "category": c, "certificate_id": cert_id}
            for c in s.planned.categories
        ]
        events.append(
            {
                "actor": actor.username,
                "action": "certificate.issue",
                "target_type": "certificate",
                "target_id": str(cert_id),
                "authority": authority.credit_code,
                "reason": reason,
                "after": snapshot_values(state.value, s.version),
            }
        )
    insert_rows(session, CertificateVersion.__table__, versions)
    insert_rows(session, HolderCategory.__table__, holdings)
    if stamp is not None:
        record_many(session, events, at=stamp)
    return ids


def write(
    session: Session,
    context: IssuingContext,
    actor: Staff,
    planned: Sequence[Planned],
    *,
    reason: str | None = None,
) -> list[int]:
    """Reserve, sign and store ``planned`` certificates for ``actor``'s authority in the
    session's transaction; their ids, in order."""
    now = context.clock.timestamp()
    signer = certificate_signer(context, actor.authority, now)  # no key: refused before reserving
    first_index, first_serial = reserve(session, actor.authority, len(planned))
    ids: list[int] = []
    for start in range(0, len(planned), CHUNK):
        chunk = planned[start : start + CHUNK]
        signed = sign(
            context,
            signer,
            actor.authority,
            chunk,
            first_index=first_index + start,
            first_serial=first_serial + start,
            now=now,
        )
        ids += store(session, actor, signed, reason=reason)
    return ids


def snapshot_values(state: str, version: dict[str, object]) -> dict[str, object]:
    """What the audit log keeps of a certificate's state and current version."""
    valid_from, valid_until = version["valid_from"], version["valid_until"]
    assert isinstance(valid_from, dt.date) and isinstance(valid_until, dt.date)
    return {
        "state": state,
        "version": version["version"],
        "identifier": version["identifier"],
        "holder_name": version["holder_name"],
        "categories": list(version["categories"]),  # type: ignore[call-overload]
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat(),
    }


def _practitioners(session: Session, chunk: Sequence[Planned]) -> dict[str, int]:
    """Practitioner ids by ID number, creating those not yet known."""
    known = dict(
        session.execute(
            select(Practitioner.id_number, Practitioner.id).where(
                Practitioner.id_number.in_([p.id_number for p in chunk])
            )
        )
        .tuples()
        .all()
    )
    new = [p for p in chunk if p.id_number not in known]
    if new:
        created = session.execute(
            insert(Practitioner.__table__).returning(Practitioner.id_number, Practitioner.id),
            [
                {
                    "id_number": p.id_number,
                    "name": p.name,
                    "sex": sex_from_id(p.id_number),
                    "birth_date": birth_date(p.id_number),
                }
                for p in new
            ],
        )
        known.update(created.tuples().all())
    return known


def issue(
    session: Session,
    context: IssuingContext,
    actor: Staff,
    request: IssueRequest,
    *,
    request_key: str | None = None,
    also: Callable[[Certificate], None] | None = None,
) -> ActionResult:
    """Issue one certificate (核发); ``also`` runs in the same step (e.g. marking the paper
    certificate it replaces)."""
    with step(session):
        done = idempotency.already_done(session, request_key)
        if done is not None:
            return ActionResult(done, repeated=True)
        access.require(
            session,
            actor,
            ServiceItem.ISSUE,
            action="certificate.issue",
            target=("practitioner", request.id_number),
        )
        planned, refused = plan(session, context, [request])
        if refused:
            raise refused[0].error
        (certificate_id,) = write(session, context, actor, planned)
        certificate = session.get(Certificate, certificate_id)
        assert certificate is not None
        if also is not None:
            also(certificate)
        idempotency.remember(session, context.clock, request_key, actor, "issue", certificate)
        return ActionResult(certificate)
