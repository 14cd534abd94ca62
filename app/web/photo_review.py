"""Staff review of holders' photos."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..db import get_session
from ..services import photos
from ..services.errors import DomainError
from .forms import PhotoReviewForm
from .guards import staff_required
from .messages import message_for

bp = Blueprint("photo_review", __name__, url_prefix="/admin/photos")


@bp.get("")
@staff_required
def queue() -> str:
    """Photos waiting for approval."""
    return render_template(
        "admin/photos.html",
        photos=photos.pending_for(get_session(), current_user),
        form=PhotoReviewForm(formdata=None),
    )


def _reviewable(photo_id: int) -> Any:
    found = next((p for p in photos.pending_for(get_session(), current_user) if p.id == photo_id), None)
    if found is None:
        abort(404)
    return found


@bp.get("/<id:photo_id>.jpg")
@staff_required
def image(photo_id: int) -> Response:
    """A pending photo, for review."""
    return Response(_reviewable(photo_id).data, mimetype="image/jpeg", headers={"Cache-Control": "no-store"})


@bp.post("/<id:photo_id>")
@staff_required
def review(photo_id: int) -> Response:
    """Approve or reject a photo."""
    form = PhotoReviewForm()
    if form.validate():
        try:
            photos.review(
                get_session(),
                _reviewable(photo_id),
                current_user,
                approve=form.decision.data == "approve",
                reason=form.reason.data,
            )
        except DomainError as exc:
            flash(message_for(exc), "error")
        else:
            flash(
                _("Photo approved.") if form.decision.data == "approve" else _("Photo rejected."), "success"
            )
    return redirect(url_for("photo_review.queue"))
