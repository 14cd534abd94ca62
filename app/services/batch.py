"""Batch issuance from a spreadsheet: its readable rows become issue requests for the one
issuance core (:func:`app.services.certificates.issue_many`); every problem is reported by row and
column, with the message the catalogue has for its code."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ..messages import MESSAGES, N_
from ..models import Staff
from .certificates import IssueRequest, Refused, issue_many
from .certificates.issuance import Progress
from .context import IssuingContext
from .spreadsheet import COLUMNS, ParsedFile, RowError


@dataclass
class BatchResult:
    """What a batch did: how many were issued, and every row that was not."""

    issued: int = 0
    errors: list[RowError] = field(default_factory=list)


def row_error(refused: Refused) -> RowError:
    """A refused request as a report row (the catalogue's message for its code)."""
    error = refused.error
    return RowError(
        refused.row, COLUMNS[refused.field][0], MESSAGES.get(error.code, str(error)), dict(error.params)
    )


def issue_batch(
    session: Session,
    context: IssuingContext,
    actor: Staff,
    parsed: ParsedFile,
    *,
    all_or_nothing: bool = True,
    progress: Progress | None = None,
) -> BatchResult:
    """Issue a certificate for every row of ``parsed``: all or nothing, or only the valid rows
    (``all_or_nothing=False``); the problems found while reading the file count like any other."""
    requests = [IssueRequest(r.id_number, r.name, r.categories, r.valid_from, row=r.row) for r in parsed.rows]
    bad_rows = {e.row for e in parsed.errors}
    outcome = issue_many(
        session,
        context,
        actor,
        [r for r in requests if r.row not in bad_rows],
        all_or_nothing=all_or_nothing,
        earlier_problems=len(parsed.errors),
        progress=progress,
    )
    errors = parsed.errors + [row_error(r) for r in outcome.refused]
    return BatchResult(outcome.issued, sorted(errors, key=lambda e: (e.row, e.column)))


def report_csv(errors: Sequence[RowError], translate: Callable[[str], str] = str) -> bytes:
    """The per-row error report as CSV (UTF-8 with BOM, so Excel opens it right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([translate(N_("Row")), translate(N_("Column")), translate(N_("Problem"))])
    for error in errors:
        writer.writerow([error.row, error.column, error.text(translate)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
