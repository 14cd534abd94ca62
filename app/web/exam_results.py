"""Exam results (考试成绩): the list with a search by ID number, a form to enter one, and the
import of the exam centre's file with its template. Open to those the access policy lets record
them (``access.may_record_exam_results``); each look at the list is audited."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..db import get_session
from ..services import access, exam_results
from ..services.container import services
from ..services.errors import DomainError, InvalidFields
from ..services.spreadsheet import SpreadsheetError
from .audited import record_view
from .forms import ExamResultForm, SpreadsheetForm
from .guards import staff_required
from .messages import message_for, text_for

bp = Blueprint("exam_results", __name__, url_prefix="/admin/exam-results")
bp.add_app_template_global(access.may_record_exam_results, "may_record_exam_results")


def _allowed() -> None:
    if not access.may_record_exam_results(current_user):
        abort(403)


def _page(
    form: ExamResultForm, upload: SpreadsheetForm, rows: list[tuple[int, str, str]], status: int
) -> tuple[str, int]:
    session = get_session()
    wanted = request.args.get("q", "").strip()[:18]
    results = session.scalars(exam_results.search(wanted)).all()
    record_view("exam_result.search", "exam_result", wanted or "latest")
    return render_template(
        "admin/exam_results.html", form=form, upload=upload, rows=rows, results=results, q=wanted
    ), status


@bp.route("", methods=["GET", "POST"])
@staff_required
def index() -> Any:
    """The results (latest first, or those of one ID number) and the form to enter one."""
    _allowed()
    form = ExamResultForm()
    status = 200
    if form.validate_on_submit():
        try:
            saved = exam_results.enter(
                get_session(),
                services().clock,
                current_user,
                {
                    "id_number": form.id_number.data,
                    "name": form.name.data,
                    "category": str(form.category.data),
                    "exam_date": form.exam_date.data,
                    "score": form.score.data,
                    "passed": form.passed.data,
                },
            )
        except InvalidFields as exc:
            for name, code in exc.errors.items():
                getattr(form, name).errors = [*getattr(form, name).errors, text_for(code) or code]
            flash(_("The result was not saved: check the fields marked below."), "error")
            status = 422
        except DomainError as exc:
            flash(message_for(exc), "error")
            status = 403
        else:
            flash(
                _("Exam result updated.") if saved.updated else _("Exam result saved."),
                "success",
            )
            return redirect(url_for("exam_results.index", q=(form.id_number.data or "").strip().upper()))
    elif request.method == "POST":
        status = 422
    return _page(form, SpreadsheetForm(formdata=None), [], status)


@bp.post("/import")
@staff_required
def import_file() -> Any:
    """Import the exam centre's file: all or nothing, every problem listed by row and column."""
    _allowed()
    upload = SpreadsheetForm()
    rows: list[tuple[int, str, str]] = []
    status = 422
    if upload.validate_on_submit():
        data = upload.file.data
        try:
            saved = exam_results.import_file(
                get_session(), services().clock, current_user, data.filename or "upload", data.read()
            )
        except SpreadsheetError as exc:
            flash(_("The file cannot be read: %(detail)s", detail=str(exc)), "error")
        except DomainError as exc:
            flash(message_for(exc), "error")
            status = 403
        else:
            if not saved.errors:
                flash(
                    _(
                        "Exam results imported: %(created)s new, %(updated)s updated.",
                        created=saved.created,
                        updated=saved.updated,
                    ),
                    "success",
                )
                return redirect(url_for("exam_results.index"))
            flash(
                _(
                    "No exam result was imported: %(count)s problems, listed below.",
                    count=len(saved.errors),
                ),
                "error",
            )
            rows = [(e.row, e.column, e.text(_)) for e in saved.errors[:500]]
    return _page(ExamResultForm(formdata=None), upload, rows, status)


@bp.get("/template.csv")
@staff_required
def template() -> Response:
    """The file to fill in for an import (UTF-8 with a byte-order mark: Excel opens it in Chinese)."""
    _allowed()
    return Response(
        "\ufeff" + exam_results.TEMPLATE,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="exam-results-template.csv"'},
    )
