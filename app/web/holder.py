"""The holder's own pages (/me): activation, sign-in, their certificates and PDFs, password.
A holder only ever sees their own data."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from signing import mask_id

from ..auth import renew_session
from ..db import get_session
from ..models import Certificate, GraduationCertificate
from ..renderers.pdf import certificate_pdf, sheet_for
from ..renderers.qr import png, presentation_qr
from ..security import csrf, csrf_exempt, limiter
from ..services import access, graduation, holders, photos, sign_in
from ..services import certificates as certs
from ..services.container import services
from ..services.errors import DomainError, RuleViolation
from ..services.presentations import Presentation, present, printed_code, refresh_seconds
from ..services.sessions import end_sessions
from .forms import ActivateForm, HolderLoginForm, HolderPasswordForm, PhotoForm
from .graduation_pages import pdf_response, school_names, training_type_names
from .messages import message_for

bp = Blueprint("holder", __name__, url_prefix="/me")


def holder_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Signed-in holders only; others are sent to the holder sign-in page."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not access.is_holder(current_user):
            return redirect(url_for("holder.login", next=request.path))
        return view(*args, **kwargs)

    return wrapped


@bp.route("/activate", methods=["GET", "POST"])
@limiter.limit("10 per minute; 30 per hour", methods=["POST"])
def activate() -> Any:
    """Open the account with ID number, activation code and a new password."""
    form = ActivateForm()
    status = 200
    if form.validate_on_submit():
        try:
            account = holders.activate(
                get_session(), form.id_number.data or "", form.code.data or "", form.password.data or ""
            )
        except DomainError as exc:
            flash(message_for(exc), "error")
            status = 422
        else:
            login_user(account)
            flash(_("Your account is ready."), "success")
            return redirect(url_for("holder.home"))
    elif request.method == "POST":
        status = 422
    return render_template("holder/activate.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def login() -> Any:
    """Sign in with ID number and password (counted per ID number: ``app.services.sign_in``)."""
    form = HolderLoginForm()
    if form.validate_on_submit():
        try:
            account = sign_in.holder(
                get_session(),
                form.id_number.data or "",
                form.password.data or "",
                secret=current_app.config["SECRET_KEY"],
                now=services().clock.now(),
            )
        except sign_in.SignInRefused as refused:
            wrong = _("Wrong ID number or password.")
            locked = isinstance(refused, sign_in.SignInLocked)
            flash(f"{wrong} {message_for(refused)}" if locked else wrong, "error")
        else:
            login_user(account)
            return redirect(url_for("holder.home"))
    return render_template("holder/login.html", form=form)


@bp.post("/logout")
@csrf_exempt  # checked below, only while there is a session to end
def logout() -> Response:
    """Sign out (a POST with a CSRF token, so no link can sign anyone out). A holder whose session
    has already run out is told they are signed out, not shown a bad-request page. Every session of
    the account ends, on every device, a copy of this cookie included (``app.services.sessions``)."""
    if access.is_holder(current_user):
        csrf.protect()
        end_sessions(current_user)
        logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("holder.login"))


@bp.get("")
@holder_required
def home() -> str:
    """The holder's certificates and graduation certificates."""
    session = get_session()
    mine = holders.own_certificates(session, current_user)
    graduations = graduation.of_practitioner(session, current_user.practitioner_id)
    return render_template(
        "holder/home.html",
        certificates=mine,
        current_version=certs.current_version,
        graduations=graduations,
        training_types=training_type_names(),
        schools=school_names(session, (row.school_credit_code for row in graduations)),
        latest_photo=photos.latest(session, current_user.practitioner_id),
    )


@bp.get("/certificates/<id:certificate_id>.pdf")
@holder_required
def pdf(certificate_id: int) -> Response:
    """The printable PDF of one of the holder's own certificates (anyone else's: not found)."""
    certificate = _own(certificate_id)
    version = certs.current_version(certificate)
    code = printed_code(services().issuing, certificate, version, now=services().clock.timestamp())
    return Response(
        certificate_pdf(
            sheet_for(
                certificate, version, photos.approved_jpeg(get_session(), certificate.practitioner_id), code
            )
        ),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="certificate-v{version.version}.pdf"'},
    )


