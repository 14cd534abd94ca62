"""Batch issuance pages: upload a spreadsheet and see its check (a dry run: nothing issued), confirm
it, watch the progress, see and download every row's outcome, print the holders' activation
notices, and download the template to fill in."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..db import get_session
from ..i18n import list_separator
from ..messages import MESSAGES
from ..models import BatchJob
from ..services import batch_jobs, batch_notices
from ..services.batch import OUTCOMES, Check, RowOutcome, check, report_csv
from ..services.container import services
from ..services.errors import DomainError
from ..services.queries import Page
from ..services.spreadsheet import COLUMNS, SpreadsheetError, read_rows
from ..transactions import commit_request
from .audited import record_view
from .forms import BatchForm, ConfirmBatchForm, DiscardForm, NoticesForm, RestartForm
from .guards import staff_required
from .messages import message_for, text_for

bp = Blueprint("batches", __name__, url_prefix="/admin/batches")

BATCH_STATES = {
    "checked": _l("Checked, waiting for confirmation"),
    "running": _l("Issuing…"),
    "done": _l("Finished"),
    "failed": _l("Failed"),
}
ROWS_PER_PAGE = 200
"""Rows of a check or a result shown a page."""


@bp.app_context_processor
def _states() -> dict[str, Any]:
    return {"BATCH_STATES": BATCH_STATES}


def _app() -> Any:
    return current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy


@bp.route("", methods=["GET", "POST"])
@staff_required
def index() -> Any:
    """Upload a spreadsheet to check (nothing is issued before the check is confirmed); list
    recent uploads."""
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
            session = get_session()
            all_or_nothing = not form.partial.data
            checked = check(session, services().issuing, current_user, parsed, all_or_nothing=all_or_nothing)
            job = batch_jobs.create(
                session,
                services().clock,
                current_user,
                filename,
                data,
                parsed,
                all_or_nothing=all_or_nothing,
                checked=checked,
            )
            return redirect(url_for("batches.job", job_id=job.id))
    elif request.method == "POST":
        status = 422
    batch_jobs.notice_dead(_app(), get_session())
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
    """The batch if it is the signed-in staff member's own (404 otherwise: nobody else sees it)."""
    session = get_session()
    batch_jobs.notice_dead(_app(), session, [job_id])  # first: it may drop an old check
    job = session.scalar(  # the row as it is now, if still there
        select(BatchJob).where(BatchJob.id == job_id).execution_options(populate_existing=True)
    )
    if job is None or job.staff_id != current_user.id:
        abort(404)
    return job


