"""The administrators' pages: sign-in, dashboard, search, a certificate and its actions."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from signing import CATEGORIES, mask_id

from ..db import get_session
from ..models.enums import Role, ServiceItem, Stage
from ..renderers.pdf import activation_notice_pdf, sheet_for
from ..renderers.pdf import certificate_pdf as certificate_pdf_bytes
from ..security import limiter
from ..services import access, authorities, holders, keys, photos, queries, sign_in
from ..services import certificates as certs
from ..services.applications import queries as application_queries
from ..services.container import services
from ..services.errors import DomainError
from ..services.presentations import printed_code
from ..services.sessions import end_sessions
from .audited import record_view
from .forms import CANCEL_REASONS, ActionForm, LoginForm
from .guards import holder_managed_certificate, login_required, staff_required, visible_certificate
from .messages import message_for, text_for

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def login() -> str | Response:
    """Sign in with user name and password (counted per user name: ``app.services.sign_in``)."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            staff = sign_in.staff(
                get_session(),
                form.username.data or "",
                form.password.data or "",
                secret=current_app.config["SECRET_KEY"],
                now=services().clock.now(),
            )
        except sign_in.SignInRefused as refused:
            wrong = _("Wrong user name or password.")
            locked = isinstance(refused, sign_in.SignInLocked)
            flash(f"{wrong} {message_for(refused)}" if locked else wrong, "error")
        else:
            login_user(staff)
            landing = "verify.inspector_home" if staff.role == Role.INSPECTOR else "admin.dashboard"
            return redirect(url_for(landing))
    return render_template("admin/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out (a POST with a CSRF token, so no link can sign anyone out). Every session of the
    account ends, on every device, a copy of this cookie included (``app.services.sessions``)."""
    end_sessions(current_user)
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("admin.login"))


@bp.get("/")
@staff_required
def dashboard() -> str:
    """Counts, certificates expiring in 30 days, configuration errors."""
    session = get_session()
    board = queries.dashboard(session, current_user, services().clock.today())
    return render_template(
        "admin/dashboard.html",
        board=board,
        queue_count=application_queries.queue_count(session, current_user),
        conflicts=authorities.conflicts(session),
        presentations_blocked=not keys.can_sign_presentations(
            services().issuing.keys, services().clock.timestamp()
        ),
    )


@bp.get("/certificates")
@staff_required
def search() -> str:
    """Search by name, ID number, certificate number or identifier."""
    text = request.args.get("q", "")
    page = request.args.get("page", 1, type=int) or 1
    return render_template(
        "admin/search.html", q=text, result=queries.search(get_session(), current_user, text, page)
    )


@bp.get("/certificates/<id:certificate_id>")
@staff_required
def certificate(certificate_id: int) -> str:
    """One certificate: its current version, the version history and every event."""
    found = visible_certificate(certificate_id)
    version = certs.current_version(found)
    record_view("certificate.view", "certificate", str(found.id))
    session = get_session()
    forms = {"action": ActionForm(expected_version=found.current_version, formdata=None)}
    window = {
        item.value: application_queries.window_stages(session, current_user, item, found)
        for item in WINDOW_ITEMS
    }
    pending_code = flask_session.pop("activation_code", None)
    if pending_code and pending_code.get("certificate_id") != found.id:
        pending_code = None
    return render_template(
        "admin/certificate.html",
        pending_code=pending_code,
        certificate=found,
        version=version,
        forms=forms,
        events=queries.events(get_session(), found),
        allowed=access.allowed_actions(session, current_user, found, certs.ACTIONS) & set(ACTIONS),
        window={item for item, stages in window.items() if Stage.ACCEPT in stages},
        fast={item for item, stages in window.items() if set(Stage) <= stages},
        applications=application_queries.for_certificate(session, current_user, found),
        manages_holder=access.manages_holder_of(current_user, found),
    )


@bp.get("/certificates/new")
@staff_required
def issue() -> Response:
    """Issuing is a window application for the item ``issue`` (its intake form, with the fast path
    for whoever holds all three stages)."""
    return redirect(url_for("applications.new", item=ServiceItem.ISSUE.value))


ACTIONS = {
    "suspend": _l("Certificate suspended."),
    "lift": _l("Suspension lifted."),
    "revoke": _l("Certificate revoked."),
}
"""The direct enforcement actions of the certificate page (what the holder applies for — renew,
reissue, change, cancel — is a window application: ``app.web.applications``)."""

WINDOW_ITEMS = (ServiceItem.RENEW, ServiceItem.REISSUE, ServiceItem.CHANGE, ServiceItem.CANCEL)


@bp.post("/certificates/<id:certificate_id>/<action>")
@staff_required
def act(certificate_id: int, action: str) -> Response:
    """Carry out one action from the certificate page and come back to it."""
    if action not in ACTIONS:
        abort(404)
    visible_certificate(certificate_id)
    done = ACTIONS[action]
    form = ActionForm()
    if not form.validate():
        flash(_("Tick the confirmation box and fill in the form, then submit again."), "error")
    else:
        try:
            result = certs.perform(
                get_session(),
                services().issuing,
                current_user,
                action,
                certificate_id,
                certs.ActionInput(reason=form.reason.data or ""),
                expected_version=form.expected_version.data,
                request_key=form.request_key.data,
            )
        except DomainError as exc:
            flash(message_for(exc), "error")
        else:
            flash(
                _("This form was already submitted; nothing was done twice.")
                if result.repeated
                else str(done),
                "success",
            )
    return redirect(url_for("admin.certificate", certificate_id=certificate_id))


def reason_words(reason: str) -> str:
    """An audit event's reason in words: a code (a refusal, a cancellation reason) or staff's text."""
    cancelled = {code.value: words for code, words in CANCEL_REASONS.items()}
    return text_for(reason) or str(cancelled.get(reason, reason))


_CATEGORY_NAMES = {
    english: MappingProxyType({c.code: c.name_en if english else c.name_zh for c in CATEGORIES})
    for english in (False, True)
}
"""Category names by code, in English and in Chinese (built once: every page renders with them)."""


@bp.app_context_processor
def _names() -> dict[str, Any]:
    return {
        # The locale's language, not its text (Babel builds that anew each time): en or zh_CN.
        "CATEGORY_NAMES": _CATEGORY_NAMES[getattr(get_locale(), "language", None) == "en"],
        "shown_state": lambda certificate: certs.shown_state_of(certificate, services().clock.today()),
        "reason_words": reason_words,
        "may_act": lambda item, stage="conclude": access.may_act(
            get_session(), current_user, ServiceItem(item), Stage(stage)
        ),
    }


@bp.get("/certificates/<id:certificate_id>/certificate.pdf")
@staff_required
def certificate_pdf(certificate_id: int) -> Response:
    """The printable certificate of the current version (each download is audited)."""
    found = visible_certificate(certificate_id)
    version = certs.current_version(found)
    session = get_session()
    code = printed_code(services().issuing, found, version, now=services().clock.timestamp())
    sheet = sheet_for(found, version, photos.approved_jpeg(session, found.practitioner_id), code)
    record_view("certificate.pdf", "certificate", str(found.id))
    return Response(
        certificate_pdf_bytes(sheet),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="certificate-{found.number}-v{version.version}.pdf"'
        },
    )


def flash_activation_code(certificate: Any) -> None:
    """Make a new activation code for ``certificate``'s holder and show it once (with the button to
    print the activation notice on the certificate's page)."""
    session = get_session()
    code = holders.new_activation_code(session, certificate.practitioner, current_user)
    shown = holders.shown_code(code)
    flash(
        _(
            "Activation code for the holder's phone: %(code)s (valid for 30 days; give it to the holder).",
            code=shown,
        ),
        "info",
    )
    flask_session["activation_code"] = {"certificate_id": certificate.id, "code": shown}


@bp.post("/certificates/<id:certificate_id>/activation-code")
@staff_required
def activation_code(certificate_id: int) -> Response:
    """Make a new activation code for the holder's account (e.g. a lost code or a new phone)."""
    form = ActionForm()
    if not form.validate():
        flash(_("Tick the confirmation box and fill in the form, then submit again."), "error")
    else:
        flash_activation_code(holder_managed_certificate(certificate_id))
    return redirect(url_for("admin.certificate", certificate_id=certificate_id))


@bp.post("/certificates/<id:certificate_id>/activation-notice.pdf")
@staff_required
def activation_notice(certificate_id: int) -> Response:
    """The activation notice to print for the holder (the code is checked, not just echoed)."""
    found = holder_managed_certificate(certificate_id)
    form = ActionForm()
    code = request.form.get("code", "")
    account = holders.check_code(get_session(), found.practitioner_id, code) if form.validate() else None
    if account is None or account.activation_expires is None:
        abort(400)
    body = activation_notice_pdf(
        holder_name=certs.current_version(found).holder_name,
        masked_id=mask_id(found.practitioner.id_number),
        code=holders.shown_code(code),
        expires=account.activation_expires.date(),
        url=url_for("holder.activate", _external=True),
        issuer_name=found.authority.name,
    )
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": 'inline; filename="activation-notice.pdf"'},
    )
