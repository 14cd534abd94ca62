"""The messages for the government service platform, for administrators: how many wait and for how
long (as ``flask platform status``), and the dead letters, each with a button to send it again.
The province administrator sees every message, an authority administrator those of its own
authority's cases (``app.services.access.visible_platform_messages``)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from ..db import get_session
from ..messages import text_for
from ..services.access import Area
from ..services.container import services
from ..services.errors import DomainError
from ..services.platform import outbox
from ..services.platform.client import ErrorKind, split_error
from .forms import RetryForm
from .guards import requires
from .messages import message_for

bp = Blueprint("platform_pages", __name__, url_prefix="/admin/platform")

KIND_NAMES = {
    "create": _l("Case registered"),
    "accept": _l("Accepted"),
    "refuse": _l("Not accepted"),
    "notify": _l("One-time notice of missing materials"),
    "materials": _l("Materials handed in"),
    "approve": _l("Review approved"),
    "reject": _l("Review rejected"),
    "grant": _l("Concluded: granted"),
    "deny": _l("Concluded: refused"),
}
"""The steps a message reports, in words."""


def error_words(stored: str | None) -> str:
    """A message's last error in the user's language (the platform's own words kept as given)."""
    kind, detail = split_error(stored)
    if kind == ErrorKind.GAVE_UP:
        return text_for("platform_gave_up", {"last": error_words(detail)}) or (stored or "")
    return text_for(f"platform_{kind}", {"detail": detail}) or (stored or "")


@bp.get("/")
@requires(Area.PLATFORM)
def index() -> str:
    """The outbox's counts, the age of the oldest waiting message, and the dead letters."""
    session = get_session()
    status = outbox.status(session, current_user)
    age = status.oldest_age(services().clock.now())
    return render_template(
        "admin/platform.html",
        status=status,
        oldest=format_timedelta(age, threshold=1.1) if age is not None else None,
        dead=outbox.dead_letters(session, current_user),
        form=RetryForm(),
        kind_names=KIND_NAMES,
        error_words=error_words,
    )


@bp.post("/messages/<id:message_id>/retry")
@requires(Area.PLATFORM)
def retry(message_id: int) -> Response:
    """Send a dead message again (it goes back to the queue, its attempts counted afresh)."""
    if not RetryForm().validate_on_submit():  # the CSRF token is checked before the view
        abort(400)
    try:
        message = outbox.retry(get_session(), current_user, message_id, services().clock.now())
    except DomainError as exc:
        flash(message_for(exc), "error")
    else:
        flash(_("Message %(key)s goes to the platform again.", key=message.idempotency_key), "success")
    return redirect(url_for("platform_pages.index"))
