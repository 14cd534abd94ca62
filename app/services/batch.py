"""Batch issuance from a spreadsheet: its readable rows become issue requests for the one
issuance core (:func:`app.services.certificates.run_batch`). Before anything is issued the file is
checked (a dry run: :func:`check`), and every row gets an outcome — what would happen, then what
did — with the reason in the catalogue's words and the warnings a clerk must confirm."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..messages import MESSAGES, N_
from ..models import Certificate, Staff
from ..models.enums import ServiceItem
from . import access, csv_export
from .certificates import BatchOutcome, BatchRun, IssueRequest, Refused
from .certificates.issuance import plan
from .certificates.rules import validity_end, validity_warnings
from .context import IssuingContext
from .errors import RuleViolation
from .spreadsheet import COLUMNS, ParsedFile, RowError
from .unit_of_work import step

WOULD_ISSUE, WOULD_SKIP = "would_issue", "would_skip"
ISSUED, SKIPPED, REFUSED = "issued", "skipped", "refused"
OUTCOMES = {
    WOULD_ISSUE: N_("Would be issued"),
    WOULD_SKIP: N_("Would not be issued"),
    ISSUED: N_("Certificate issued"),
    SKIPPED: N_("Not issued"),
    REFUSED: N_("Refused: not issued"),
}
"""Each outcome of a row, in words (translated when shown)."""


@dataclass(frozen=True)
class RowOutcome:
    """What happens to one row of a batch (a row with several problems has one outcome each):
    ``message`` is the catalogue's English template (a translation key) filled from ``params``;
    a warning is a ``message`` on a row that is (or would be) issued."""

    row: int
    outcome: str
    column: str = ""
    message: str = ""
    params: Mapping[str, object] = field(default_factory=dict)
    number: str | None = None
    certificate_id: int | None = None

    @property
    def warned(self) -> bool:
        """Whether the row is issued (or would be) despite a warning."""
        return self.outcome in (WOULD_ISSUE, ISSUED) and bool(self.message)

    def text(self, translate: Callable[[str], str] = str) -> str:
        """The reason or warning in the language ``translate`` gives ('' when there is none)."""
        return translate(self.message) % dict(self.params) if self.message else ""

    def stored(self) -> dict[str, Any]:
        """The outcome as the job keeps it (JSON)."""
        values = {"row": self.row, "outcome": self.outcome, "column": self.column, "message": self.message}
        if self.params:
            values["params"] = dict(self.params)
        if self.number is not None:
            values["number"], values["certificate_id"] = self.number, self.certificate_id
        return values

    @classmethod
    def load(cls, values: Mapping[str, Any]) -> RowOutcome:
        """An outcome the job kept (a job from before outcomes were kept holds refused rows only)."""
        return cls(
            int(values["row"]),
            str(values.get("outcome", REFUSED)),
            str(values.get("column", "")),
            str(values.get("message", "")),
            dict(values.get("params") or {}),
            values.get("number"),
            values.get("certificate_id"),
        )


@dataclass(frozen=True)
class Check:
    """A dry run of a file: every row's outcome, and how many would be issued (with a warning)."""

    outcomes: list[RowOutcome]
    would_issue: int
    warned: int


def row_error(refused: Refused) -> RowError:
    """A refused request as a report row (the catalogue's message for its code)."""
    error = refused.error
    return RowError(
        refused.row, COLUMNS[refused.field][0], MESSAGES.get(error.code, str(error)), dict(error.params)
    )


def batch_run(job_id: int, actor_id: int, parsed: ParsedFile, *, all_or_nothing: bool) -> BatchRun:
    """The issue requests of ``parsed``'s readable rows (rows with a problem found while reading
    are left out, and count against ``all_or_nothing``)."""
    bad_rows = {e.row for e in parsed.errors}
    requests = [
        IssueRequest(r.id_number, r.name, r.categories, r.valid_from, row=r.row)
        for r in parsed.rows
        if r.row not in bad_rows
    ]
    return BatchRun(job_id, actor_id, requests, all_or_nothing, earlier_problems=len(parsed.errors))


def row_errors(parsed: ParsedFile, outcome: BatchOutcome) -> list[RowError]:
    """Every problem of the batch, by row and column: found reading the file, or refused."""
    errors = parsed.errors + [row_error(r) for r in outcome.refused]
    return sorted(errors, key=lambda e: (e.row, e.column))


