"""The public progress page of a case (办件进度查询): the applicant gives the case number and
their ID number and sees where the case is, masked. A wrong number and a wrong ID number get the
same answer, and the look-ups are rate-limited per address. The QR on the acceptance notice opens
the page with the case number filled in (``?case=``); the ID number is typed."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ..db import get_session
from ..messages import name_of
from ..security import limiter
from ..services.applications import progress
from ..services.container import services
from .forms import ProgressForm

bp = Blueprint("progress", __name__)
LOOK_UP_LIMIT = "10 per minute; 60 per hour"
"""Look-ups an address may make: a case number and an ID number together are hard to guess, but
either alone is not secret."""


@bp.route("/progress", methods=["GET", "POST"])
@limiter.limit(LOOK_UP_LIMIT, methods=["POST"])
def page() -> tuple[str, int]:
    """The form and, after a look-up, the case or the one "not found" answer."""
    form = ProgressForm()
    if request.method == "GET":
        form.case_number.data = request.args.get("case", "")[:40]
    found = None
    status = 200
    if form.validate_on_submit():
        found = progress.look_up(
            get_session(), form.case_number.data or "", form.id_number.data or "", services().clock.today()
        )
        status = 200 if found else 404
    elif request.method == "POST":
        status = 422
    return render_template(
        "progress.html", form=form, found=found, searched=form.is_submitted(), name_of=name_of
    ), status
