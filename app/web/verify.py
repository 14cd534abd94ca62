"""Public checking: the page a phone's scanner opens (``/v/<payload>``), the JSON API, and the
look-up of paper and IC-card certificates. Anyone sees the verdict with a masked name and ID;
a signed-in inspector also sees the full record, and each such look is audited."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from signing import VerificationError, failure_json, mask_id, mask_name

from ..db import get_read_engine, get_session, read_only
from ..i18n import gettext
from ..messages import VERDICTS, text_for
from ..models import CertificateVersion
from ..security import csrf_exempt, limiter
from ..services import access, legacy, photos, queries
from ..services.access import Area
from ..services.container import services
from ..services.verification import (
    INSPECTED,
    InspectorView,
    check_number,
    full_record,
    inspect_legacy,
    inspect_version,
    online_verifier,
)
from .audited import record_view
from .forms import CANCEL_REASONS
from .guards import requires

bp = Blueprint("verify", __name__)
PUBLIC_LIMIT = "60 per minute; 600 per hour"

SEVERITY = {"valid": "good", "stale_presentation": "warn", "clock_skew": "warn", "status_unavailable": "warn"}


def _verdict(text: str) -> dict[str, Any]:
    """The public verdict on ``text``; its private ``_identifier`` names the certificate of a
    genuine code (valid, or invalid after its signature verified) for the inspector's record."""
    try:
        verified = online_verifier(
            get_read_engine(), services().issuing, legacy_until=current_app.config["LEGACY_LAYOUT_UNTIL"]
        ).verify(text)
    except VerificationError as exc:
        return {
            **failure_json(exc),
            "message": text_for(exc.code, translate=gettext) or exc.code,
            "_identifier": exc.identifier,
        }
    data = verified.to_json()
    if verified.kind in ("credential", "printed"):  # these carry full details; the public sees masks
        data["holder"] = {"name": mask_name(verified.holder["name"]), "id": mask_id(verified.holder["id"])}
        for private in ("masked", "number"):
            data.pop(private, None)
    return {**data, "message": text_for("valid", translate=gettext), "_identifier": verified.identifier}


def _is_inspector() -> bool:
    return access.may_inspect(current_user)


def _inspected(version: CertificateVersion | None, reason: str) -> InspectorView | None:
    """The full record of ``version`` when the viewer is an inspector (audited), else ``None``."""
    if version is None or not _is_inspector():
        return None
    return inspect_version(get_session(), version, current_user, services().clock.today(), reason=reason)


def _photo_for(inspected: InspectorView | None) -> str | None:
    """The inspector's signed link to the holder's approved photo, if there is one."""
    if inspected is None:
        return None
    practitioner_id = inspected.version.certificate.practitioner_id
    if photos.approved(get_session(), practitioner_id) is None:
        return None
    return _photo_grant().dumps([practitioner_id, current_user.id])


@bp.get("/v/<path:payload>")
@limiter.limit(PUBLIC_LIMIT)
def page(payload: str) -> tuple[str, int]:
    """The verdict page a phone scanner opens; an inspector also sees whose certificate a genuine
    code is, valid or not (and why not)."""
    verdict = _verdict(payload)
    code = verdict.get("reason", "valid")
    inspected = None
    if verdict["_identifier"] and code in INSPECTED and _is_inspector():
        how = verdict["kind"] if code == "valid" else code  # a valid code: how it was shown
        inspected = full_record(
            get_session(), verdict["_identifier"], current_user, services().clock.today(), reason=how
        )
    return render_template(
        "verify.html",
        verdict=verdict,
        code=code,
        severity=SEVERITY.get(code, "bad"),
        inspected=inspected,
        photo=_photo_for(inspected),
        cancel_reasons=CANCEL_REASONS,
    ), 200


