"""Staff pages of applications (办件): my queue, the search, one case with its materials and the
steps I may take, and the window intake form with its one-screen fast path (受理并办结)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from signing import mask_id

from ..db import get_session
from ..messages import name_of
from ..models import Application, Certificate
from ..models.enums import CaseStage, ServiceItem, Stage
from ..services import access
from ..services import applications as apps
from ..services import certificates as certs
from ..services.applications import materials, queries
from ..services.applications.fast import fast_track
from ..services.applications.items import ITEMS, MATERIAL_KINDS
from ..services.applications.materials import Upload
from ..services.container import services
from ..services.errors import DomainError, InvalidFields, RuleViolation
from ..services.graduation import iter_pdf
from .admin import flash_activation_code
from .audited import record_view
from .forms import IntakeForm, SelectChoice, StepForm
from .guards import login_required, staff_required, visible_certificate
from .messages import message_for, text_for

bp = Blueprint("applications", __name__, url_prefix="/admin/applications")

DONE = {
    "accept": _l("The application was accepted."),
    "refuse": _l("The application was not accepted; the reason is recorded."),
    "notify": _l("The one-time notice of missing materials was recorded; the clock stops until they arrive."),
    "materials": _l("The missing materials were received; the clock runs again."),
    "approve": _l("The review approved the application."),
    "reject": _l("The review did not approve the application."),
    "grant": _l("The application was concluded: granted."),
    "deny": _l("The application was concluded: refused."),
}
"""What each step says once taken."""

BUTTONS = {
    "accept": _l("Accept"),
    "refuse": _l("Do not accept"),
    "notify": _l("Notify missing materials (once)"),
    "materials": _l("Materials received"),
    "approve": _l("Approve"),
    "reject": _l("Do not approve"),
    "grant": _l("Grant"),
    "deny": _l("Refuse"),
}
"""The button of each step."""

REPEATED = _l("This form was already submitted; nothing was done twice.")

INTAKE_FIELDS = {
    "applicant.name": "name",
    "applicant.id_number": "id_number",
    "applicant.phone": "phone",
    "form.certificate_number": "certificate_number",
    "form.categories": "categories",
    "form.name": "new_name",
    "form.reason": "reason",
    "form.cancel_reason": "cancel_reason",
}
"""The intake form's field of each field the service names in its errors."""


def _time_words(application: Application) -> str:
    """The time left on a case in words: working days left or overdue, estimated beyond the
    holiday calendar; the clock stopped while waiting for materials."""
    left = apps.time_left(application, services().clock.today())
    if left is None:
        return str(_("Clock stopped")) if application.stage == CaseStage.MATERIALS else ""
    words = str(
        _("%(n)s working days left", n=left) if left >= 0 else _("%(n)s working days overdue", n=-left)
    )
    if not application.due_estimated:
        return words
    return str(_("%(words)s (estimated)", words=words))


@bp.app_context_processor
def _vocabulary() -> dict[str, Any]:
    return {
        "time_words": _time_words,
        "overdue": _overdue,
        "mask_id": mask_id,
        "STEP_BUTTONS": BUTTONS,
    }


def _overdue(application: Application) -> bool:
    left = apps.time_left(application, services().clock.today())
    return left is not None and left < 0


def visible_application(application_id: int) -> Application:
    """The case if the current user may open it; 404 otherwise (as if it did not exist)."""
    found = get_session().get(Application, application_id)
    if found is None or not access.sees_application(current_user, found):
        abort(404)
    return found


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


@bp.get("/queue")
@staff_required
def queue() -> str:
    """Cases at my authority waiting at a stage I may act on, overdue first."""
    session = get_session()
    return render_template(
        "admin/applications/queue.html",
        result=queries.queue(session, current_user, _page()),
        waiting=queries.waiting_for_materials(session, current_user),
        items=list(ITEMS),
    )


@bp.get("")
@staff_required
def search() -> str:
    """Cases by case number, applicant name or ID number, by stage and item."""
    text = request.args.get("q", "")
    stage = request.args.get("stage", "")
    item = request.args.get("item", "")
    return render_template(
        "admin/applications/search.html",
        q=text,
        stage=stage,
        item=item,
        stages=list(CaseStage),
        items=list(ITEMS),
        result=queries.search(get_session(), current_user, text, stage, item, _page()),
    )


