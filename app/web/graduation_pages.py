"""Staff pages for graduation certificates (结业证书) pushed by the training timing platform: search
in the staff member's region, one certificate with every revision, and its PDF streamed from the blob
store. :func:`pdf_response` also serves the holder's own copy (see ``holder.py``)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from signing import is_credit_code

from ..db import get_session
from ..models import GraduationCertificate, TrainingSchool
from ..services import graduation
from ..services.container import services
from .audited import record_view
from .guards import staff_required

bp = Blueprint("graduation_pages", __name__, url_prefix="/admin/graduation-certificates")
log = logging.getLogger(__name__)

WARNING_NAMES = {"unknown_school": _l("Unregistered training school")}
"""What each code of :func:`graduation.warnings_of` says to staff."""
SOURCE_NAMES = {"push": _l("Pushed by the timing platform"), "backfill": _l("Imported from files")}
_DATE_SEPARATORS = str.maketrans({"/": "-", ".": "-", "年": "-", "月": "-", "日": None})
MAX_TEXT = 50


def training_type_names() -> dict[str, str]:
    """Training types {code: name} from the ``TRAINING_TYPES`` setting."""
    return graduation.training_types(current_app.config["TRAINING_TYPES"])


def school_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """Names of the registered training schools among ``codes`` (credit codes)."""
    wanted = set(codes)
    if not wanted:
        return {}
    rows = session.execute(
        select(TrainingSchool.credit_code, TrainingSchool.name).where(TrainingSchool.credit_code.in_(wanted))
    )
    return {code: name for code, name in rows}


@dataclass(frozen=True)
class ParsedFilters:
    """The search form as typed (to show it again), the filters to search with, and what was wrong."""

    form: dict[str, str]
    filters: graduation.Filters
    errors: list[str]


def _day(raw: str, label: str, errors: list[str]) -> dt.date | None:
    text = unicodedata.normalize("NFKC", raw).strip().translate(_DATE_SEPARATORS).strip("-")
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    try:
        if match is None:
            raise ValueError(text)
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        errors.append(
            _("%(field)s: “%(value)s” is not a valid date. Use the form 2025-06-30.", field=label, value=raw)
        )
        return None


def parse_filters(args: Mapping[str, str], types: Mapping[str, str]) -> ParsedFilters:
    """Read the search form (query string); every problem is reported in the user's language."""
    form = {name: args.get(name, "").strip() for name in ("q", "school", "type", "from", "to", "warnings")}
    errors: list[str] = []
    text = form["q"]
    if len(text) > MAX_TEXT:
        errors.append(_("The search text is too long (at most %(n)s characters).", n=MAX_TEXT))
    school = unicodedata.normalize("NFKC", form["school"]).upper()
    if school and is_credit_code(school, check_character=False) and not is_credit_code(school):
        errors.append(
            _(
                "The check character of the unified social credit code “%(value)s” is wrong: the 18th "
                "character does not match the first 17. Check the code for typing errors.",
                value=form["school"],
            )
        )
    elif school and not is_credit_code(school):
        errors.append(
            _(
                "“%(value)s” is not a unified social credit code (18 letters and digits).",
                value=form["school"],
            )
        )
    training_type = form["type"]
    if training_type and training_type not in types:
        errors.append(_("Unknown training type: %(value)s.", value=training_type))
    completed_from = _day(form["from"], _("Completed from"), errors)
    completed_to = _day(form["to"], _("Completed to"), errors)
    if completed_from and completed_to and completed_from > completed_to:
        errors.append(_("The “from” date is after the “to” date."))
    filters = graduation.Filters(
        text=text,
        school=school,
        training_type=training_type,
        completed_from=completed_from,
        completed_to=completed_to,
        warnings_only=form["warnings"] in ("1", "y", "on", "true"),
    )
    return ParsedFilters(form, filters, errors)


@bp.get("")
@staff_required
def search() -> tuple[str, int]:
    """Find graduation certificates (current revisions) in the staff member's region."""
    types = training_type_names()
    parsed = parse_filters(request.args, types)
    session = get_session()
    result = None
    schools: dict[str, str] = {}
    if not parsed.errors:
        page = request.args.get("page", 1, type=int) or 1
        result = graduation.search(session, current_user, parsed.filters, page)
        schools = school_names(session, (row.school_credit_code for row in result.items))
    return render_template(
        "admin/graduation_search.html",
        form=parsed.form,
        errors=parsed.errors,
        result=result,
        types=types,
        schools=schools,
        pager_args={k: v for k, v in parsed.form.items() if v},
        warnings_of=graduation.warnings_of,
        WARNING_NAMES=WARNING_NAMES,
    ), (400 if parsed.errors else 200)


def _visible(certificate_id: int) -> GraduationCertificate:
    found = graduation.visible(get_session(), current_user, certificate_id)
    if found is None:
        abort(404)
    return found


@bp.get("/<id:certificate_id>")
@staff_required
def detail(certificate_id: int) -> str:
    """One graduation certificate revision, with every revision of its number the staff member may
    see (newest first, the current one marked) and links to their PDFs."""
    row = _visible(certificate_id)
    session = get_session()
    revisions = graduation.history(session, row.number, current_user)
    return render_template(
        "admin/graduation_certificate.html",
        row=row,
        revisions=revisions,
        types=training_type_names(),
        schools=school_names(session, {r.school_credit_code for r in revisions}),
        warnings=[WARNING_NAMES.get(code, code) for code in graduation.warnings_of(row)],
        SOURCE_NAMES=SOURCE_NAMES,
        owner_name=graduation.owner_name(session, row.owner),
    )


@bp.get("/<id:certificate_id>.pdf")
@staff_required
def pdf(certificate_id: int) -> Response:
    """The PDF of one revision, streamed inline (each opening is audited)."""
    row = _visible(certificate_id)
    record_view("graduation.pdf", "graduation_certificate", f"{row.number}#{row.revision}")
    return pdf_response(row)


def pdf_response(row: GraduationCertificate) -> Response:
    """A revision's PDF streamed from the blob store in chunks (never read whole into memory),
    shown inline. A file missing from the store (see ``flask graduation cleanup``) is not found."""
    store = services().blobs
    if not store.exists(row.pdf_sha256):
        log.error("graduation PDF missing from the blob store: %s#%s", row.number, row.revision)
        abort(404)
    return Response(
        graduation.iter_pdf(store, row.pdf_sha256),
        mimetype="application/pdf",
        direct_passthrough=True,
        headers={
            "Content-Disposition": f'inline; filename="graduation-{row.number}-r{row.revision}.pdf"',
            "Content-Length": str(row.pdf_bytes),
            "Cache-Control": "private, no-store",
        },
    )
