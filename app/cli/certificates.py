"""``flask certificates batch FILE --as USER``: issue certificates from a spreadsheet."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from ..db import get_session
from ..models import BatchJob, Staff
from ..services import batch_jobs, legacy
from ..services.batch import report_csv
from ..services.container import services
from ..services.errors import DomainError
from ..services.spreadsheet import SpreadsheetError, read_rows
from ..services.unit_of_work import unit_of_work
from .transactional import transactional


@click.group("certificates")
def certificates_cli() -> None:
    """Certificates."""


@certificates_cli.command("batch")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "username", required=True, help="the staff account that issues (and is audited)")
@click.option("--partial", is_flag=True, help="issue the valid rows even if others are wrong")
@click.option(
    "--report", type=click.Path(dir_okay=False, path_type=Path), help="write every row's outcome as CSV"
)
def batch_command(file: Path, username: str, partial: bool, report: Path | None) -> None:
    """Issue a certificate for every row of FILE (.csv or .xlsx). Without --partial nothing is
    issued when any row is wrong. The batch is a job like an upload's (its staff member sees it
    on the batch page, where a failed one can be started again)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy
    data = file.read_bytes()
    try:
        parsed = read_rows(file.name, data)  # before the transaction: nobody waits while it reads
    except SpreadsheetError as exc:
        raise click.ClickException(str(exc)) from exc
    with unit_of_work(app.extensions["db_sessionmaker"]) as session:
        actor = session.scalars(select(Staff).filter_by(username=username)).first()
        if actor is None:
            raise click.ClickException(f"no staff account {username}")
        job = batch_jobs.create(
            session, services().clock, actor, file.name, data, parsed, all_or_nothing=not partial
        )
        job_id, total = job.id, job.total
    click.echo(f"batch {job_id}", err=True)
    with click.progressbar(length=total, label="issuing", file=click.get_text_stream("stderr")) as bar:
        written = 0

        def progress(count: int) -> None:
            nonlocal written
            bar.update(count - written)
            written = count

        batch_jobs.run(app, job_id, 1, progress=progress, parsed=parsed)
    with unit_of_work(app.extensions["db_sessionmaker"]) as session:
        finished = session.get(BatchJob, job_id)
        assert finished is not None
        if finished.state == "failed":
            raise click.ClickException(f"the batch failed: {batch_jobs.failure_text(finished)}")
        if finished.state == "running":
            raise click.ClickException(
                f"batch {job_id} was taken over (started again elsewhere); see its page"
            )
        errors = batch_jobs.stored_errors(finished)
        outcomes = batch_jobs.outcomes_of(finished)
        issued = finished.issued
    for error in errors[:20]:
        click.echo(f"row {error.row}, {error.column}: {error.text()}", err=True)
    if len(errors) > 20:
        click.echo(f"... and {len(errors) - 20} more", err=True)
    if report is not None:
        report.write_bytes(report_csv(outcomes))
    bad_rows = len({e.row for e in errors})
    click.echo(f"issued {issued} certificates; {bad_rows} rows with {len(errors)} problems")
    if errors and not partial:
        raise SystemExit(1)


@certificates_cli.command("batch-sweep")
def batch_sweep_command() -> None:
    """Mark failed the batches whose process died, withdraw what failed batches still hold, and
    drop the files of batches failed over 30 days ago (the batch pages do the same when opened;
    run this from a timer where nobody may open them for a while)."""
    marked, withdrawn = batch_jobs.sweep(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(f"{len(marked)} batches marked failed; {withdrawn} certificates withdrawn")


@certificates_cli.command("import-legacy")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "username", required=True, help="the staff account that imports (and is audited)")
@transactional
def import_legacy_command(file: Path, username: str) -> None:
    """Import paper and IC-card certificates from FILE (.csv or .xlsx); nothing if any row is wrong."""
    session = get_session()
    actor = session.scalars(select(Staff).filter_by(username=username)).first()
    if actor is None:
        raise click.ClickException(f"no staff account {username}")
    try:
        result = legacy.import_file(session, services().clock, actor, file.name, file.read_bytes())
    except (SpreadsheetError, DomainError) as exc:
        raise click.ClickException(str(exc)) from exc
    for error in result.errors[:20]:
        click.echo(f"row {error.row}, {error.column}: {error.text()}", err=True)
    click.echo(f"imported {result.imported} legacy certificates; {len(result.errors)} problems")
    if result.errors:
        raise SystemExit(1)