@bp.get("/<id:application_id>")
@login_required
def case(application_id: int) -> str:
    """One case: the applicant in full (audited), form, materials, prerequisites, history, time
    left, and the steps I may take now."""
    found = visible_application(application_id)
    record_view("application.view", "application", found.case_number)
    session = get_session()
    form = StepForm(expected=found.next_sequence, formdata=None)
    form.missing.choices = _material_choices()
    return render_template(
        "admin/applications/case.html",
        case=found,
        view=queries.case_view(session, current_user, found, services().clock.today()),
        steps=queries.offered_steps(session, current_user, found),
        form=form,
        material_kinds=MATERIAL_KINDS,
    )


def _material_choices() -> list[SelectChoice]:
    return [SelectChoice(kind, name_of("material", kind)) for kind in MATERIAL_KINDS]


def _receive(kinds: tuple[str, ...]) -> list[Upload]:
    """The files of the form, one input per kind of material (``material_<kind>``), each streamed
    aside under the size cap and checked; all or none (a refused file drops those before it)."""
    limit = int(current_app.config["APPLICATION_MATERIAL_MAX_BYTES"])
    received: list[Upload] = []
    files: list[tuple[str, FileStorage]] = [
        (kind, file) for kind in kinds for file in request.files.getlist(f"material_{kind}") if file.filename
    ]
    try:
        for kind, file in files:
            received.append(
                materials.receive(
                    services().blobs, file.stream, filename=file.filename or "", kind=kind, limit=limit
                )
            )
    except RuleViolation:
        materials.discard(services().blobs, received)
        raise
    return received


@bp.post("/<id:application_id>/<step>")
@login_required
def act(application_id: int, step: str) -> Response:
    """Take one step on the case as the page showed it, and come back to the page."""
    if step not in apps.STEPS:
        abort(404)
    found = visible_application(application_id)
    form = StepForm()
    form.missing.choices = _material_choices()
    target = url_for("applications.case", application_id=application_id)
    if not form.validate():
        flash(_("The form was incomplete or has expired. Reload the page and try again."), "error")
        return redirect(target)
    uploads: list[Upload] = []
    try:
        if step == "materials":
            uploads = _receive(MATERIAL_KINDS)
        missing = list(form.missing.data or [])
        if form.missing_other.data and form.missing_other.data.strip():
            missing.append(form.missing_other.data.strip())
        opinion = form.opinion.data or ""
        if step == "notify" and not opinion.strip() and missing:
            opinion = "、".join(name_of("material", m) for m in missing)
        result = apps.act(
            get_session(),
            services().issuing,
            services().blobs,
            current_user,
            found.id,
            step,
            apps.StepInput(opinion=opinion, missing=missing, uploads=uploads),
            expected=form.expected.data,
        )
    except DomainError as exc:
        materials.discard(services().blobs, uploads)
        flash(message_for(exc), "error")
        return redirect(target)
    if result.repeated:
        flash(str(REPEATED), "success")
        return redirect(target)
    flash(str(DONE[step]), "success")
    if step == "grant" and result.application.certificate_id is not None:
        certificate = get_session().get(Certificate, result.application.certificate_id)
        if certificate is not None and result.application.item == ServiceItem.ISSUE:
            flash_activation_code(certificate)
            return redirect(url_for("admin.certificate", certificate_id=certificate.id))
    return redirect(target)


