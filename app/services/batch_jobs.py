"""Batch issuance jobs, from the web page or the command line.

The upload is read at once (a bad file is refused on the spot) and kept with the job; the
certificates are issued through :func:`app.services.certificates.run_batch` — in short
transactions, published whole at the end — in a background thread (web) or at once (command
line). The job's row carries the progress, so every worker process can show it.

A job's process can die mid-way (killed, a crash, a deploy). The job names its worker
(``host:pid``), and while it runs a thread renews its heartbeat every :data:`HEARTBEAT` seconds. A
running job whose worker is gone from this host, or whose heartbeat is older than :data:`STALE`,
is marked failed (``worker_lost``) when a page lists or shows it; what it stored is withdrawn
(nobody ever saw it), and it can be started again from its page. A run that finds its job taken
from it (marked failed, or started again) stops without touching the new attempt's rows.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any, cast

from flask import Flask
from sqlalchemy import CursorResult, delete, exists, select, update
from sqlalchemy.orm import Session, sessionmaker

from ..db import begin_read, begin_write
from ..messages import text_for
from ..models import BatchJob, Certificate, Staff
from ..transactions import after_commit
from .batch import REFUSED, Check, RowOutcome, batch_run, refused_rows, result
from .certificates import BatchOutcome, run_batch
from .certificates.batches import Abandon, withdraw
from .clock import Clock
from .container import services
from .errors import Conflict, DomainError
from .spreadsheet import ParsedFile, RowError, read_rows
from .unit_of_work import unit_of_work

HEARTBEAT = 5.0
"""Seconds between two heartbeats of a running job."""
STALE = dt.timedelta(seconds=60)
"""A running job without a heartbeat for this long has lost its worker."""
UPLOAD_KEPT = dt.timedelta(days=30)
"""How long a failed job keeps its file, to be started again."""
CHECK_KEPT = dt.timedelta(days=1)
"""How long a checked file waits for its confirmation before it is dropped (nothing was issued)."""

Progress = Callable[[int], None]


def worker_name() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def create(
    session: Session,
    clock: Clock,
    actor: Staff,
    filename: str,
    data: bytes,
    parsed: ParsedFile,
    *,
    all_or_nothing: bool,
    checked: Check | None = None,
) -> BatchJob:
    """Record the job of the upload ``data``, already read into ``parsed`` (:func:`read_rows`,
    outside any transaction: reading 100,000 rows takes a second, which on SQLite nobody should
    wait behind), as running in this process; or, with the dry run's result ``checked``, as
    waiting for confirmation (:func:`confirm`)."""
    now = clock.now()
    job = BatchJob(
        staff_id=actor.id,
        filename=filename[:200],
        all_or_nothing=all_or_nothing,
        state="running" if checked is None else "checked",
        total=len(parsed.rows) + len({e.row for e in parsed.errors}),
        issued=0,
        written=0,
        attempts=1,
        outcomes=[] if checked is None else [o.stored() for o in checked.outcomes],
        created_at=now,
        worker=worker_name(),
        heartbeat_at=now,
        upload=data,
    )
    session.add(job)
    session.flush()
    return job


def start(
    app: Flask,
    session: Session,
    actor: Staff,
    filename: str,
    data: bytes,
    parsed: ParsedFile,
    *,
    all_or_nothing: bool,
) -> BatchJob:
    """Record the job (see :func:`create`) and issue in a background thread, handed ``parsed``,
    once the request committed it."""
    job = create(session, services(app).clock, actor, filename, data, parsed, all_or_nothing=all_or_nothing)
    after_commit(partial(_in_background, app, job.id, job.attempts, parsed))
    return job


def confirm(app: Flask, session: Session, job: BatchJob, parsed: ParsedFile) -> None:
    """Start issuing a checked job (``parsed``: its kept file, read again) once the request
    commits; :class:`Conflict` when it is not waiting for confirmation any more (confirmed twice,
    or dropped)."""
    claimed = session.execute(
        update(BatchJob)
        .where(BatchJob.id == job.id, BatchJob.state == "checked", BatchJob.upload.is_not(None))
        .values(state="running", worker=worker_name(), heartbeat_at=services(app).clock.now(), outcomes=[])
        .returning(BatchJob.attempts)
    ).scalar()
    if claimed is None:
        raise Conflict("the batch is not checked", code="batch_not_checked")
    job_id = job.id
    after_commit(lambda: _in_background(app, job_id, claimed, parsed))


def discard(session: Session, job: BatchJob) -> None:
    """Drop a checked job that was not confirmed (nothing was issued; its file goes)."""
    session.execute(delete(BatchJob).where(BatchJob.id == job.id, BatchJob.state == "checked"))


def restart(app: Flask, session: Session, job: BatchJob) -> None:
    """Start a failed job again (its file is kept) once the request commits; :class:`Conflict`
    when it is not failed any more (started again meanwhile) or its file is gone."""
    claimed = session.execute(
        update(BatchJob)
        .where(BatchJob.id == job.id, BatchJob.state == "failed", BatchJob.upload.is_not(None))
        .values(
            state="running",
            attempts=BatchJob.attempts + 1,
            worker=worker_name(),
            heartbeat_at=services(app).clock.now(),
            written=0,
            issued=0,
            outcomes=[],
            failure=None,
            failure_params=None,
            finished_at=None,
        )
        .returning(BatchJob.attempts)
    ).scalar()
    if claimed is None:
        raise Conflict("the batch is not failed", code="batch_not_restartable")
    job_id = job.id
    after_commit(lambda: _in_background(app, job_id, claimed))


def run(
    app: Flask, job_id: int, attempt: int, progress: Progress | None = None, parsed: ParsedFile | None = None
) -> None:
    """One attempt of the job, in this thread: withdraw what an earlier attempt left, issue,
    and record the result in the job (``parsed``: the file as :func:`create` read it; read
    again from the job when not given)."""
    sessions: sessionmaker[Session] = app.extensions["db_sessionmaker"]
    clock = services(app).clock
    stop = threading.Event()
    beat = threading.Thread(target=partial(_beat, app, clock, job_id, attempt, stop), daemon=True)
    beat.start()
    failure: tuple[str, dict[str, Any]] | None = None
    try:
        with unit_of_work(sessions) as session:
            job = session.get(BatchJob, job_id)
            assert job is not None and job.upload is not None
            staff = session.get(Staff, job.staff_id)
            assert staff is not None
            staff_id, username, all_or_nothing = staff.id, staff.username, job.all_or_nothing
            if parsed is None:
                parsed = read_rows(job.filename, job.upload)
        withdraw(sessions, job_id, attempt, by=username)

        def written(session: Session, count: int) -> None:
            _mine(session, clock, job_id, attempt, written=count)
            if progress is not None:
                progress(count)

        def finished(session: Session, outcome: BatchOutcome) -> None:
            # In the transaction that publishes the batch: the refused rows only (few, quick); the
            # other rows' outcomes follow in transactions of their own (:func:`_every_row`).
            _mine(session, clock, job_id, attempt, state="done", issued=outcome.issued, upload=None)
            job = session.get(BatchJob, job_id)
            assert job is not None
            job.outcomes = [o.stored() for o in refused_rows(parsed, outcome)]
            job.finished_at = clock.now()

        outcome = run_batch(
            sessions,
            services(app).issuing,
            replace(batch_run(job_id, staff_id, parsed, all_or_nothing=all_or_nothing), attempt=attempt),
            written=written,
            finished=finished,
            chunk=app.config["BATCH_CHUNK_ROWS"],
        )
        _every_row(app, job_id, attempt, parsed, outcome)
    except Abandon:
        return
    except DomainError as exc:
        failure = exc.code, dict(exc.params)
    except Exception:
        app.logger.exception("batch %s failed", job_id)
        failure = "internal", {}
    finally:
        stop.set()
        beat.join()
    if failure is not None:
        with unit_of_work(sessions) as session:
            session.execute(
                update(BatchJob)
                .where(BatchJob.id == job_id, BatchJob.attempts == attempt, BatchJob.state == "running")
                .values(
                    state="failed", failure=failure[0], failure_params=failure[1], finished_at=clock.now()
                )
            )


def _every_row(app: Flask, job_id: int, attempt: int, parsed: ParsedFile, outcome: BatchOutcome) -> None:
    """Record every row's outcome of a published batch: worked out in a transaction that only
    reads, written in a short one (100,000 rows take a second or two to work out: not while the
    batch's publishing transaction holds the write lock)."""
    sessions: sessionmaker[Session] = app.extensions["db_sessionmaker"]
    clock, years = services(app).clock, services(app).issuing.validity_years
    with unit_of_work(sessions) as session:
        begin_read(session)
        stored = [o.stored() for o in result(session, job_id, parsed, outcome, clock.today(), years)]
    with unit_of_work(sessions) as session:
        done = (BatchJob.id == job_id, BatchJob.attempts == attempt, BatchJob.state == "done")
        session.execute(update(BatchJob).where(*done).values(outcomes=stored))


def notice_dead(app: Flask, session: Session, job_ids: list[int] | None = None) -> list[int]:
    """Mark failed every running job (of ``job_ids``, or all) whose worker is gone (see the
    module); once the request committed, withdraw in the background what each stored, and what
    any failed job still holds (a withdrawal cut short); drop the files of jobs failed long ago.
    The ids of the jobs marked failed. Called by the pages that list or show jobs."""
    marked, holding = _look(session, services(app).clock.now(), job_ids)
    for job_id, attempt in holding:
        after_commit(partial(_withdraw_in_background, app, job_id, attempt))
    return marked


def sweep(app: Flask) -> tuple[list[int], int]:
    """What :func:`notice_dead` does, for every job, from a command or a timer (nobody needs to
    open a page): committed, then withdrawn at once. (The jobs marked failed, the certificates
    withdrawn.)"""
    sessions: sessionmaker[Session] = app.extensions["db_sessionmaker"]
    with unit_of_work(sessions) as session:
        marked, holding = _look(session, services(app).clock.now(), None)
    withdrawn = sum(withdraw(sessions, job_id, attempt, by="system") for job_id, attempt in holding)
    return marked, withdrawn


def _look(
    session: Session, now: dt.datetime, job_ids: list[int] | None
) -> tuple[list[int], set[tuple[int, int]]]:
    """Mark the dead jobs failed and drop old files; (the jobs marked, every failed job with
    rows to withdraw, with its attempt)."""
    query = select(BatchJob).where(BatchJob.state == "running")
    if job_ids is not None:
        query = query.where(BatchJob.id.in_(job_ids))
    dead = [(job.id, job.attempts) for job in session.scalars(query) if _lost(job, now)]
    if dead:
        begin_write(session)
    marked = []
    for job_id, attempt in dead:
        stale = update(BatchJob).where(
            BatchJob.id == job_id, BatchJob.attempts == attempt, BatchJob.state == "running"
        )
        changed = session.execute(stale.values(state="failed", failure="worker_lost", finished_at=now))
        if cast("CursorResult[Any]", changed).rowcount:
            marked.append((job_id, attempt))
    holding = select(Certificate.id).where(
        Certificate.batch_job_id == BatchJob.id, Certificate.state == "pending"
    )
    left = session.execute(
        select(BatchJob.id, BatchJob.attempts).where(BatchJob.state == "failed", exists(holding))
    )
    _forget_old_uploads(session, now)
    _drop_old_checks(session, now)
    return [job_id for job_id, _ in marked], {*marked, *left.tuples()}


def _forget_old_uploads(session: Session, now: dt.datetime) -> None:
    """Drop the file (names and ID numbers) of a job failed more than :data:`UPLOAD_KEPT` ago:
    it can no longer be started again, only uploaded anew."""
    old = (BatchJob.state == "failed", BatchJob.upload.is_not(None), BatchJob.finished_at < now - UPLOAD_KEPT)
    if session.scalar(select(exists().where(*old))):
        begin_write(session)
        session.execute(update(BatchJob).where(*old).values(upload=None))


def _drop_old_checks(session: Session, now: dt.datetime) -> None:
    """Drop the checked jobs nobody confirmed within :data:`CHECK_KEPT` (nothing was issued)."""
    old = (BatchJob.state == "checked", BatchJob.created_at < now - CHECK_KEPT)
    if session.scalar(select(exists().where(*old))):
        begin_write(session)
        session.execute(delete(BatchJob).where(*old).execution_options(synchronize_session=False))


def _withdraw_in_background(app: Flask, job_id: int, attempt: int) -> None:
    def target() -> None:
        try:
            withdraw(app.extensions["db_sessionmaker"], job_id, attempt, by="system")
        except Exception:  # noticed again, and withdrawn again, at the next look at the batches
            app.logger.exception("withdrawing batch %s failed", job_id)

    threading.Thread(target=target, daemon=True).start()


def restartable(session: Session, job: BatchJob) -> bool:
    """Whether ``job`` failed and still has its file, so it can be started again."""
    if job.state != "failed":
        return False
    return bool(session.scalar(select(BatchJob.upload.is_not(None)).where(BatchJob.id == job.id)))


def progress_of(job: BatchJob) -> int:
    """Rows written so far (issued, once done)."""
    return job.written if job.state == "running" else job.issued


def outcomes_of(job: BatchJob) -> list[RowOutcome]:
    """Every row's outcome (what would happen while the job is checked; what did once done)."""
    return [RowOutcome.load(values) for values in job.outcomes]


def stored_errors(job: BatchJob) -> list[RowError]:
    """The job's refused rows, as row errors."""
    return [
        RowError(o.row, o.column, o.message, dict(o.params)) for o in outcomes_of(job) if o.outcome == REFUSED
    ]


def failure_text(job: BatchJob) -> str | None:
    """Why ``job`` failed, in the user's language."""
    if job.failure is None:
        return None
    return text_for(job.failure, job.failure_params) or job.failure


def _lost(job: BatchJob, now: dt.datetime) -> bool:
    host, _, pid = (job.worker or "").rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # alive, another user's
            pass
    heartbeat = job.heartbeat_at
    if heartbeat is not None and heartbeat.tzinfo is None:  # SQLite keeps no zone: stored as UTC
        heartbeat = heartbeat.replace(tzinfo=dt.UTC)
    return heartbeat is None or now - heartbeat > STALE


def _mine(session: Session, clock: Clock, job_id: int, attempt: int, **values: object) -> None:
    """Update the job if this attempt still runs it, with a heartbeat; else :class:`Abandon`."""
    mine = update(BatchJob).where(
        BatchJob.id == job_id, BatchJob.attempts == attempt, BatchJob.state == "running"
    )
    changed = cast(
        "CursorResult[Any]", session.execute(mine.values(heartbeat_at=clock.now(), **values))
    ).rowcount
    if not changed:
        raise Abandon(f"batch {job_id} is no longer run by attempt {attempt}")


def _beat(app: Flask, clock: Clock, job_id: int, attempt: int, stop: threading.Event) -> None:
    sessions: sessionmaker[Session] = app.extensions["db_sessionmaker"]
    while not stop.wait(HEARTBEAT):
        try:
            with unit_of_work(sessions) as session:
                _mine(session, clock, job_id, attempt)
        except Abandon:
            return
        except Exception:  # a busy database: the next beat comes in HEARTBEAT seconds
            app.logger.warning("batch %s: heartbeat failed", job_id, exc_info=True)


def _in_background(app: Flask, job_id: int, attempt: int, parsed: ParsedFile | None = None) -> None:
    def target() -> None:
        with app.app_context():
            run(app, job_id, attempt, parsed=parsed)

    thread = threading.Thread(target=target, daemon=True)
    running = {k: t for k, t in app.extensions.get("batch_threads", {}).items() if t.is_alive()}
    app.extensions["batch_threads"] = {**running, job_id: thread}  # the finished ones are let go
    thread.start()
