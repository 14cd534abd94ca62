"""Issuing certificates (核发): one path for one certificate or a hundred thousand.

:func:`plan` checks every request with the certificate's content rules and the registry (no
live certificate already, no number twice); :func:`write` writes the planned ones with bulk
inserts in chunks — practitioner, certificate, signed version, categories, status index and audit
event for each, never half a row. The single form (:func:`issue`) and a spreadsheet
(:func:`issue_many`) call the same two functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from signing import birth_date, sex_from_id

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
from .state import LIVE

CHUNK = 1000
Progress = Callable[[int], None]


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


@dataclass
class BatchResult:
    """What a batch did: how many were issued, and every request that was not."""

    issued: int = 0
    refused: list[Refused] = field(default_factory=list)


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
    live: set[str] = set()
    numbers = [p.id_number for p in checked]
    for start in range(0, len(numbers), CHUNK):
        live.update(
            session.scalars(
                select(Certificate.number).where(
                    Certificate.number.in_(numbers[start : start + CHUNK]), Certificate.state.in_(LIVE)
                )
            )
        )
    for p in checked:
        if p.id_number in live:
            refused.append(
                Refused(
                    p.row,
                    "id_number",
                    RuleViolation(
                        f"the holder already has certificate {p.id_number}; add categories by changing it",
                        code="live_certificate_exists",
                        number=p.id_number,
                    ),
                )
            )
    refused.sort(key=lambda r: r.row)
    return [p for p in checked if p.id_number not in live], refused


def write(
    session: Session,
    context: IssuingContext,
    actor: Staff,
    planned: Sequence[Planned],
    *,
    reason: str | None = None,
    progress: Progress | None = None,
) -> list[int]:
    """Write and sign ``planned`` certificates for ``actor``'s authority; their ids, in order."""
    authority: Authority = actor.authority
    now = context.clock.timestamp()
    signer = certificate_signer(context, authority, now)
    first_index = status_lists.allocate(session, authority.id, len(planned))
    first_serial = allocate_serials(session, authority, len(planned))
    stamp = dt.datetime.fromtimestamp(now, dt.UTC)
    today = context.clock.today()
    ids: list[int] = []
    for start in range(0, len(planned), CHUNK):
        chunk = planned[start : start + CHUNK]
        people = _practitioners(session, chunk)
        cert_rows: list[dict[str, Any]] = [
            {
                "number": p.id_number,
                "serial": f"{first_serial + start + offset:08d}",
                "practitioner_id": people[p.id_number],
                "authority_id": authority.id,
                "first_issued": p.first_issued,
                "state": CertificateState.ACTIVE.value,
                "current_version": 1,
                "valid_until": p.valid_until,
                "lock_version": 1,
                "updated_at": stamp,
            }
            for offset, p in enumerate(chunk)
        ]
        # RETURNING in any order, matched by serial (unique in the range just allocated): asking
        # for parameter order makes SQLAlchemy insert row by row.
        cert_id_by_serial = dict(
            session.execute(
                insert(Certificate.__table__).returning(Certificate.serial, Certificate.id), cert_rows
            )
            .tuples()
            .all()
        )
        chunk_ids = [cert_id_by_serial[row["serial"]] for row in cert_rows]
        versions, holdings, events = [], [], []
        for offset, (p, cert_row, cert_id) in enumerate(zip(chunk, cert_rows, chunk_ids, strict=True)):
            values = version_values(
                context,
                signer,
                authority,
                serial=str(cert_row["serial"]),
                number=p.id_number,
                holder_id=p.id_number,
                first_issued=p.first_issued,
                version=1,
                holder_name=p.name,
                categories=p.categories,
                issued=today,
                valid_from=p.valid_from,
                valid_until=p.valid_until,
                status_index=first_index + start + offset,
                now=now,
            )
            versions.append({**values, "certificate_id": cert_id})
            holdings += [
                {"practitioner_id": people[p.id_number], "category": c, "certificate_id": cert_id}
                for c in p.categories
            ]
            events.append(
                {
                    "actor": actor.username,
                    "action": "certificate.issue",
                    "target_type": "certificate",
                    "target_id": str(cert_id),
                    "authority": authority.credit_code,
                    "reason": reason,
                    "after": snapshot_values(CertificateState.ACTIVE.value, values),
                }
            )
        insert_rows(session, CertificateVersion.__table__, versions)
        insert_rows(session, HolderCategory.__table__, holdings)
        record_many(session, events, at=stamp)
        ids += chunk_ids
        if progress:
            progress(len(chunk))
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


def issue_many(
    session: Session,
    context: IssuingContext,
    actor: Staff,
    requests: Sequence[IssueRequest],
    *,
    all_or_nothing: bool = True,
    earlier_problems: int = 0,
    progress: Progress | None = None,
) -> BatchResult:
    """Issue every request that passes :func:`plan` — or none if ``all_or_nothing`` and any
    request (or ``earlier_problems``, found while reading the file) was refused."""
    with step(session):
        access.require(session, actor, ServiceItem.ISSUE, action="certificate.batch", target=("batch", "-"))
        planned, refused = plan(session, context, requests)
        result = BatchResult(refused=refused)
        if ((refused or earlier_problems) and all_or_nothing) or not planned:
            return result
        write(session, context, actor, planned, reason="batch", progress=progress)
        result.issued = len(planned)
        return result