@bp.post("/api/v1/verify")
@read_only
@csrf_exempt
@limiter.limit(PUBLIC_LIMIT)
def api() -> tuple[dict[str, Any], int]:
    """``{"payload": "<QR text or credential>"}`` → the verdict as JSON."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("payload"), str):
        return {"error": "bad_request", "message": str(_l('Send JSON like {"payload": "<QR text>"}.'))}, 400
    verdict = _verdict(body["payload"])
    verdict.pop("_identifier")
    return verdict, 200


@bp.get("/legacy")
@limiter.limit(PUBLIC_LIMIT)
def legacy_lookup() -> str:
    """Check a paper or IC-card certificate by number and holder name; an inspector also sees the
    holder's ID number and what replaced it (audited, listed in his checks today)."""
    number, name = request.args.get("number", "").strip(), request.args.get("name", "").strip()
    found = legacy.check(get_session(), number, name, services().clock.today()) if number and name else None
    inspected, replacement = False, None
    if found is not None and found.certificate is not None and _is_inspector():
        inspected, replacement = True, inspect_legacy(get_session(), found.certificate, current_user)
    return render_template(
        "legacy_lookup.html",
        found=found,
        number=number,
        name=name,
        mask_name=mask_name,
        mask_id=mask_id,
        inspected=inspected,
        replacement=replacement,
    )


@bp.get("/check")
@limiter.limit(PUBLIC_LIMIT)
def number_check() -> str:
    """Check an electronic certificate by number and holder name (the scanner's fallback when
    there is no camera): the state, with the holder's name and ID masked as on the verify page;
    an inspector sees the full record first (audited, listed in his checks today)."""
    number, name = request.args.get("number", "").strip(), request.args.get("name", "").strip()
    found = check_number(get_session(), number, name, services().clock.today()) if number and name else None
    inspected = _inspected(found.version, "number") if found is not None else None
    return render_template(
        "number_check.html",
        found=found,
        number=number,
        name=name,
        mask_name=mask_name,
        mask_id=mask_id,
        inspected=inspected,
        photo=_photo_for(inspected),
        cancel_reasons=CANCEL_REASONS,
    )


PHOTO_GRANT_SECONDS = 600
"""How long the photo link on a verified code's full record works (for that inspector only)."""


def _photo_grant() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="inspector-photo")


@bp.get("/v-photo/<grant>.jpg")
def inspector_photo(grant: str) -> Response:
    """The holder's approved photo, only through the link on the full record of a code the
    inspector has just verified (signed, bound to that inspector, valid 10 minutes); each view is
    audited. A guessed or reused link is not found."""
    if not _is_inspector():
        abort(404)
    try:
        practitioner_id, inspector_id = _photo_grant().loads(grant, max_age=PHOTO_GRANT_SECONDS)
    except (BadSignature, ValueError, TypeError):
        abort(404)
    found = photos.approved(get_session(), practitioner_id) if inspector_id == current_user.id else None
    if found is None:
        abort(404)
    record_view("verification.photo_view", "practitioner", str(practitioner_id))
    return Response(found.data, mimetype="image/jpeg", headers={"Cache-Control": "private, no-store"})


@bp.get("/scan")
def scan() -> str:
    """The inspector's scanner: camera decoding and offline verification in the browser."""
    return render_template(
        "scan.html",
        reasons={code: text_for(code) for code in VERDICTS},
        inspected=INSPECTED if _is_inspector() else (),  # the verdicts that offer him the full record
    )


@bp.get("/inspect")
@requires(Area.INSPECTION)
def inspector_home() -> str:
    """The inspector's page after signing in: scan, check a paper or IC-card certificate, and the
    checks he made today (from the audit log)."""
    checks = queries.checks_on(get_session(), current_user, services().clock.today())
    return render_template("inspector.html", checks=checks)


@bp.get("/sw.js")
def service_worker() -> Response:
    """The scanner's service worker, served from the root so it may control /scan."""
    response = current_app.send_static_file("js/sw.js")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response
