"""The partner API: the OAuth 2.0 token endpoint (client credentials), the graduation
certificate push and state look-up, and a certificate's signed credential for partner systems.
Errors are JSON with a stable ``error`` code and a message in the caller's language (Chinese unless
``Accept-Language`` asks for English): see :mod:`.api`."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Any
from urllib.parse import unquote

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge

from ..db import get_session, read_only
from ..messages import message_for
from ..models import GraduationCertificate
from ..security import csrf_exempt, limiter, streams_upload
from ..services import graduation, partners
from ..services.container import services
from ..services.errors import Conflict, PermissionDenied, RuleViolation
from ..services.verification import credential_for_partner
from ..storage import TooLarge
from .api import caller, caller_before_upload, error, invalid

bp = Blueprint("partner_api", __name__)
OAUTH_RATE = "30 per minute"


def _client_credentials() -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, sep, secret = decoded.partition(":")
        return (unquote(client_id), unquote(secret)) if sep else None
    form_id, form_secret = request.form.get("client_id"), request.form.get("client_secret")
    return (form_id, form_secret) if form_id and form_secret else None


@bp.post("/oauth/token")
@read_only  # the secret check (Argon2, ~100 ms) must not hold SQLite's write lock
@csrf_exempt
@limiter.limit(OAUTH_RATE)
def token() -> tuple[Response, int]:
    """Client credentials → a short-lived access token (RFC 6749 §4.4)."""
    if request.form.get("grant_type") != "client_credentials":
        return error(400, "unsupported_grant_type", _l("Only grant_type=client_credentials is supported."))
    credentials = _client_credentials()
    if credentials is None:
        return error(401, "invalid_client", _l("Send the client ID and secret (HTTP Basic)."))
    if "\x00" in credentials[0]:  # no client has one, and PostgreSQL refuses NUL characters in queries
        return error(401, "invalid_client", _l("Unknown client, wrong secret or a deactivated client."))
    lifetime = int(current_app.config["PARTNER_TOKEN_SECONDS"])
    try:
        access_token, scope = partners.issue_token(
            get_session(),
            client_id=credentials[0],
            secret=credentials[1],
            requested=request.form.get("scope"),
            app_secret=current_app.config["SECRET_KEY"],
            issuer=current_app.config["PUBLIC_BASE_URL"],
            lifetime=lifetime,
        )
    except partners.InvalidClient:
        return error(401, "invalid_client", _l("Unknown client, wrong secret or a deactivated client."))
    except RuleViolation:
        return error(400, "invalid_scope", _l("The client may not have the scopes asked for."))
    response = jsonify(
        {"access_token": access_token, "token_type": "Bearer", "expires_in": lifetime, "scope": scope}
    )
    response.headers["Cache-Control"] = "no-store"
    return response, 200


def certificate_json(row: GraduationCertificate, types: dict[str, str]) -> dict[str, Any]:
    """One stored revision as the API shows it."""
    return {
        "certificate_number": row.number,
        "revision": row.revision,
        "current": row.current,
        "student_id_number": row.practitioner.id_number,
        "name": row.name,
        "sex": row.sex,
        "training_type": row.training_type,
        "training_type_name": types.get(row.training_type, row.training_type),
        "school_credit_code": row.school_credit_code,
        "period_start": row.period_start.isoformat(),
        "period_end": row.period_end.isoformat(),
        "completed_on": row.completed_on.isoformat(),
        "pdf_sha256": row.pdf_sha256,
        "pdf_bytes": row.pdf_bytes,
        "received_at": row.received_at.replace(tzinfo=row.received_at.tzinfo or dt.UTC).isoformat(),
        "warnings": graduation.warnings_of(row),
    }


def _types() -> dict[str, str]:
    return graduation.training_types(current_app.config["TRAINING_TYPES"])


def _too_large(limit: int) -> tuple[Response, int]:
    return error(413, "too_large", _l("The PDF is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))


@bp.post("/api/v1/graduation-certificates")
@csrf_exempt
@streams_upload  # the metadata's fields are checked one by one; the PDF streams under its own cap
def push() -> tuple[Response, int]:
    """Multipart: ``metadata`` (JSON) and ``file`` (the PDF). 201 stored, 200 the same push again."""
    pusher = caller_before_upload("graduation:write")
    if not isinstance(pusher, partners.Caller):
        return pusher
    limit = int(current_app.config["GRADUATION_PDF_MAX_BYTES"])
    # A body past the cap is refused from its Content-Length before it is read (or cut off as it
    # streams when there is none); files are spooled to disk by the multipart parser.
    request.max_content_length = limit + 256 * 1024
    try:
        raw = json.loads(request.form.get("metadata", ""))
    except (ValueError, RecursionError):  # also too deeply nested, or an integer of over 4300 digits
        return invalid({"metadata": "required" if not request.form.get("metadata") else "invalid_json"})
    except RequestEntityTooLarge:  # the same stable code as a file cut off while streaming
        length = request.content_length
        if length is not None and length <= request.max_content_length:  # the body fits, not the metadata
            kb = int(current_app.config.get("MAX_FORM_MEMORY_SIZE") or 500_000) // 1000
            return error(413, "too_large", _l("The metadata is larger than %(kb)d KB.", kb=kb))
        return _too_large(limit)
    upload = request.files.get("file")
    if upload is None:
        problems = {"file": "required"}
        try:
            graduation.parse_metadata(raw, _types(), services().clock.today(), pusher.client.school_codes)
        except graduation.InvalidFields as exc:
            problems = {**exc.errors, **problems}
        return invalid(problems, raw)
    try:
        outcome = graduation.receive(
            get_session(),
            services().blobs,
            raw=raw,
            stream=upload.stream,
            limit=limit,
            types=_types(),
            client=pusher.client,
            source="push",
            actor=f"partner:{pusher.client.client_id}",
            today=services().clock.today(),
        )
    except graduation.InvalidFields as exc:
        return invalid(exc.errors, raw)
    except TooLarge:
        return _too_large(limit)
    except graduation.NotPdf:
        return error(415, "not_pdf", _l("The file is not a PDF."))
    except graduation.UnusablePdf as exc:
        message = (
            _l("The PDF is encrypted or password-protected; send it without protection.")
            if exc.code == "encrypted_pdf"
            else _l("The PDF is damaged and cannot be read.")
        )
        return error(422, exc.code, message)
    except Conflict:
        return error(409, "conflict", _l("The same certificate was pushed at the same time; push again."))
    except PermissionDenied as exc:  # number_taken, different_student
        return error(409, exc.code, message_for(exc))
    response = jsonify(certificate_json(outcome.certificate, _types()))
    response.headers["Location"] = url_for(".state", number=outcome.certificate.number)
    return response, 201 if outcome.created else 200


@bp.get("/api/v1/graduation-certificates/<number>")
def state(number: str) -> tuple[Response, int]:
    """The current revision of a certificate number this partner owns, and every revision of it
    (``current`` tells which is the current one)."""
    found = caller("graduation:read")
    if not isinstance(found, partners.Caller):
        return found
    revisions = graduation.owned_by(get_session(), number, found.client)
    if not revisions:
        return error(404, "not_found", _l("You have not pushed a certificate with this number."))
    types = _types()
    return jsonify(
        {**certificate_json(revisions[0], types), "history": [certificate_json(r, types) for r in revisions]}
    ), 200


@bp.get("/api/v1/certificates/<identifier>/credential")
def credential(identifier: str) -> tuple[Response, int]:
    """The signed credential (JWT, ``vnd.rtcert.cert+jwt``) of the certificate version with this
    GB/T 36904 identifier (the one a printed code or a presentation names), for systems that keep
    or check certificates themselves; whether it is still valid comes from the issuer's status list
    (``current`` only says whether a newer version exists). Each fetch is audited."""
    found = caller("certificate:read")
    if not isinstance(found, partners.Caller):
        return found
    version = credential_for_partner(get_session(), identifier, found.client.client_id)
    if version is None:
        return error(404, "not_found", _l("There is no certificate with this identifier."))
    certificate = version.certificate
    response = jsonify(
        {
            "identifier": version.identifier,
            "version": version.version,
            "current": version.version == certificate.current_version,
            "credential": version.credential,
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response, 200
