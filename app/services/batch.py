"""Batch issuance from a spreadsheet: its readable rows become issue requests for the one
issuance core (:func:`app.services.certificates.run_batch`); every problem is reported by row and
column, with the message the catalogue has for its code."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence

from ..messages import MESSAGES, N_
from .certificates import BatchOutcome, BatchRun, IssueRequest, Refused
from .spreadsheet import COLUMNS, ParsedFile, RowError


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


def report_csv(errors: Sequence[RowError], translate: Callable[[str], str] = str) -> bytes:
    """The per-row error report as CSV (UTF-8 with BOM, so Excel opens it right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([translate(N_("Row")), translate(N_("Column")), translate(N_("Problem"))])
    for error in errors:
        writer.writerow([error.row, error.column, error.text(translate)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
