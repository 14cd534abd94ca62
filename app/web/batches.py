"""Batch issuance pages: upload a spreadsheet, watch the progress, download the row report."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..db import get_session
from ..models import BatchJob
from ..services import batch_jobs
from ..services.batch import report_csv
from ..services.spreadsheet import SpreadsheetError, read_rows
from ..transactions import commit_request
from .forms import BatchForm, RestartForm
from .guards import staff_required

bp = Blueprint("batches", __name__, url_prefix="/admin/batches")

BATCH_STATES = {"running": _l("Issuing…"), "done": _l("Finished"), "failed": _l("Failed")}


@bp.app_context_processor
def _states() -> dict[str, Any]:
    return {"BATCH_STATES": BATCH_STATES}


@bp.route("", methods=["GET", "POST"])
@staff_required
def index() -> Any:
    """Upload a spreadsheet to issue many certificates; list recent uploads."""
    form = BatchForm()
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        filename, data = upload.filename or "upload", upload.read()
        commit_request()  # on SQLite, let the write lock go while the file is read
        try:
            parsed = read_rows(filename, data)
        except SpreadsheetError as exc:
            flash(_("The file cannot be read: %(detail)s", detail=str(exc)), "error")
            status = 422
        else:
            job = batch_jobs.start(
                current_app._get_current_object(),  # type: ignore[attr-defined]  # the app behind the proxy
                get_session(),
                current_user,
                filename,
                data,
                parsed,
                all_or_nothing=not form.partial.data,
            )
            return redirect(url_for("batches.job", job_id=job.id))
    elif request.method == "POST":
        status = 422
    batch_jobs.notice_dead(current_app._get_current_object(), get_session())  # type: ignore[attr-defined]
    jobs = (
        get_session()
        .scalars(
            select(BatchJob)
            .where(BatchJob.staff_id == current_user.id)
            .order_by(BatchJob.id.desc())
            .limit(20)
        )
        .all()
    )
    return render_template("admin/batches.html", form=form, jobs=jobs), status


def _job(job_id: int) -> BatchJob:
    session = get_session()
    job = session.get(BatchJob, job_id)
    if job is None or job.staff_id != current_user.id:
        abort(404)
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy
    if batch_jobs.notice_dead(app, session, [job.id]):
        session.refresh(job)
    return job


@bp.get("/<id:job_id>")
@staff_required
def job(job_id: int) -> str:
    """A batch's progress and result."""
    job = _job(job_id)
    errors = batch_jobs.stored_errors(job)
    rows = [(e.row, e.column, e.text(_)) for e in errors[:100]]
    return render_template(
        "admin/batch.html",
        job=job,
        done=batch_jobs.progress_of(job),
        errors=rows,
        error_count=len(errors),
        failure=batch_jobs.failure_text(job),
        restartable=batch_jobs.restartable(get_session(), job),
        form=RestartForm(),
    )


@bp.post("/<id:job_id>/restart")
@staff_required
def restart(job_id: int) -> Response:
    """Start a failed batch again with the file it was given."""
    form = RestartForm()
    if not form.validate_on_submit():
        abort(400)
    batch_jobs.restart(current_app._get_current_object(), get_session(), _job(job_id))  # type: ignore[attr-defined]
    flash(_("The batch was started again."), "success")
    return redirect(url_for("batches.job", job_id=job_id))


@bp.get("/<id:job_id>/progress")
@staff_required
def progress(job_id: int) -> dict[str, Any]:
    """Progress as JSON, for the page's polling."""
    job = _job(job_id)
    return {"state": job.state, "done": batch_jobs.progress_of(job), "total": job.total}


@bp.get("/<id:job_id>/report.csv")
@staff_required
def report(job_id: int) -> Response:
    """The row errors as a CSV file to download."""
    job = _job(job_id)
    body = report_csv(batch_jobs.stored_errors(job), translate=_)
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="batch-{job.id}-report.csv"'},
    )