@bp.get("/<id:application_id>/materials/<id:material_id>")
@login_required
def material(application_id: int, material_id: int) -> Response:
    """One material, streamed from the blob store and shown inline as what it is (each opening
    is audited)."""
    found = visible_application(application_id)
    item = next((m for m in found.materials if m.id == material_id), None)
    store = services().blobs
    if item is None or not store.exists(item.sha256):
        abort(404)
    record_view("application.material", "application", found.case_number, material=item.id, kind=item.kind)
    suffix = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}[item.content_type]
    return Response(
        iter_pdf(store, item.sha256),
        mimetype=item.content_type,
        direct_passthrough=True,
        headers={
            "Content-Disposition": f'inline; filename="material-{item.id}{suffix}"',
            "Content-Length": str(item.size),
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _form_data(item: ServiceItem, form: IntakeForm) -> dict[str, Any]:
    """The item's form, from the intake form's fields (only those the item has)."""
    number = (form.certificate_number.data or "").strip()
    if item == ServiceItem.ISSUE:
        return {"categories": form.categories.data or []}
    if item == ServiceItem.RENEW:
        return {"certificate_number": number}
    if item == ServiceItem.REISSUE:
        return {"certificate_number": number, "reason": form.reason.data or ""}
    if item == ServiceItem.CHANGE:
        return {
            "certificate_number": number,
            "name": (form.new_name.data or "").strip() or None,
            "categories": form.categories.data or None,
        }
    return {"certificate_number": number, "cancel_reason": form.cancel_reason.data or None}


def _field_words(errors: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The service's field errors in words: by intake field, and those of no field."""
    by_field: dict[str, str] = {}
    other: list[str] = []
    for key, code in errors.items():
        words = text_for(code) or code
        if key in INTAKE_FIELDS:
            by_field[INTAKE_FIELDS[key]] = words
        else:
            other.append(words)
    return by_field, other


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new() -> Any:
    """Register an application brought to the window (``?item=`` and, for an item on a
    certificate, ``&certificate=`` its id to prefill); the fast path for whoever holds all three
    stages of the item."""
    try:
        spec = ITEMS[ServiceItem(request.args.get("item", ServiceItem.ISSUE.value))]
    except (ValueError, KeyError):
        abort(404)
    session = get_session()
    certificate_id = request.args.get("certificate", type=int)
    certificate = visible_certificate(certificate_id) if certificate_id and spec.on_certificate else None
    form = IntakeForm()
    if request.method == "GET" and certificate is not None:
        version = certs.current_version(certificate)
        form.name.data = version.holder_name
        form.id_number.data = certificate.practitioner.id_number
        form.certificate_number.data = certificate.number
        if spec.item == ServiceItem.CHANGE:
            form.categories.data = list(version.categories)
    stages = queries.window_stages(session, current_user, spec.item, certificate)
    fast = set(Stage) <= stages
    field_errors: dict[str, str] = {}
    if form.validate_on_submit():
        landing, field_errors = _register(spec.item, spec.materials, form, fast)
        if landing is not None:
            return landing
    elif request.method == "POST":
        flash(_("Tick the confirmation box and fill in the form, then submit again."), "error")
    status = 422 if request.method == "POST" else 200
    return render_template(
        "admin/applications/intake.html",
        spec=spec,
        form=form,
        field_errors=field_errors,
        fast=fast,
        may_register=Stage.ACCEPT in stages,
        certificate=certificate,
        kinds=(*spec.materials, "other"),
    ), status


def _register(
    item: ServiceItem, kinds: tuple[str, ...], form: IntakeForm, fast_offered: bool
) -> tuple[Response | None, dict[str, str]]:
    """Open the case (or take it all the way, on the fast path); the page to go to, or the field
    errors to show with the form again."""
    opened = apps.opened_by_form(get_session(), current_user, form.request_key.data)
    if opened is not None:  # the same form again: the case it opened, not a second one
        flash(str(REPEATED), "success")
        return redirect(url_for("applications.case", application_id=opened.id)), {}
    try:
        uploads = _receive((*kinds, "other"))
    except RuleViolation as exc:
        flash(message_for(exc), "error")
        return None, {"materials": message_for(exc)}
    new_case = apps.NewCase(
        item=item.value,
        applicant={
            "name": form.name.data or "",
            "id_number": (form.id_number.data or "").upper(),
            "phone": form.phone.data or "",
        },
        form=_form_data(item, form),
        uploads=uploads,
        request_key=form.request_key.data,
    )
    session, context, blobs = get_session(), services().issuing, services().blobs
    try:
        if fast_offered and request.form.get("fast") == "1":
            done = fast_track(session, context, blobs, current_user, new_case)
            if done.repeated:
                flash(str(REPEATED), "success")
            else:
                assert done.application is not None
                if item == ServiceItem.ISSUE:
                    flash(_("Certificate %(number)s issued.", number=done.certificate.number), "success")
                    flash_activation_code(done.certificate)
                else:
                    number = done.application.case_number
                    flash(_("Case %(number)s concluded: granted.", number=number), "success")
            return redirect(url_for("admin.certificate", certificate_id=done.certificate.id)), {}
        application = apps.open_at_window(session, context, blobs, current_user, new_case)
    except InvalidFields as exc:
        materials.discard(blobs, uploads)
        by_field, other = _field_words(exc.errors)
        for words in other:
            flash(words, "error")
        flash(_("Correct the fields marked below, then submit again."), "error")
        return None, by_field
    except DomainError as exc:
        materials.discard(blobs, uploads)
        if exc.code.startswith("case_certificate"):
            return None, {"certificate_number": message_for(exc)}
        flash(message_for(exc), "error")
        return None, {}
    flash(_("Application %(number)s registered.", number=application.case_number), "success")
    return redirect(url_for("applications.case", application_id=application.id)), {}
