"""Batch issuance from a spreadsheet: every row checked first, then all certificates issued in
one transaction (all or nothing), or only the valid rows with the others reported. Never half
a row: a row is issued whole (practitioner, certificate, signed version, categories, status
index, audit event) or not at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from signing import Signer, birth_date, validate_id_number
from signing.errors import IdentifierError

from ..models import Authority, Certificate, CertificateVersion, HolderCategory, Practitioner, Staff
from ..models.enums import CertificateState, ServiceItem
from . import status_lists
from .audit import record_many
from .certificates import LIVE
from .context import IssuingContext
from .errors import DomainError
from .permissions import authorize
from .spreadsheet import N_, ParsedFile, ParsedRow, RowError
from .versions import (
    allocate_serials,
    certificate_signer,
    normalize_categories,
    today_cst,
    validity_end,
    version_values,
)

CHUNK = 1000
Progress = Callable[[int], None]


@dataclass
class BatchResult:
    """What a batch did: how many were issued, and every row that was not."""

    issued: int = 0
    errors: list[RowError] = field(default_factory=list)


def _check_rows(session: Session, rows: Sequence[ParsedRow], today: dt.date) -> list[RowError]:
    errors: list[RowError] = []
    numbers = []
    for row in rows:
        try:
            row.id_number = validate_id_number(row.id_number, today=today)
            numbers.append(row.id_number)
        except IdentifierError as exc:
            errors.append(
                RowError(
                    row.row, "身份证号码", N_("The ID number is not valid: %(detail)s."), {"detail": str(exc)}
                )
            )
        try:
            row.categories = normalize_categories(row.categories)
        except DomainError as exc:
            errors.append(
                RowError(
                    row.row,
                    "从业资格类别",
                    N_("The categories are not valid: %(detail)s."),
                    {"detail": str(exc)},
                )
            )
    live: set[str] = set()
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start : start + CHUNK]
        live.update(
            session.scalars(
                select(Certificate.number).where(Certificate.number.in_(chunk), Certificate.state.in_(LIVE))
            )
        )
    errors += [
        RowError(
            row.row,
            "身份证号码",
            N_("The holder already has certificate %(number)s."),
            {"number": row.id_number},
        )
        for row in rows
        if row.id_number in live
    ]
    return errors


def issue_batch(
    session: Session,
    context: IssuingContext,
    actor: Staff,
    parsed: ParsedFile,
    *,
    all_or_nothing: bool = True,
    progress: Progress | None = None,
) -> BatchResult:
    """Issue a certificate for every row of ``parsed`` (see the module's docstring); the errors
    found while reading the file count like any other. Commits once."""
    authorize(session, actor, ServiceItem.ISSUE)
    authority: Authority = actor.authority
    today = today_cst()
    rows = parsed.rows
    errors = parsed.errors + _check_rows(session, rows, today)
    bad = {error.row for error in errors}
    good = [row for row in rows if row.row not in bad]
    result = BatchResult(errors=sorted(errors, key=lambda e: (e.row, e.column)))
    if (errors and all_or_nothing) or not good:
        return result
    now = int(time.time())
    signer = certificate_signer(context, authority, now)
    try:
        _write(session, context, signer, actor, authority, good, today, now, progress)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    result.issued = len(good)
    return result


def _write(
    session: Session,
    context: IssuingContext,
    signer: Signer,
    actor: Staff,
    authority: Authority,
    rows: list[ParsedRow],
    today: dt.date,
    now: int,
    progress: Progress | None,
) -> None:
    first_index = status_lists.allocate(session, authority.id, len(rows))
    first_serial = allocate_serials(session, authority, len(rows))
    stamp = dt.datetime.fromtimestamp(now, dt.UTC)
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        known = dict(
            session.execute(
                select(Practitioner.id_number, Practitioner.id).where(
                    Practitioner.id_number.in_([r.id_number for r in chunk])
                )
            )
            .tuples()
            .all()
        )
        new = [r for r in chunk if r.id_number not in known]
        if new:
            created = session.execute(
                insert(Practitioner.__table__).returning(
                    Practitioner.id_number, Practitioner.id, sort_by_parameter_order=True
                ),
                [
                    {
                        "id_number": r.id_number,
                        "name": r.name,
                        "sex": "M" if int(r.id_number[16]) % 2 else "F",
                        "birth_date": birth_date(r.id_number),
                    }
                    for r in new
                ],
            )
            known.update(created.tuples().all())
        cert_rows = []
        for offset, r in enumerate(chunk):
            start_day = r.valid_from or today
            cert_rows.append(
                {
                    "number": r.id_number,
                    "serial": f"{first_serial + start + offset:08d}",
                    "practitioner_id": known[r.id_number],
                    "authority_id": authority.id,
                    "first_issued": start_day,
                    "state": CertificateState.ACTIVE.value,
                    "current_version": 1,
                    "valid_until": validity_end(start_day, context.validity_years),
                    "lock_version": 1,
                    "updated_at": stamp,
                }
            )
        ids = [
            row_id
            for (row_id,) in session.execute(
                insert(Certificate.__table__).returning(Certificate.id, sort_by_parameter_order=True),
                cert_rows,
            )
        ]
        versions, holdings, events = [], [], []
        for offset, (r, cert_row, cert_id) in enumerate(zip(chunk, cert_rows, ids, strict=True)):
            values = version_values(
                context,
                signer,
                authority,
                serial=cert_row["serial"],
                number=r.id_number,
                holder_id=r.id_number,
                first_issued=cert_row["first_issued"],
                version=1,
                holder_name=r.name,
                categories=r.categories,
                issued=today,
                valid_from=cert_row["first_issued"],
                valid_until=cert_row["valid_until"],
                status_index=first_index + start + offset,
                now=now,
            )
            values["certificate_id"] = cert_id
            versions.append(values)
            holdings += [
                {"practitioner_id": cert_row["practitioner_id"], "category": c, "certificate_id": cert_id}
                for c in r.categories
            ]
            events.append(
                {
                    "actor": actor.username,
                    "action": "certificate.issue",
                    "target_type": "certificate",
                    "target_id": str(cert_id),
                    "authority": authority.credit_code,
                    "reason": "batch",
                    "after": {
                        "state": "active",
                        "version": 1,
                        "identifier": values["identifier"],
                        "holder_name": r.name,
                        "categories": r.categories,
                        "valid_from": cert_row["first_issued"].isoformat(),
                        "valid_until": cert_row["valid_until"].isoformat(),
                    },
                }
            )
        session.execute(insert(CertificateVersion.__table__), versions)
        session.execute(insert(HolderCategory.__table__), holdings)
        record_many(session, events, at=stamp)
        if progress:
            progress(len(chunk))


def report_csv(errors: Sequence[RowError], translate: Callable[[str], str] = str) -> bytes:
    """The per-row error report as CSV (UTF-8 with BOM, so Excel opens it right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([translate(N_("Row")), translate(N_("Column")), translate(N_("Problem"))])
    for error in errors:
        writer.writerow([error.row, error.column, error.text(translate)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