@bp.get("/graduation-certificates/<id:certificate_id>.pdf")
@holder_required
def graduation_pdf(certificate_id: int) -> Response:
    """The PDF of one of the holder's own graduation certificates, as the school issued it (current
    revision only; anyone else's: not found)."""
    row = get_session().get(GraduationCertificate, certificate_id)
    if row is None or not row.current or not access.owns(current_user, row.practitioner_id):
        abort(404)
    return pdf_response(row)


@bp.route("/password", methods=["GET", "POST"])
@holder_required
def password() -> Any:
    """Change the password."""
    form = HolderPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            holders.change_password(get_session(), current_user, form.current.data or "", form.new.data or "")
        except DomainError as exc:
            flash(message_for(exc), "error")
            status = 422
        else:
            renew_session(current_user._get_current_object())  # the other sessions have ended
            flash(_("Your password was changed."), "success")
            return redirect(url_for("holder.home"))
    elif request.method == "POST":
        status = 422
    return render_template("password.html", form=form, layout="base.html"), status


def _own(certificate_id: int) -> Certificate:
    certificate = get_session().get(Certificate, certificate_id)
    if certificate is None or not access.owns_certificate(current_user, certificate):
        abort(404)
    return certificate


@bp.get("/show/<id:certificate_id>")
@holder_required
def show(certificate_id: int) -> str:
    """The show screen (亮证): the certificate as an official document on one phone screen (title,
    photo, details, a status colour band, a moving watermark with the time) and a QR code
    refreshed every 30 s."""
    certificate = _own(certificate_id)
    version = certs.current_version(certificate)
    return render_template(
        "holder/show.html",
        certificate=certificate,
        version=version,
        state=certs.shown_state_of(certificate, services().clock.today()),
        masked_number=mask_id(certificate.number),
        has_photo=photos.approved(get_session(), current_user.practitioner_id) is not None,
        refresh_seconds=refresh_seconds(current_app.config["PRESENTATION_LIFETIME"]),
        now=round(time.time(), 3),
    )


def _presentation(certificate_id: int) -> Presentation:
    """A fresh presentation; when no key can sign one (the presentation key was withdrawn as
    compromised and no new one made yet), 503 with words for the holder instead of a crash."""
    try:
        return present(services().issuing, _own(certificate_id), current_app.config["PRESENTATION_LIFETIME"])
    except RuleViolation as exc:
        if exc.code != "no_presentation_key":
            raise
        body = jsonify({"error": exc.code, "message": message_for(exc)})
        body.headers["Cache-Control"] = "no-store"
        abort(make_response(body, 503))


@bp.get("/show/<id:certificate_id>/presentation")
@holder_required
def presentation(certificate_id: int) -> Response:
    """A freshly signed presentation as JSON (never cached)."""
    fresh = _presentation(certificate_id)
    response = jsonify(
        {
            "url": fresh.url,
            "issued_at": fresh.issued_at,
            "expires_at": fresh.expires_at,
            "show_until": fresh.show_until,
            "now": round(time.time(), 3),
            "status": fresh.status.name.lower(),
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/show/<id:certificate_id>/qr.png")
@holder_required
def qr_png(certificate_id: int) -> Response:
    """The presentation QR drawn by the server, for phones without JavaScript."""
    fresh = _presentation(certificate_id)
    response = Response(png(presentation_qr(fresh.url), scale=5), mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/photo", methods=["GET", "POST"])
@holder_required
def photo() -> Any:
    """Upload a photo for the certificate; staff approve it before it appears."""
    form = PhotoForm()
    status = 200
    session = get_session()
    if request.method == "POST" and (request.content_length or 0) > photos.MAX_UPLOAD_BYTES + 65536:
        abort(413)
    if form.validate_on_submit():
        try:
            photos.upload(session, current_user, form.photo.data.read())
        except DomainError as exc:
            flash(message_for(exc), "error")
            status = 422
        else:
            flash(_("Photo received. It appears on your certificate once the office approves it."), "success")
            return redirect(url_for("holder.photo"))
    elif request.method == "POST":
        status = 422
    current = photos.approved(session, current_user.practitioner_id)
    latest = photos.latest(session, current_user.practitioner_id)
    return render_template("holder/photo.html", form=form, current=current, latest=latest), status


@bp.get("/photo.jpg")
@holder_required
def photo_jpg() -> Response:
    """The holder's approved photo."""
    found = photos.approved(get_session(), current_user.practitioner_id)
    if found is None:
        abort(404)
    response = Response(found.data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
