"""Batch issuance started from the web: the upload is read at once (so a bad file is refused on
the spot), then issued in a background thread while the page shows progress.

Progress goes to a small file in the instance folder, readable by every worker process, because
the batch's own transaction holds the database's write lock until it commits.
"""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask

from ..db import get_session
from ..models import BatchJob, Staff
from ..transactions import commit_request
from .batch import issue_batch
from .container import services
from .errors import DomainError
from .spreadsheet import ParsedFile, RowError, read_rows
from .unit_of_work import unit_of_work


def _progress_file(app: Flask, job_id: int) -> Path:
    folder = Path(app.instance_path) / "batches"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{job_id}.progress"


def start(app: Flask, actor: Staff, filename: str, data: bytes, *, all_or_nothing: bool) -> BatchJob:
    """Read the file (raising :class:`SpreadsheetError` for an unreadable one), record the job and
    issue in the background."""
    parsed = read_rows(filename, data)
    session = get_session()
    job = BatchJob(
        staff_id=actor.id,
        filename=filename[:200],
        all_or_nothing=all_or_nothing,
        state="running",
        total=len(parsed.rows) + len({e.row for e in parsed.errors}),
        issued=0,
        errors=[],
        created_at=services(app).clock.now(),
    )
    session.add(job)
    commit_request()  # the job must be visible to the thread and the progress page at once
    thread = threading.Thread(target=_run, args=(app, job.id, actor.id, parsed, all_or_nothing), daemon=True)
    app.extensions.setdefault("batch_threads", {})[job.id] = thread
    thread.start()
    return job


def _run(app: Flask, job_id: int, actor_id: int, parsed: ParsedFile, all_or_nothing: bool) -> None:
    progress_file = _progress_file(app, job_id)
    done = 0

    def progress(count: int) -> None:
        nonlocal done
        done += count
        progress_file.write_text(str(done))

    sessions = app.extensions["db_sessionmaker"]
    clock = services(app).clock
    state, issued, errors, failure = "failed", 0, [], None
    with app.app_context():
        try:
            with unit_of_work(sessions) as session:
                actor = session.get(Staff, actor_id)
                assert actor is not None
                result = issue_batch(
                    session,
                    services(app).issuing,
                    actor,
                    parsed,
                    all_or_nothing=all_or_nothing,
                    progress=progress,
                )
                state, issued, errors = "done", result.issued, result.errors
        except DomainError as exc:
            failure = exc.code
        except Exception:
            app.logger.exception("batch %s failed", job_id)
            failure = "internal"
        with unit_of_work(sessions) as session:
            job = session.get(BatchJob, job_id)
            if job is not None:
                job.state, job.issued, job.failure = state, issued, failure
                job.errors = [
                    {"row": e.row, "column": e.column, "message": e.message, "params": e.params}
                    for e in errors
                ]
                job.finished_at = clock.now()
        progress_file.unlink(missing_ok=True)


def progress_of(app: Flask, job: BatchJob) -> int:
    """Rows written so far."""
    if job.state != "running":
        return job.issued
    try:
        return int(_progress_file(app, job.id).read_text() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def row_errors(job: BatchJob) -> list[RowError]:
    """The job's row errors."""
    return [RowError(e["row"], e["column"], e["message"], e.get("params") or {}) for e in job.errors]
