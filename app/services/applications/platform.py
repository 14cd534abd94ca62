"""What the government service platform pushes: a new case (an envelope — case number, item code,
implementing body, submission time, channel, the list of materials — around the applicant and the
item's form) and the materials a one-time notice asked for.

:func:`parse_push` checks all of it at once (:class:`~app.services.errors.InvalidFields`, every
problem with the field it is in: ``case_number``, ``applicant.id_number``, ``form.categories``,
``materials[0].kind``); :func:`receive` then streams the files it names into the blob store, every
file checked (:class:`RefusedMaterials`, nothing kept); :func:`content_hash` names the push, so the
same push again is recognised (:func:`~.cases.open_from_platform`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signing import is_credit_code

from ...models import Application
from ...models.enums import Channel
from ...storage import BlobStore
from ..errors import DomainError, InvalidFields, RuleViolation
from . import materials
from .cases import Checked, NewCase, check
from .items import BY_PLATFORM_CODE, MATERIAL_KINDS
from .materials import Upload

CASE_NUMBER = re.compile(r"[A-Za-z0-9_-]{1,40}")
"""A case number of the platform (办件编号): 1 to 40 ASCII letters, digits, ``-`` and ``_``."""
FIELDS = (
    "case_number",
    "item_code",
    "implementing_body",
    "applicant",
    "form",
    "submitted_at",
    "channel",
    "materials",
)
"""The members of a push (each required)."""
APPLICANT_FIELDS = ("name", "id_number", "phone")
CHANNELS = (Channel.PLATFORM_ONLINE.value, Channel.PLATFORM_WINDOW.value)
FUTURE_ALLOWANCE = dt.timedelta(minutes=5)
"""How far a submission time may lie ahead of our clock (the two clocks differ a little)."""
TEXT_LIMIT = 100
REFUSAL_FIELDS = {
    "unknown_implementing_body": "implementing_body",
    "not_implementing_body": "implementing_body",
    "item_unassigned": "implementing_body",
    "item_not_connected": "item_code",
    "item_conflict": "item_code",
    "case_certificate_not_found": "form.certificate_number",
    "case_certificate_other_holder": "form.certificate_number",
    "other_authority": "form.certificate_number",
}
"""The field each refusal of a case that passed its checks is about (see ``open_from_platform``)."""
FIELD_ERRORS = (
    "required",
    "not_a_string",
    "not_a_json_object",
    "not_a_list",
    "not_json",
    "unknown_field",
    "too_long",
    "invalid_case_number",
    "unknown_item_code",
    "invalid_credit_code",
    "credit_code_check_failed",
    "invalid_datetime",
    "datetime_without_offset",
    "submitted_in_future",
    "invalid_channel",
    "invalid_name",
    "invalid_name_characters",
    "id_number_shape",
    "id_number_birth_date",
    "id_number_birth_range",
    "id_number_check_character",
    "invalid_phone",
    "no_category",
    "unknown_category",
    "legacy_category",
    "repeated_category",
    "invalid_categories",
    "invalid_certificate_number",
    "cancel_reason",
    "no_change",
    "too_many_materials",
    "materials_required",
    "material_kind",
    "material_type",
    "unknown_part",
    "part_named_twice",
    "part_not_named",
    "part_sent_twice",
    "invalid_text",
    "material_too_large",
    "material_mismatch",
    *REFUSAL_FIELDS,
)
"""Every reason a field of a push (or of a supplement's ``materials``) is refused for."""


@dataclass(frozen=True)
class MaterialPart:
    """A material the push names: the multipart part holding the file, and what it is."""

    part: str
    kind: str


@dataclass(frozen=True)
class Push:
    """A push whose envelope, applicant, form and list of materials passed their checks."""

    case: NewCase
    """The application (its uploads not received yet)."""
    implementing_body: str
    materials: tuple[MaterialPart, ...]
    raw: Mapping[str, Any]
    """As sent (for the content hash)."""
    checked: Checked
    """The applicant and form as checked here (opening the case does not check them again)."""


class RefusedMaterials(DomainError):
    """Files that did not pass (too large, not what their name says), each under its field name
    (``materials[0].file``) with the service's error; none of the push's files were kept."""

    code = "material_mismatch"

    def __init__(self, problems: dict[str, RuleViolation]) -> None:
        first = next(iter(problems.values()))
        too_large = [p for p in problems.values() if p.code == "material_too_large"]
        chosen = too_large[0] if too_large else first
        super().__init__(str(chosen), code=chosen.code, **chosen.params)
        self.problems = problems


def _string(raw: Mapping[str, Any], name: str, errors: dict[str, str], limit: int = TEXT_LIMIT) -> str:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        errors[name] = "required"
    elif not isinstance(value, str):
        errors[name] = "not_a_string"
    elif len(value) > limit:
        errors[name] = "too_long"
    else:
        return value.strip()
    return ""


def _submitted_at(raw: Mapping[str, Any], now: dt.datetime, errors: dict[str, str]) -> dt.datetime | None:
    text = _string(raw, "submitted_at", errors, limit=40)
    if not text:
        return None
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        errors["submitted_at"] = "invalid_datetime"
        return None
    if at.tzinfo is None or at.utcoffset() is None:
        errors["submitted_at"] = "datetime_without_offset"
        return None
    if at - now > FUTURE_ALLOWANCE:
        errors["submitted_at"] = "submitted_in_future"
        return None
    return at.astimezone(dt.UTC)  # stored as UTC: SQLite keeps no offset


def _credit_code(raw: Mapping[str, Any], errors: dict[str, str]) -> str:
    code = _string(raw, "implementing_body", errors, limit=18)
    if code and not is_credit_code(code):
        shaped = is_credit_code(code, check_character=False)
        errors["implementing_body"] = "credit_code_check_failed" if shaped else "invalid_credit_code"
    return code


def parse_materials(
    raw: Any, parts: Mapping[str, str], errors: dict[str, str], *, limit: int, name: str = "materials"
) -> tuple[MaterialPart, ...]:
    """The list of materials (``[{"file": <part>, "kind": <kind>}]``) against the request's file
    parts (part name → file name): every part named once, and named by the list; problems go to
    ``errors``."""
    if raw is None:
        errors[name] = "required"
        return ()
    if not isinstance(raw, list):
        errors[name] = "not_a_list"
        return ()
    if len(raw) > limit:
        errors[name] = "too_many_materials"
        return ()
    found: list[MaterialPart] = []
    named: set[str] = set()
    for index, entry in enumerate(raw):
        at = f"{name}[{index}]"
        if not isinstance(entry, Mapping):
            errors[at] = "not_a_json_object"
            continue
        for extra in entry:
            if extra not in ("file", "kind"):
                errors[f"{at}.{str(extra)[:40]}"] = "unknown_field"
        kind, part = entry.get("kind"), entry.get("file")
        if kind is None or kind == "":
            errors[f"{at}.kind"] = "required"
        elif not isinstance(kind, str):
            errors[f"{at}.kind"] = "not_a_string"
        elif kind not in MATERIAL_KINDS:
            errors[f"{at}.kind"] = "material_kind"
        if part is None or part == "":
            errors[f"{at}.file"] = "required"
        elif not isinstance(part, str):
            errors[f"{at}.file"] = "not_a_string"
        elif part not in parts:
            errors[f"{at}.file"] = "unknown_part"
        elif part in named:
            errors[f"{at}.file"] = "part_named_twice"
        else:
            named.add(part)
            if PurePath(parts[part].replace("\\", "/")).suffix.lower() not in materials.TYPES:
                errors[f"{at}.file"] = "material_type"
        if isinstance(kind, str) and isinstance(part, str):
            found.append(MaterialPart(part, kind))
    for part in sorted(set(parts) - named):
        errors.setdefault(part[:40], "part_not_named")
    return tuple(found)


def parse_push(raw: Any, parts: Mapping[str, str], now: dt.datetime, *, max_materials: int) -> Push:
    """Check a push (see the module) against the request's file parts (part name → file name);
    :class:`InvalidFields` with every problem at once."""
    if not isinstance(raw, Mapping):
        raise InvalidFields({"application": "not_a_json_object"})
    errors: dict[str, str] = {}
    number = _string(raw, "case_number", errors, limit=40)
    if number and not CASE_NUMBER.fullmatch(number):
        errors["case_number"] = "invalid_case_number"
    code = _string(raw, "item_code", errors, limit=40)
    spec = BY_PLATFORM_CODE.get(code)
    if code and spec is None:
        errors["item_code"] = "unknown_item_code"
    body = _credit_code(raw, errors)
    submitted_at = _submitted_at(raw, now, errors)
    channel = _string(raw, "channel", errors, limit=40)
    if channel and channel not in CHANNELS:
        errors["channel"] = "invalid_channel"
    listed = parse_materials(raw.get("materials"), parts, errors, limit=max_materials)
    applicant, form = raw.get("applicant"), raw.get("form")
    for name, value in (("applicant", applicant), ("form", form)):
        if value is None:
            errors[name] = "required"
        elif not isinstance(value, Mapping):
            errors[name] = "not_a_json_object"
    if isinstance(applicant, Mapping):
        for extra in applicant:
            if extra not in APPLICANT_FIELDS:
                errors[f"applicant.{str(extra)[:40]}"] = "unknown_field"
    for extra in raw:
        if extra not in FIELDS:
            errors[str(extra)[:40]] = "unknown_field"
    case = NewCase(
        item=spec.item.value if spec else "",
        applicant=applicant if isinstance(applicant, Mapping) else {},
        form=form if isinstance(form, Mapping) else {},
        channel=channel,
        case_number=number,
        submitted_at=submitted_at,
    )
    checked: Checked | None = None
    try:
        checked = check(case, now.date())
    except InvalidFields as exc:
        for name, reason in exc.errors.items():
            section = name.split(".", 1)[0]
            if name == "item" or section in errors:  # the item code, or a part that is not an object
                continue
            errors[name] = reason
    for name in unstorable(raw):
        errors.setdefault(name, "invalid_text")
    if errors:
        raise InvalidFields(errors)
    assert checked is not None
    return Push(case, body, listed, raw, checked)


def unstorable(raw: Any, root: str = "application") -> list[str]:
    """The fields (dotted names; ``root`` for ``raw`` itself) holding text no database stores: a
    NUL character or half of a surrogate pair (JSON lets ``\\u0000`` and ``\\ud800`` through).
    Walked without recursion: the JSON may be nested as deeply as its parser allows."""
    found: list[str] = []
    pending: list[tuple[str, Any]] = [(root, raw)]
    while pending:
        name, node = pending.pop()
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                found.append(name)
                continue
            if "\x00" in node:
                found.append(name)
        elif isinstance(node, Mapping):
            prefix = "" if name == root and node is raw else f"{name}."
            pending.extend((f"{prefix}{str(key)[:40]}"[:120], value) for key, value in node.items())
        elif isinstance(node, list):
            pending.extend((f"{name}[{index}]"[:120], value) for index, value in enumerate(node))
    return sorted(found)


def receive(
    store: BlobStore, files: Sequence[tuple[str, MaterialPart, str, IO[bytes]]], *, limit: int
) -> list[Upload]:
    """Stream each named file (field name, what it is, file name, stream) into the blob store under
    ``limit`` bytes, each checked; :class:`RefusedMaterials` with every refused file, and none of
    the files kept."""
    received: list[Upload] = []
    problems: dict[str, RuleViolation] = {}
    for name, material, filename, stream in files:
        try:
            received.append(
                materials.receive(
                    store, stream, filename=filename.replace("\x00", ""), kind=material.kind, limit=limit
                )
            )
        except RuleViolation as exc:
            problems[name] = exc
    if problems:
        materials.discard(store, received)
        raise RefusedMaterials(problems)
    return received


def content_hash(raw: Mapping[str, Any], uploads: Sequence[Upload]) -> str:
    """SHA-256 of the push: its JSON in a canonical form (keys sorted, no spaces) with each
    material as what it is, its file name and its content's SHA-256 in place of the part name
    (so the same push again, whatever it calls its parts, has the same hash)."""
    canonical = {
        **raw,
        "materials": [
            {"kind": upload.kind, "filename": upload.filename, "sha256": upload.received.sha256}
            for upload in uploads
        ],
    }
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def find(session: Session, case_number: str) -> Application | None:
    """A case the platform knows of (one of a connected item: pushed by it, or sent to it from
    our window), by case number."""
    if not CASE_NUMBER.fullmatch(case_number):
        return None
    return session.scalars(
        select(Application).where(Application.case_number == case_number, Application.connected.is_(True))
    ).first()