def _warning(error: RuleViolation) -> tuple[str, str, dict[str, object]]:
    return COLUMNS["valid_from"][0], MESSAGES[error.code], dict(error.params)


def _refused(errors: Iterable[RowError]) -> list[RowOutcome]:
    return [RowOutcome(e.row, REFUSED, e.column, e.message, e.params) for e in errors]


def check(
    session: Session, context: IssuingContext, actor: Staff, parsed: ParsedFile, *, all_or_nothing: bool
) -> Check:
    """What issuing ``parsed`` would do today, row by row, without writing anything: refused rows
    with the reason, rows that would be issued with the warnings of
    :func:`~app.services.certificates.rules.validity_warnings`, and the rows an all-or-nothing
    batch would leave out because of the others. :class:`PermissionDenied` (recorded) when
    ``actor`` may not issue at all, as the batch itself would be refused."""
    with step(session):
        access.require(
            session, actor, ServiceItem.ISSUE, action="certificate.batch", target=("batch", "check")
        )
    run = batch_run(0, 0, parsed, all_or_nothing=all_or_nothing)
    planned, refused = plan(session, context, run.requests)
    errors = row_errors(parsed, BatchOutcome(refused=refused))
    nothing = bool(errors) and all_or_nothing
    today = context.clock.today()
    outcomes = _refused(errors)
    warned = 0
    for row in planned:
        if nothing:
            outcomes.append(RowOutcome(row.row, WOULD_SKIP, "", MESSAGES["batch_all_or_nothing"]))
            continue
        warnings = validity_warnings(row.valid_from, row.valid_until, today)
        warned += bool(warnings)
        found = [RowOutcome(row.row, WOULD_ISSUE, *_warning(w)) for w in warnings]
        outcomes += found or [RowOutcome(row.row, WOULD_ISSUE)]
    outcomes.sort(key=lambda o: (o.row, o.column))
    return Check(outcomes, 0 if nothing else len(planned), warned)


def refused_rows(parsed: ParsedFile, outcome: BatchOutcome) -> list[RowOutcome]:
    """The outcomes of the batch's refused rows only (what the publishing transaction records)."""
    return _refused(row_errors(parsed, outcome))


def result(
    session: Session, job_id: int, parsed: ParsedFile, outcome: BatchOutcome, today: dt.date, years: int
) -> list[RowOutcome]:
    """Every row's outcome once the batch is done: issued (with its certificate and the warnings
    its validity, ``years`` long, carries), refused (with the reason), or not issued because the
    others were refused (all or nothing). One indexed query (it runs after the batch is published,
    in a transaction that only reads)."""
    errors = row_errors(parsed, outcome)
    # Core rows, not ORM ones: 100,000 of them load in a third of the time.
    issued: dict[str, int] = dict(
        session.connection()
        .execute(select(Certificate.number, Certificate.id).where(Certificate.batch_job_id == job_id))
        .tuples()
        .all()
    )
    bad_rows = {e.row for e in errors}
    outcomes = _refused(errors)
    warned: dict[dt.date, list[RuleViolation]] = {}  # rows share a few starts: one check each
    for row in parsed.rows:
        if row.row in bad_rows:
            continue
        if row.id_number not in issued:
            outcomes.append(RowOutcome(row.row, SKIPPED, "", MESSAGES["batch_all_or_nothing"]))
            continue
        number, certificate_id = row.id_number, issued[row.id_number]
        start = row.valid_from or today
        if start not in warned:
            warned[start] = validity_warnings(start, validity_end(start, years), today)
        found = [RowOutcome(row.row, ISSUED, *_warning(w), number, certificate_id) for w in warned[start]]
        outcomes += found or [RowOutcome(row.row, ISSUED, number=number, certificate_id=certificate_id)]
    outcomes.sort(key=lambda o: (o.row, o.column))
    return outcomes


def report_csv(outcomes: Sequence[RowOutcome], translate: Callable[[str], str] = str) -> bytes:
    """Every row's outcome as CSV (UTF-8 with BOM, so Excel opens it right): row, outcome,
    certificate number, column, reason or warning."""
    out = io.StringIO()
    writer = csv_export.writer(out)
    header = (N_("Row"), N_("Outcome"), N_("Certificate number"), N_("Column"), N_("Problem"))
    writer.writerow([translate(title) for title in header])
    for o in outcomes:
        writer.writerow([o.row, translate(OUTCOMES[o.outcome]), o.number or "", o.column, o.text(translate)])
    return out.getvalue().encode("utf-8")
