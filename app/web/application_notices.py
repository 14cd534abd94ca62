"""The printed notices of a case, for the staff who see it (``access.sees_application``; others
get 404, as if the case did not exist): acceptance notice, one-time notice of missing materials,
refusal notice. Each is offered once the case has reached its step, and each print is audited
(``application.notice_pdf``). The notices are printed in Chinese whatever the page's language."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, url_for
from flask_babel import lazy_gettext as _l

from ..messages import in_chinese, name_of
from ..models import Application, ApplicationEvent
from ..models.enums import ServiceItem
from ..renderers.notices import (
    CaseHeading,
    acceptance_notice_pdf,
    missing_materials_notice_pdf,
    refusal_notice_pdf,
)
from ..services.applications import ITEMS
from ..services.applications import notices as case_notices
from ..services.clock import china_day
from .applications import visible_application
from .audited import record_view
from .guards import staff_required

bp = Blueprint("application_notices", __name__, url_prefix="/admin/applications")

ENDPOINTS = {
    "acceptance": "application_notices.acceptance_notice",
    "missing": "application_notices.missing_notice",
    "refusal": "application_notices.refusal_notice",
}
LABELS = {
    "acceptance": _l("Acceptance notice (PDF)"),
    "missing": _l("One-time notice of missing materials (PDF)"),
    "refusal": _l("Refusal notice (PDF)"),
}


def _chinese_name(kind: str, value: str) -> str:
    return name_of(kind, value, in_chinese)


def notice_links(application: Application) -> list[tuple[str, Any]]:
    """(URL, words) of each notice ``application`` can be given now, for its page."""
    return [
        (url_for(ENDPOINTS[notice], application_id=application.id), LABELS[notice])
        for notice in case_notices.available(application)
    ]


bp.add_app_template_global(notice_links, "case_notice_links")


def progress_url(case_number: str) -> str:
    """The public progress page of a case, with its number filled in (what the notice's QR opens)."""
    base = str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    return base + url_for("progress.page", case=case_number)


def _case(application_id: int, notice: str) -> tuple[Application, ApplicationEvent]:
    application = visible_application(application_id)
    event = case_notices.event_for(application, notice)
    if event is None:
        abort(404)
    return application, event


def _heading(application: Application) -> CaseHeading:
    return CaseHeading(
        case_number=application.case_number,
        applicant_name=application.applicant_name,
        applicant_id_number=application.applicant_id_number,
        item_name=_chinese_name("item", application.item),
        authority_name=application.authority.name,
        submitted_on=china_day(application.submitted_at),
    )


def _serve(application: Application, notice: str, body: bytes) -> Response:
    record_view("application.notice_pdf", "application", application.case_number, notice=notice)
    return Response(
        body,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{notice}-notice-{application.case_number}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.get("/<id:application_id>/acceptance-notice.pdf")
@staff_required
def acceptance_notice(application_id: int) -> Response:
    """受理通知书, with a QR that opens the public progress page for the case."""
    application, event = _case(application_id, "acceptance")
    accepted_on = application.accepted_on or china_day(event.at)
    return _serve(
        application,
        "acceptance",
        acceptance_notice_pdf(
            _heading(application),
            accepted_on=accepted_on,
            time_limit=ITEMS[ServiceItem(application.item)].time_limit,
            due=application.due,
            progress_url=progress_url(application.case_number),
        ),
    )


@bp.get("/<id:application_id>/missing-materials-notice.pdf")
@staff_required
def missing_notice(application_id: int) -> Response:
    """一次性告知书: every missing material in words, and the opinion."""
    application, event = _case(application_id, "missing")
    missing = [_chinese_name("material", kind) for kind in (event.details or {}).get("missing") or []]
    return _serve(
        application,
        "missing",
        missing_materials_notice_pdf(
            _heading(application),
            notified_on=china_day(event.at),
            missing=missing,
            opinion=event.opinion or "",
        ),
    )


@bp.get("/<id:application_id>/refusal-notice.pdf")
@staff_required
def refusal_notice(application_id: int) -> Response:
    """不予受理通知书 (refused at acceptance) or 不予许可决定书 (refused at its conclusion)."""
    application, event = _case(application_id, "refusal")
    return _serve(
        application,
        "refusal",
        refusal_notice_pdf(
            _heading(application),
            decided_on=china_day(event.at),
            reason=event.opinion or "",
            at_acceptance=event.action == "refuse",
        ),
    )
