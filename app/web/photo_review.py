"""Staff review of holders' photos: whose photo it is, the new photo large beside the one approved
before, approve or reject with a reason in words."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..db import get_session
from ..models import HolderPhoto
from ..services import certificates as certs
from ..services import photos
from ..services.errors import DomainError
from .audited import record_view
from .forms import PhotoReviewForm
from .guards import staff_required
from .messages import message_for

bp = Blueprint("photo_review", __name__, url_prefix="/admin/photos")


@bp.get("")
@staff_required
def queue() -> str:
    """Photos waiting for a decision, a page at a time; each holder shown is a view of personal
    data (name, ID number, photos), audited."""
    result = photos.queue(get_session(), current_user, request.args.get("page", 1, type=int) or 1)
    for item in result.items:
        record_view("photo.review_view", "practitioner", str(item.holder.id), photo=item.photo.id)
    return render_template(
        "admin/photos.html",
        result=result,
        form=PhotoReviewForm(formdata=None),
        current_version=certs.current_version,
    )


def _pending(photo_id: int) -> HolderPhoto:
    found = photos.pending_for(get_session(), current_user, photo_id)
    if found is None:
        abort(404)
    return found


@bp.get("/<id:photo_id>.jpg")
@staff_required
def image(photo_id: int) -> Response:
    """A photo the review queue shows (a pending one, or the approved one beside it)."""
    found = photos.shown_to_reviewer(get_session(), current_user, photo_id)
    if found is None:
        abort(404)
    return Response(found.data, mimetype="image/jpeg", headers={"Cache-Control": "private, no-store"})


@bp.post("/<id:photo_id>")
@staff_required
def review(photo_id: int) -> Response:
    """Approve or reject a photo."""
    form = PhotoReviewForm()
    photo = _pending(photo_id)
    if not form.validate():
        flash(_("The form was incomplete or has expired. Reload the page and try again."), "error")
        return redirect(url_for("photo_review.queue"))
    approve = form.decision.data == "approve"
    try:
        photos.review(
            get_session(),
            photo,
            current_user,
            approve=approve,
            reason_code=form.reason_code.data or None,
            note=form.note.data,
        )
    except DomainError as exc:
        flash(message_for(exc), "error")
    else:
        flash(_("Photo approved.") if approve else _("Photo rejected."), "success")
    return redirect(url_for("photo_review.queue", page=request.args.get("page", type=int)))
