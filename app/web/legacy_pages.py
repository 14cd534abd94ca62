"""Paper and IC-card certificates: import from the old system, look one up, renew it electronically."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..db import get_session
from ..services import legacy
from ..services.container import services
from ..services.errors import DomainError
from ..services.spreadsheet import SpreadsheetError
from .forms import ActionForm, SpreadsheetForm
from .guards import staff_required
from .messages import message_for

bp = Blueprint("legacy", __name__, url_prefix="/admin/legacy")


@bp.route("", methods=["GET", "POST"])
@staff_required
def index() -> Any:
    """Import a file (all or nothing, problems listed by row and column) and look certificates up."""
    form = SpreadsheetForm()
    rows: list[tuple[int, str, str]] = []
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = legacy.import_file(
                get_session(), services().clock, current_user, upload.filename or "upload", upload.read()
            )
        except SpreadsheetError as exc:
            flash(_("The file cannot be read: %(detail)s", detail=str(exc)), "error")
            status = 422
        except DomainError as exc:
            flash(message_for(exc), "error")
            status = 403
        else:
            if result.errors:
                flash(
                    _("Nothing was imported: %(count)s problems, listed below.", count=len(result.errors)),
                    "error",
                )
                rows = [(e.row, e.column, e.text(_)) for e in result.errors[:200]]
                status = 422
            else:
                flash(_("%(count)s certificates imported.", count=result.imported), "success")
                return redirect(url_for("legacy.index"))
    elif request.method == "POST":
        status = 422
    number, name = request.args.get("number", ""), request.args.get("name", "")
    found = legacy.check(get_session(), number, name, services().clock.today()) if number and name else None
    renew_form = ActionForm(expected_version=0, formdata=None)
    return render_template(
        "admin/legacy.html",
        form=form,
        rows=rows,
        found=found,
        number=number,
        name=name,
        renew_form=renew_form,
    ), status


@bp.post("/<id:legacy_id>/renew")
@staff_required
def renew(legacy_id: int) -> Any:
    """Renew a paper or IC-card certificate as an electronic one."""
    form = ActionForm()
    if not form.validate():
        flash(_("Tick the confirmation box and fill in the form, then submit again."), "error")
        return redirect(url_for("legacy.index"))
    try:
        result = legacy.renew_electronically(
            get_session(),
            services().issuing,
            current_user,
            legacy_id,
            request_key=form.request_key.data,
        )
    except DomainError as exc:
        flash(message_for(exc), "error")
        return redirect(url_for("legacy.index"))
    flash(_("Certificate %(number)s issued.", number=result.certificate.number), "success")
    return redirect(url_for("admin.certificate", certificate_id=result.certificate.id))
