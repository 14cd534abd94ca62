"""Platform-API test helpers: a valid push, real files of each accepted type, multipart requests, an
item connected to the platform, and what the blob store holds."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.db import get_session
from app.models.enums import ServiceItem
from app.services import authorities
from app.services.clock import CHINA

from ..helpers import id_number
from ..registry import JINAN
from .partner_helpers import pdf

PUSH = "/api/v1/platform/applications"
ISSUE_CODE = "000117001000"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
APPLICANT = {"name": "王小明", "id_number": id_number("37010219900307123"), "phone": "13800138000"}


SUBMITTED = dt.datetime.now(CHINA).replace(microsecond=0) - dt.timedelta(hours=1)
"""One submission time for every push a test process makes: the same push made twice must be the
same content (two calls a second apart would otherwise differ, and the second be a conflict)."""


def application(**changes: Any) -> dict[str, Any]:
    """A valid push of an issue case at Jinan with one material in part ``form``, with ``changes``
    applied (None removes a member)."""
    submitted = SUBMITTED
    data: dict[str, Any] = {
        "case_number": "PT-2026-000001",
        "item_code": ISSUE_CODE,
        "implementing_body": JINAN,
        "applicant": dict(APPLICANT),
        "form": {"categories": [2]},
        "submitted_at": submitted.isoformat(),
        "channel": "platform_online",
        "materials": [{"file": "form", "kind": "application_form"}],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


FORM_PDF = pdf("申请表")  # reportlab dates each PDF: one set of bytes, so a push can be repeated


def files(**parts: tuple[bytes, str]) -> dict[str, tuple[bytes, str]]:
    """File parts by name: (bytes, file name); the default is the one ``application()`` names."""
    return parts or {"form": (FORM_PDF, "申请表.pdf")}


def push(
    http: FlaskClient,
    headers: dict[str, str],
    data: Any,
    parts: dict[str, tuple[bytes, str]] | None = None,
    *,
    raw: str | None = None,
    path: str = PUSH,
    name: str = "application",
) -> Any:
    """POST a push (or, with ``path`` and ``name="materials"``, a supplement) as multipart."""
    body: dict[str, Any] = {}
    if raw is not None or data is not None:
        body[name] = raw if raw is not None else json.dumps(data, ensure_ascii=False)
    for part, (content, filename) in (files() if parts is None else parts).items():
        body[part] = (io.BytesIO(content), filename, "application/octet-stream")
    return http.post(path, data=body, headers=headers, content_type="multipart/form-data")


def connect(app: Flask, region: str = "370100", item: ServiceItem = ServiceItem.ISSUE) -> None:
    """Connect ``item`` in ``region`` to the platform (committed)."""
    with app.app_context():
        session = get_session()
        authorities.set_connected(session, region, item, True)
        session.commit()


def blobs(app: Flask) -> list[str]:
    """Every file in the blob store (kept or still being received), relative to its root."""
    root = Path(app.config["BLOBS_DIR"])
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())