def _page(outcomes: list[RowOutcome]) -> Page[RowOutcome]:
    pages = max(1, -(-len(outcomes) // ROWS_PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    start = (page - 1) * ROWS_PER_PAGE
    return Page(outcomes[start : start + ROWS_PER_PAGE], page, pages, len(outcomes))


def _summary(outcomes: list[RowOutcome]) -> dict[str, int]:
    """Rows by outcome (a row counts once, under its outcome) and rows with a warning."""
    rows: dict[str, set[int]] = {}
    for o in outcomes:
        rows.setdefault(o.outcome, set()).add(o.row)
        if o.warned:
            rows.setdefault("warned", set()).add(o.row)
    return {outcome: len(numbers) for outcome, numbers in rows.items()}


def _accept_label(outcomes: list[RowOutcome]) -> str:
    """The confirmation's words, naming how many rows are warned and of what."""
    expired = {o.row for o in outcomes if o.warned and o.message == MESSAGES["validity_already_expired"]}
    other = {o.row for o in outcomes if o.warned} - expired
    parts = []
    if expired:
        parts.append(
            ngettext(
                "%(num)s row would issue a certificate that is already expired",
                "%(num)s rows would issue certificates that are already expired",
                len(expired),
            )
        )
    if other:
        parts.append(
            ngettext(
                "%(num)s row has a validity start more than a year away",
                "%(num)s rows have a validity start more than a year away",
                len(other),
            )
        )
    return str(_("%(warnings)s; issue them anyway", warnings=list_separator().join(parts)))


@bp.get("/<id:job_id>")
@staff_required
def job(job_id: int) -> str:
    """A batch: its check waiting for confirmation, its progress, or its result, row by row."""
    return _show(_job(job_id))


def _show(job: BatchJob, confirm: ConfirmBatchForm | None = None) -> str:
    outcomes = batch_jobs.outcomes_of(job)
    summary = _summary(outcomes)
    if confirm is None and job.state == "checked":
        confirm = ConfirmBatchForm(formdata=None, digest=_digest(job), warned=summary.get("warned", 0))
    notices: dict[str, Any] = {}
    if job.state == "done" and job.issued:
        count, again = batch_notices.summary(get_session(), current_user, job)
        notices = {
            "holders": count,
            "again": again,
            "form": NoticesForm(formdata=None),
            "kept": batch_notices.of_job(_app(), job.id, current_user.id),
        }
    return render_template(
        "admin/batch.html",
        job=job,
        done=batch_jobs.progress_of(job),
        rows=_page(outcomes),
        summary=summary,
        outcome_words=OUTCOMES,
        row_text=lambda outcome: outcome.text(_),
        accept_label=_accept_label(outcomes) if summary.get("warned") else "",
        failure=batch_jobs.failure_text(job),
        restartable=batch_jobs.restartable(get_session(), job),
        form=RestartForm(),
        confirm=confirm,
        discard=DiscardForm(),
        notices=notices,
        generation_states=batch_notices.GENERATION_STATES,
    )


def _digest(job: BatchJob) -> str:
    return hashlib.sha256(job.upload or b"").hexdigest()


@bp.post("/<id:job_id>/confirm")
@staff_required
def confirm(job_id: int) -> Response | tuple[str, int]:
    """Issue a checked batch with exactly the file that was checked (kept on the server; the
    form's digest must name it), once the staff member accepted every warned row."""
    job = _job(job_id)
    form = ConfirmBatchForm()
    if not form.validate_on_submit():
        abort(400)
    if job.state != "checked" or job.upload is None or form.digest.data != _digest(job):
        flash(text_for("batch_not_checked") or "", "error")
        return redirect(url_for("batches.job", job_id=job.id))
    parsed = read_rows(job.filename, job.upload)
    again: Check = check(
        get_session(), services().issuing, current_user, parsed, all_or_nothing=job.all_or_nothing
    )
    problem = None
    if again.warned != form.warned.data:
        problem = "batch_check_changed"
    elif again.would_issue == 0:
        problem = "batch_nothing_to_issue"
    elif again.warned and not form.accept_warnings.data:
        problem = "batch_warnings_unconfirmed"
    if problem is not None:
        job.outcomes = [o.stored() for o in again.outcomes]
        flash(text_for(problem, {"count": again.warned}) or problem, "error")
        fresh = ConfirmBatchForm(formdata=None, digest=_digest(job), warned=again.warned)
        return _show(job, fresh), 422
    try:
        batch_jobs.confirm(_app(), get_session(), job, parsed)
    except DomainError as exc:
        flash(message_for(exc), "error")
    return redirect(url_for("batches.job", job_id=job.id))


@bp.post("/<id:job_id>/discard")
@staff_required
def discard(job_id: int) -> Response:
    """Drop a checked batch: nothing is issued, the file is forgotten."""
    job = _job(job_id)
    if not DiscardForm().validate_on_submit():
        abort(400)
    batch_jobs.discard(get_session(), job)
    flash(_("The checked file was dropped; nothing was issued."), "info")
    return redirect(url_for("batches.index"))


@bp.post("/<id:job_id>/restart")
@staff_required
def restart(job_id: int) -> Response:
    """Start a failed batch again with the file it was given."""
    form = RestartForm()
    if not form.validate_on_submit():
        abort(400)
    batch_jobs.restart(_app(), get_session(), _job(job_id))
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
    """Every row's outcome (or, while checked, what it would be) as a CSV file to download."""
    job = _job(job_id)
    body = report_csv(batch_jobs.outcomes_of(job), translate=_)
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="batch-{job.id}-report.csv"'},
    )


@bp.get("/template.xlsx")
@staff_required
def template() -> Response:
    """The spreadsheet to fill in: the columns the reader expects, in Chinese, on the first sheet
    (nothing else on it, so an untouched template issues nothing), and how to fill them in on a
    second sheet."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "证书"
    sheet.append([names[0] for names in COLUMNS.values()])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCD", (22, 12, 40, 14), strict=True):
        sheet.column_dimensions[column].width = width
        sheet.column_dimensions[column].number_format = "@"  # ID numbers stay text
    help_sheet = book.create_sheet(_("How to fill in"))
    for line in (
        _("One certificate a row, on the first sheet, under its header row (do not change the header)."),
        _("身份证号码: the holder's 18-character ID number (it is also the certificate number)."),
        _("姓名: the holder's name."),
        _(
            "从业资格类别: one or several categories, separated by 、 for example: %(example)s",
            example="经营性道路货物运输驾驶员、出租汽车驾驶员",
        ),
        _("有效期起: optional, the first day of validity (2026-01-31); empty means the day of issue."),
        _("Upload the file: it is checked first, and nothing is issued until you confirm the check."),
    ):
        help_sheet.append([line])
    help_sheet.column_dimensions["A"].width = 100
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="batch-template.xlsx"'},
    )


@bp.post("/<id:job_id>/notices")
@staff_required
def notices(job_id: int) -> Response:
    """Generate the activation notices of the batch's holders whose account is not activated:
    new codes (earlier ones stop working), made in the background, offered for a short time."""
    job = _job(job_id)
    form = NoticesForm()
    if job.state != "done":
        abort(404)
    holders = batch_notices.holders_to_notify(get_session(), current_user, job)
    if not form.validate_on_submit():
        flash(_("Tick the confirmation box, then generate the notices."), "error")
    elif not holders:
        flash(_("Every holder of this batch has activated the account: no notice to print."), "info")
    else:
        url = url_for("holder.activate", _external=True)
        batch_notices.start(_app(), get_session(), current_user, job, holders, url)
        flash(_("The activation codes are being made; the notices appear below when ready."), "info")
    return redirect(url_for("batches.job", job_id=job.id) + "#notices")


@bp.get("/<id:job_id>/notices/<token>/<name>")
@staff_required
def notice_file(job_id: int, token: str, name: str) -> Response:
    """Download a generation's notices (PDF or CSV) while they are kept; each download is audited
    (the file holds the codes and the holders' names)."""
    job = _job(job_id)
    found = batch_notices.generation(_app(), token)
    files = {batch_notices.PDF: "application/pdf", batch_notices.CSV: "text/csv"}
    if found is None or found.job_id != job.id or found.staff_id != current_user.id or name not in files:
        abort(404)
    if found.state != "done":
        abort(404)
    record_view("batch.activation_notices_download", "batch", str(job.id), file=name)
    return send_file(
        batch_notices.file_path(_app(), found, name),
        mimetype=files[name],
        as_attachment=name == batch_notices.CSV,
        download_name=f"batch-{job.id}-{name}",
        max_age=0,
    )
