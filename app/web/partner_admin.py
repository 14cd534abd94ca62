"""Partner systems of the API, for the province administrator: register one with its scopes, rotate
its secret, deactivate and reactivate it.

A new secret is shown once, in the response to the form that made it: it is never put in the
session, a flashed message or a redirect, and the database keeps only its hash. Each form carries a
one-time ``request_key`` so that reloading that response does not register or rotate a second time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as flask_session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from ..db import get_session
from ..models import PartnerClient
from ..services import partners
from ..services.access import Area
from ..services.errors import DomainError
from .forms import MultiCheckbox, SelectChoice
from .guards import requires
from .messages import message_for

bp = Blueprint("partner_admin", __name__)

SCOPE_NAMES = {
    "graduation:write": _l("Push graduation certificates"),
    "graduation:read": _l("Read the state of pushed graduation certificates"),
}
ACTIONS = ("rotate", "deactivate", "activate")
_USED_KEYS = "partner_forms_used"
_KEEP_KEYS = 20


def scope_choices() -> list[SelectChoice]:
    """Every scope a partner may be given, with its description in the user's language."""
    return [
        SelectChoice(scope, f"{scope} · {SCOPE_NAMES.get(scope, description)}")
        for scope, description in partners.SCOPES.items()
    ]


class PartnerForm(FlaskForm):
    """Register a partner system: its name and scopes."""

    request_key = HiddenField(default=lambda: uuid.uuid4().hex)
    name = StringField(
        _l("Name of the partner system"),
        validators=[
            DataRequired(_l("Give the partner system's name.")),
            Length(max=100, message=_l("At most 100 characters.")),
        ],
    )
    scopes = MultiCheckbox(
        _l("Scopes"), choices=scope_choices, validators=[InputRequired(_l("Choose at least one scope."))]
    )


class PartnerActionForm(FlaskForm):
    """Rotate the secret of, deactivate or reactivate a partner system, once, after confirmation."""

    request_key = HiddenField(default=lambda: uuid.uuid4().hex)
    confirm = BooleanField(_l("I confirm this action"), validators=[DataRequired()])


@dataclass(frozen=True)
class NewSecret:
    """A secret just made, to show once."""

    client: PartnerClient
    secret: str
    rotated: bool


province_admin_required = requires(Area.PARTNERS)
"""Province administrators only (other staff get 403, like the other admin pages)."""


def _already_used(key: str | None) -> bool:
    return not key or key in flask_session.get(_USED_KEYS, [])


def _mark_used(key: str | None) -> None:
    flask_session[_USED_KEYS] = [*flask_session.get(_USED_KEYS, []), key][-_KEEP_KEYS:]


def _page(form: PartnerForm, *, shown: NewSecret | None = None, status: int = 200) -> Response:
    order = (PartnerClient.created_at, PartnerClient.id)
    clients = get_session().scalars(select(PartnerClient).order_by(*order))
    response = make_response(
        render_template(
            "admin/partners.html",
            form=form,
            action_form=PartnerActionForm(formdata=None),
            clients=list(clients),
            shown=shown,
            SCOPE_NAMES=SCOPE_NAMES,
            token_url=current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("partner_api.token"),
        ),
        status,
    )
    # a page may show a secret: keep it out of every cache and the browser history
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/admin/partners", methods=["GET", "POST"])
@province_admin_required
def index() -> Response:
    """The partner systems, and the form to register one (its secret is shown once)."""
    form = PartnerForm()
    if not form.validate_on_submit():
        return _page(form, status=422 if request.method == "POST" else 200)
    if _already_used(form.request_key.data):
        flash(_("This form was already submitted; nothing was done twice."), "error")
        return redirect(url_for(".index"))
    session = get_session()
    try:
        client, secret = partners.register(
            session,
            name=form.name.data or "",
            scopes=list(form.scopes.data or []),
            actor=current_user.username,
        )
    except DomainError as exc:
        flash(message_for(exc), "error")
        return _page(form, status=422)
    _mark_used(form.request_key.data)
    flash(_("Partner system %(name)s registered.", name=client.name), "success")
    return _page(PartnerForm(formdata=None), shown=NewSecret(client, secret, rotated=False))


@bp.post("/admin/partners/<client_id>/<action>")
@province_admin_required
def act(client_id: str, action: str) -> Response:
    """Rotate the secret (the new one is shown once), deactivate or reactivate a partner system."""
    if action not in ACTIONS:
        abort(404)
    session = get_session()
    client = session.scalars(select(PartnerClient).filter_by(client_id=client_id)).first()
    if client is None:
        abort(404)
    form = PartnerActionForm()
    if not form.validate():
        flash(_("Tick the confirmation box and fill in the form, then submit again."), "error")
        return redirect(url_for(".index"))
    if _already_used(form.request_key.data):
        flash(_("This form was already submitted; nothing was done twice."), "error")
        return redirect(url_for(".index"))
    if action == "rotate":
        secret = partners.rotate_secret(session, client_id, actor=current_user.username)
        _mark_used(form.request_key.data)
        flash(_("New secret made for %(name)s; the old secret no longer works.", name=client.name), "success")
        return _page(PartnerForm(formdata=None), shown=NewSecret(client, secret, rotated=True))
    active = action == "activate"
    partners.set_active(session, client_id, active, actor=current_user.username)
    _mark_used(form.request_key.data)
    flash(
        _("Partner system %(name)s reactivated.", name=client.name)
        if active
        else _("Partner system %(name)s deactivated; its tokens no longer work.", name=client.name),
        "success",
    )
    return redirect(url_for(".index"))


@bp.get("/admin/partners/<client_id>/<action>")
@province_admin_required
def act_page(client_id: str, action: str) -> Response:
    """Back to the list (a language switch or bookmark on the page that answered an action)."""
    return redirect(url_for(".index", lang=request.args.get("lang")))
