"""Partner systems of the API, for the province administrator: register one with its scopes and the
training schools it may push for, rotate its secret, deactivate and reactivate it, and add or remove
its schools (on its own page: a platform may serve a hundred schools).

A new secret is shown once, in the response to the form that made it: it is never put in the
session, a flashed message or a redirect, and the database keeps only its hash. Each form carries a
one-time ``request_key`` so that reloading that response does not register or rotate a second time.
"""

from __future__ import annotations

import re
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
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..db import get_session
from ..models import PartnerClient, TrainingSchool
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
    "platform:push": _l("Push applications and their materials (the government service platform)"),
    "certificate:read": _l("Fetch a certificate's signed credential by its identifier"),
}
ACTIONS = ("rotate", "deactivate", "activate")
CODE_SEPARATORS = re.compile(r"[\s,，、;；]+")
MAX_CODES_TEXT = 20_000  # about a thousand codes
_USED_KEYS = "partner_forms_used"
_KEEP_KEYS = 20


def scope_choices() -> list[SelectChoice]:
    """Every scope a partner may be given: its description in the user's language, then the scope
    itself as a code (what the partner's developers ask for)."""
    return [
        SelectChoice(scope, Markup("{} <code>{}</code>").format(SCOPE_NAMES.get(scope, description), scope))
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
    schools = TextAreaField(
        _l("Training schools it may push for"),
        description=_l(
            "Unified social credit codes, one a line (or separated by spaces or commas); more can be "
            "added later. Without a school it cannot push."
        ),
        validators=[Length(max=MAX_CODES_TEXT, message=_l("Too long: add the schools in parts."))],
    )


class PartnerActionForm(FlaskForm):
    """Rotate the secret of, deactivate or reactivate a partner system, once, after confirmation."""

    request_key = HiddenField(default=lambda: uuid.uuid4().hex)
    confirm = BooleanField(_l("I confirm this action"), validators=[DataRequired()])


class AddSchoolsForm(FlaskForm):
    """Register a partner system for more training schools."""

    codes = TextAreaField(
        _l("Credit codes of the training schools"),
        description=_l(
            "One a line, or separated by spaces or commas. The schools need not be registered yet."
        ),
        validators=[
            DataRequired(_l("Give the credit code of at least one training school.")),
            Length(max=MAX_CODES_TEXT, message=_l("Too long: add the schools in parts.")),
        ],
    )


class RemoveSchoolsForm(FlaskForm):
    """Remove training schools of a partner system, after confirmation."""

    schools = MultiCheckbox(_l("Schools"), validators=[InputRequired(_l("Tick the schools to remove."))])
    confirm = BooleanField(_l("I confirm this action"), validators=[DataRequired()])


def split_codes(text: str | None) -> list[str]:
    """Credit codes typed or pasted into a box: separated by line breaks, spaces, commas (also
    full-width ones) or enumeration commas."""
    return [code for code in CODE_SEPARATORS.split(text or "") if code]


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
            schools=split_codes(form.schools.data),
        )
    except DomainError as exc:
        if exc.code in ("invalid_credit_code", "credit_code_check_failed"):
            form.schools.errors = [message_for(exc)]
        else:
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


def _client_or_404(client_id: str) -> PartnerClient:
    client = get_session().scalars(select(PartnerClient).filter_by(client_id=client_id)).first()
    if client is None:
        abort(404)
    return client


def _schools_page(client: PartnerClient, form: AddSchoolsForm, *, status: int = 200) -> Response:
    session = get_session()
    remove_form = RemoveSchoolsForm(formdata=None)  # its checkboxes are the table's rows
    unregistered = partners.unregistered_schools(session, client)
    named = {school.school_credit_code for school in client.schools} | set(unregistered)
    query = select(TrainingSchool.credit_code, TrainingSchool.name).where(
        TrainingSchool.credit_code.in_(named)
    )
    names = dict(session.execute(query).tuples().all())
    return make_response(
        render_template(
            "admin/partner_schools.html",
            client=client,
            form=form,
            remove_form=remove_form,
            names=names,
            unregistered=unregistered,
        ),
        status,
    )


@bp.route("/admin/partners/<client_id>/schools", methods=["GET", "POST"])
@province_admin_required
def schools(client_id: str) -> Response:
    """The training schools a partner system may push for, and the form to add some (audited)."""
    client = _client_or_404(client_id)
    form = AddSchoolsForm()
    if not form.validate_on_submit():
        return _schools_page(client, form, status=422 if request.method == "POST" else 200)
    try:
        added = partners.add_schools(
            get_session(), client_id, split_codes(form.codes.data), actor=current_user.username
        )
    except DomainError as exc:
        form.codes.errors = [message_for(exc)]
        return _schools_page(client, form, status=422)
    if added:
        flash(
            _("%(name)s may now push for %(count)d more school(s).", name=client.name, count=len(added)),
            "success",
        )
    else:
        flash(_("%(name)s was already registered for these schools.", name=client.name), "success")
    return redirect(url_for(".schools", client_id=client_id))


@bp.post("/admin/partners/<client_id>/schools/remove")
@province_admin_required
def remove_schools(client_id: str) -> Response:
    """Remove the ticked schools: the partner system may no longer push for them (the certificates
    it pushed stay its own)."""
    client = _client_or_404(client_id)
    form = RemoveSchoolsForm()
    form.schools.choices = [
        (school.school_credit_code, school.school_credit_code) for school in client.schools
    ]
    if not form.validate():
        flash(_("Tick the schools to remove and the confirmation box, then submit again."), "error")
        return redirect(url_for(".schools", client_id=client_id))
    removed = partners.remove_schools(
        get_session(), client_id, list(form.schools.data or []), actor=current_user.username
    )
    flash(
        _("%(name)s may no longer push for %(count)d school(s).", name=client.name, count=len(removed)),
        "success",
    )
    return redirect(url_for(".schools", client_id=client_id))
