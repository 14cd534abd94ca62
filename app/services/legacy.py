"""Paper and IC-card certificates from before the cut-over: import, check by number and name, and
renewal into an electronic certificate.

An import is all or nothing: every row is checked first and any problem (by row and column)
stops the whole file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from signing import CATEGORIES_BY_CODE, validate_id_number
from signing.errors import IdentifierError

from ..messages import MESSAGES
from ..models import Certificate, LegacyCertificate, Staff
from ..models.enums import ServiceItem
from . import access
from .audit import record_many
from .certificates import ActionResult, IssueRequest, issue
from .clock import Clock
from .context import IssuingContext
from .errors import RuleViolation
from .spreadsheet import N_, RowError, normalize, parse_categories, parse_date, read_table

COLUMNS = {
    "number": ("证号", "证件号码", "number"),
    "name": ("姓名", "name"),
    "id_number": ("身份证号码", "身份证号", "id_number"),
    "categories": ("从业资格类别", "类别", "categories"),
    "issued": ("发证日期", "issued"),
    "expires": ("有效期至", "expires"),
    "issuer": ("发证机关", "issuer"),
    "medium": ("介质", "medium"),
}
MEDIA = {"纸质": "paper", "paper": "paper", "IC卡": "ic_card", "ic卡": "ic_card", "ic_card": "ic_card"}


@dataclass
class ImportResult:
    """How many were imported (0 when any row was wrong) and every problem."""

    imported: int
    errors: list[RowError]


def import_file(session: Session, clock: Clock, actor: Staff, filename: str, data: bytes) -> ImportResult:
    """Import a CSV or XLSX file of legacy certificates (all or nothing)."""
    access.require(
        session, actor, ServiceItem.LEGACY_IMPORT, action="legacy.import", target=("file", filename[:200])
    )
    today = clock.today()
    errors: list[RowError] = []
    records: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for row, cells in read_table(filename, data, COLUMNS, tuple(COLUMNS)):
        problems = len(errors)

        def bad(column: str, message: str, **params: object) -> None:
            errors.append(RowError(row, COLUMNS[column][0], message, params))  # noqa: B023

        number = normalize(cells["number"]).upper()
        if not number or len(number) > 32:
            bad("number", N_("The certificate number is missing or too long."))
        elif number in seen:
            bad("number", N_("The same certificate number as row %(row)s."), row=seen[number])
        else:
            seen[number] = row
        name = normalize(cells["name"])
        if not name:
            bad("name", N_("The name is empty."))
        try:
            id_number = validate_id_number(normalize(cells["id_number"]), today=today)
        except IdentifierError as exc:
            # the reason's words from the catalogue (the error's own text is an English detail)
            bad("id_number", MESSAGES.get(exc.reason, MESSAGES["id_number_shape"]))
            id_number = ""
        try:
            categories = parse_categories(cells["categories"])
        except ValueError as exc:
            bad("categories", N_("Unknown or empty category: %(value)s"), value=str(exc))
            categories = []
        dates = {}
        for key in ("issued", "expires"):
            try:
                dates[key] = parse_date(cells[key])
            except ValueError:
                bad(key, N_("Not a date."))
        if len(dates) == 2 and dates["expires"] <= dates["issued"]:
            bad("expires", N_("The expiry date is not after the issue date."))
        medium = MEDIA.get(normalize(cells["medium"])) or MEDIA.get(normalize(cells["medium"]).lower())
        if medium is None:
            bad("medium", N_("The medium must be 纸质 or IC卡."))
        issuer = normalize(cells["issuer"])
        if not issuer:
            bad("issuer", N_("The issuing authority is empty."))
        if len(errors) == problems:
            records.append(
                {
                    "number": number,
                    "holder_name": name,
                    "id_number": id_number,
                    "categories": categories,
                    "issued": dates["issued"],
                    "expires": dates["expires"],
                    "issuer_name": issuer,
                    "medium": medium,
                }
            )
    existing = (
        set(session.scalars(select(LegacyCertificate.number).where(LegacyCertificate.number.in_(list(seen)))))
        if seen
        else set()
    )
    errors += [
        RowError(
            seen[n], COLUMNS["number"][0], N_("Certificate %(number)s was imported before."), {"number": n}
        )
        for n in sorted(existing)
    ]
    if errors:
        return ImportResult(0, sorted(errors, key=lambda e: (e.row, e.column)))
    now = clock.now()
    session.add_all(LegacyCertificate(imported_by=actor.id, imported_at=now, **r) for r in records)
    record_many(
        session,
        [
            {
                "actor": actor.username,
                "action": "legacy.import",
                "target_type": "legacy_certificate",
                "target_id": str(r["number"]),
                "authority": actor.authority.credit_code,
                "reason": filename[:200],
            }
            for r in records
        ],
        at=now,
    )
    return ImportResult(len(records), [])


@dataclass(frozen=True)
class LegacyCheck:
    """The answer to a check of a paper or IC-card certificate."""

    verdict: Literal["valid", "expired", "renewed", "not_found"]
    certificate: LegacyCertificate | None = None


def check(session: Session, number: str, name: str, today: dt.date) -> LegacyCheck:
    """Check a legacy certificate by number and holder name (both must match)."""
    found = session.scalars(select(LegacyCertificate).filter_by(number=normalize(number).upper())).first()
    if found is None or found.holder_name != normalize(name):
        return LegacyCheck("not_found")
    if found.renewed_as is not None:
        return LegacyCheck("renewed", found)
    if today > found.expires:
        return LegacyCheck("expired", found)
    return LegacyCheck("valid", found)


def renew_electronically(
    session: Session, context: IssuingContext, actor: Staff, legacy_id: int, *, request_key: str | None = None
) -> ActionResult:
    """Replace a legacy certificate with an electronic one (换发为电子证照): same holder and the
    categories still issued, first-issue date kept; the legacy one then stops checking as valid."""
    legacy = session.get(LegacyCertificate, legacy_id)
    if legacy is None:
        raise RuleViolation("no such legacy certificate", code="not_found")
    if legacy.renewed_as is not None:
        raise RuleViolation("this certificate was already renewed", code="already_renewed")
    current = [c for c in legacy.categories if not CATEGORIES_BY_CODE[c].legacy]

    def mark(certificate: Certificate) -> None:
        legacy.renewed_as = certificate.id

    return issue(
        session,
        context,
        actor,
        IssueRequest(legacy.id_number, legacy.holder_name, current, first_issued=legacy.issued),
        request_key=request_key,
        also=mark,
    )
