"""The government service platform's inbound API (scope ``platform:push``): it pushes the
applications made on it for items connected to it here, hands in the materials a one-time notice
asked for, and reads a case's stage and history. Errors as the rest of the partner API
(:mod:`.api`); the checks themselves are the service's
(:mod:`app.services.applications.platform`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from ..db import get_session
from ..messages import message_for, text_for
from ..models import Application
from ..models.enums import ServiceItem
from ..security import csrf_exempt, streams_upload
from ..services import applications as apps
from ..services import partners
from ..services.applications import materials, platform
from ..services.applications.materials import Upload
from ..services.container import services
from ..services.errors import Conflict, DomainError, InvalidFields, NotFound
from .api import caller, caller_before_upload, error, invalid

bp = Blueprint("platform_api", __name__)
SCOPE = "platform:push"
FORM_SLACK = 256 * 1024
"""What a push may carry besides its files (the JSON part, the multipart framing)."""


@dataclasses.dataclass(frozen=True)
class Parts:
    """A multipart body read: its JSON part and its file parts by name."""

    raw: Any
    files: dict[str, FileStorage]


def _caps() -> tuple[int, int]:
    """(bytes a file may have, files a request may carry), as configured."""
    config = current_app.config
    return int(config["APPLICATION_MATERIAL_MAX_BYTES"]), int(config["APPLICATION_MATERIALS_MAX_COUNT"])


def _too_large() -> tuple[Response, int]:
    limit, count = _caps()
    mb = (limit * count + FORM_SLACK) // (1024 * 1024)
    return error(413, "too_large", text_for("too_large", {"mb": mb}))


def _read(name: str) -> Parts | tuple[Response, int]:
    """The body's JSON part ``name`` and its file parts (each name once), or the response refusing it.
    A body past the cap is refused from its Content-Length before it is read (or cut off as it
    streams); files are spooled to disk by the multipart parser."""
    limit, count = _caps()
    request.max_content_length = limit * count + FORM_SLACK
    try:
        text = request.form.get(name)
        sent = request.files
    except RequestEntityTooLarge:
        return _too_large()
    twice = {part: "part_sent_twice" for part in sent if len(sent.getlist(part)) > 1}
    if not text:
        return invalid({name: "required", **twice})
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):  # also too deeply nested, or an integer of over 4300 digits
        return invalid({name: "not_json", **twice})
    if twice:
        return invalid(twice)
    return Parts(raw, {part: sent[part] for part in sent})


def _receive(parts: Parts, listed: tuple[platform.MaterialPart, ...]) -> list[Upload]:
    """Stream the listed files into the blob store (:class:`platform.RefusedMaterials`)."""
    files = [
        (f"materials[{index}].file", material, parts.files[material.part])
        for index, material in enumerate(listed)
    ]
    return platform.receive(
        services().blobs,
        [(name, material, file.filename or "", file.stream) for name, material, file in files],
        limit=_caps()[0],
    )


def _refused_materials(exc: platform.RefusedMaterials) -> tuple[Response, int]:
    fields = {
        name: {"code": problem.code, "message": message_for(problem)}
        for name, problem in exc.problems.items()
    }
    status = 413 if exc.code == "material_too_large" else 415
    return error(status, exc.code, message_for(exc), fields=fields)


def _refused(exc: DomainError) -> tuple[Response, int]:
    """The response to a case the service refused."""
    if isinstance(exc, InvalidFields):
        return invalid(exc.errors)
    if isinstance(exc, NotFound):
        return error(404, exc.code, message_for(exc))
    if isinstance(exc, Conflict):
        code = exc.code if exc.code in ("case_number_conflict", "case_not_waiting") else "concurrent_push"
        return error(409, code, text_for(code, exc.params) or message_for(exc))
    field = platform.REFUSAL_FIELDS.get(exc.code)
    extra = {"fields": {field: {"code": exc.code, "message": message_for(exc)}}} if field else {}
    return error(422, exc.code, message_for(exc), **extra)


def _iso(at: dt.datetime | None) -> str | None:
    return None if at is None else at.replace(tzinfo=at.tzinfo or dt.UTC).isoformat()


def case_json(application: Application) -> dict[str, Any]:
    """A case as the platform sees it: where it stands, its deadline and its materials."""
    received = application.events[0].at if application.events else application.submitted_at
    return {
        "case_number": application.case_number,
        "item_code": apps.ITEMS[ServiceItem(application.item)].platform_code,
        "implementing_body": application.authority.credit_code,
        "channel": application.channel,
        "stage": application.stage,
        "due": application.due.isoformat() if application.due else None,
        "time_left": apps.time_left(application, services().clock.today()),
        "submitted_at": _iso(application.submitted_at),
        "received_at": _iso(received),
        "materials": [
            {
                "kind": material.kind,
                "filename": material.filename,
                "sha256": material.sha256,
                "size": material.size,
                "supplementary": material.supplementary,
            }
            for material in application.materials
        ],
    }


def _open(new: apps.NewCase, pushed: apps.Pushed, checked: apps.Checked) -> tuple[Application, bool]:
    """Open the case; when the same case number was pushed at the same moment (and the other push
    won), once more: now it is the same push again, or a conflicting one."""
    context = services().issuing
    try:
        return apps.open_from_platform(get_session(), context, services().blobs, new, pushed, checked)
    except Conflict as exc:
        if exc.code != "concurrent_change":
            raise
    return apps.open_from_platform(get_session(), context, services().blobs, new, pushed, checked)


@bp.post("/api/v1/platform/applications")
@csrf_exempt
@streams_upload  # the application's fields are checked one by one; files stream under their own cap
def push() -> tuple[Response, int]:
    """Multipart: ``application`` (JSON) and the file parts it names. 201 a new case, 200 the same
    push again, 409 the case number with other content."""
    pusher = caller_before_upload(SCOPE)
    if not isinstance(pusher, partners.Caller):
        return pusher
    parts = _read("application")
    if not isinstance(parts, Parts):
        return parts
    count = _caps()[1]
    names = {part: file.filename or "" for part, file in parts.files.items()}
    try:
        pushed = platform.parse_push(parts.raw, names, services().clock.now(), max_materials=count)
    except InvalidFields as exc:
        return invalid(exc.errors, parts.raw, {"limit": count})
    try:
        uploads = _receive(parts, pushed.materials)
    except platform.RefusedMaterials as exc:
        return _refused_materials(exc)
    new = dataclasses.replace(pushed.case, uploads=uploads)
    given = apps.Pushed(
        pushed.implementing_body, platform.content_hash(pushed.raw, uploads), pusher.client.client_id
    )
    try:
        application, created = _open(new, given, pushed.checked)
    except DomainError as exc:
        materials.discard(services().blobs, uploads)
        return _refused(exc)
    if not created:
        materials.discard(services().blobs, uploads)  # the first push's files are kept already
    response = jsonify(case_json(application))
    response.headers["Location"] = url_for(".state", case_number=application.case_number)
    return response, 201 if created else 200


@bp.post("/api/v1/platform/applications/<case_number>/materials")
@csrf_exempt
@streams_upload
def supplement(case_number: str) -> tuple[Response, int]:
    """Multipart: ``materials`` (JSON, ``[{"file": <part>, "kind": <kind>}]``) and the file parts
    it names: what a one-time notice asked for. 200 with the case back at its stage."""
    pusher = caller_before_upload(SCOPE)
    if not isinstance(pusher, partners.Caller):
        return pusher
    if not platform.CASE_NUMBER.fullmatch(case_number):
        return _refused(NotFound("no such case", code="case_not_found"))
    parts = _read("materials")
    if not isinstance(parts, Parts):
        return parts
    count = _caps()[1]
    errors: dict[str, str] = {}
    names = {part: file.filename or "" for part, file in parts.files.items()}
    listed = platform.parse_materials(parts.raw, names, errors, limit=count)
    if not errors and not listed:
        errors["materials"] = "materials_required"
    for name in platform.unstorable(parts.raw, "materials"):
        errors.setdefault(name, "invalid_text")
    if errors:
        return invalid(errors, {"materials": parts.raw}, {"limit": count})
    try:
        uploads = _receive(parts, listed)
    except platform.RefusedMaterials as exc:
        return _refused_materials(exc)
    try:
        application = apps.supplement_from_platform(
            get_session(), services().issuing, services().blobs, case_number, uploads, pusher.client.client_id
        )
    except DomainError as exc:
        materials.discard(services().blobs, uploads)
        return _refused(exc)
    return jsonify(case_json(application)), 200


@bp.get("/api/v1/platform/applications/<case_number>")
def state(case_number: str) -> tuple[Response, int]:
    """A case the platform knows of: where it stands and its history."""
    found = caller(SCOPE)
    if not isinstance(found, partners.Caller):
        return found
    application = platform.find(get_session(), case_number)
    if application is None:
        return _refused(NotFound("no such case", code="case_not_found"))
    history = [
        {
            "sequence": event.sequence,
            "action": event.action,
            "stage_before": event.stage_before,
            "stage_after": event.stage_after,
            "at": _iso(event.at),
            "handler": event.actor_name,
            "opinion": event.opinion,
        }
        for event in application.events
    ]
    return jsonify({**case_json(application), "history": history}), 200
