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
from ..security import csrf_exempt, limiter
from ..services import access, legacy, photos, queries
from ..services.access import Area
from ..services.container import services
from ..services.verification import check_number, full_record, online_verifier
from .audited import record_view
from .guards import requires

bp = Blueprint("verify", __name__)
PUBLIC_LIMIT = "60 per minute; 600 per hour"

SEVERITY = {"valid": "good", "stale_presentation": "warn", "clock_skew": "warn", "status_unavailable": "warn"}


def _verdict(text: str) -> dict[str, Any]:
    try:
        verified = online_verifier(
            get_read_engine(), services().issuing, legacy_until=current_app.config["LEGACY_LAYOUT_UNTIL"]
        ).verify(text)
    except VerificationError as exc:
        return {
            **failure_json(exc),
            "message": text_for(exc.code, translate=gettext) or exc.code,
            "_verified": None,
        }
    data = verified.to_json()
    if verified.kind in ("credential", "printed"):  # these carry full details; the public sees masks
        data["holder"] = {"name": mask_name(verified.holder["name"]), "id": mask_id(verified.holder["id"])}
        for private in ("masked", "number"):
            data.pop(private, None)
    return {**data, "message": text_for("valid", translate=gettext), "_verified": verified}


def _is_inspector() -> bool:
    return access.may_inspect(current_user)


@bp.get("/v/<path:payload>")
@limiter.limit(PUBLIC_LIMIT)
def page(payload: str) -> tuple[str, int]:
    """The verdict page a phone scanner opens."""
    verdict = _verdict(payload)
    record = None
    photo = None
    if verdict["_verified"] is not None and _is_inspector():
        record = full_record(get_session(), verdict["_verified"], current_user)
        if record is not None and photos.approved(get_session(), record.certificate.practitioner_id):
            photo = _photo_grant().dumps([record.certificate.practitioner_id, current_user.id])
    code = verdict.get("reason", "valid")
    return render_template(
        "verify.html",
        verdict=verdict,
        code=code,
        severity=SEVERITY.get(code, "bad"),
        record=record,
        photo=photo,
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
    verdict.pop("_verified")
    return verdict, 200


@bp.get("/legacy")
@limiter.limit(PUBLIC_LIMIT)
def legacy_lookup() -> str:
    """Check a paper or IC-card certificate by number and holder name."""
    number, name = request.args.get("number", "").strip(), request.args.get("name", "").strip()
    found = legacy.check(get_session(), number, name, services().clock.today()) if number and name else None
    return render_template(
        "legacy_lookup.html", found=found, number=number, name=name, mask_name=mask_name, mask_id=mask_id
    )


@bp.get("/check")
@limiter.limit(PUBLIC_LIMIT)
def number_check() -> str:
    """Check an electronic certificate by number and holder name (the scanner's fallback when
    there is no camera): the state, with the holder's name and ID masked as on the verify page."""
    number, name = request.args.get("number", "").strip(), request.args.get("name", "").strip()
    found = check_number(get_session(), number, name, services().clock.today()) if number and name else None
    return render_template(
        "number_check.html", found=found, number=number, name=name, mask_name=mask_name, mask_id=mask_id
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
    return render_template("scan.html", reasons={code: text_for(code) for code in VERDICTS})


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
