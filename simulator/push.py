"""The platform pushing an application (办件) to the service, as agreed:

``POST {base}/api/v1/platform/applications``, ``multipart/form-data``: a part ``application`` holding
the JSON ``{case_number, item_code, implementing_body, applicant: {name, id_number, phone}, form,
submitted_at, channel, materials: [{file, kind}]}`` and one file part for each material, named by its
``file``; with a bearer token from the service's ``/oauth/token`` (client credentials, scope
``platform:push``).
"""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import json
import mimetypes
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

SCOPE = "platform:push"
CHINA = dt.timezone(dt.timedelta(hours=8))


class PushFailed(Exception):
    """The service could not be reached, or refused the platform's credentials."""


@dataclass(frozen=True)
class Target:
    """The service the platform pushes to, and the platform's credentials there."""

    base_url: str
    client_id: str
    client_secret: str
    timeout: float = 30.0


def _connection(base_url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    url = urlsplit(base_url)
    kind = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    return kind(url.hostname or "127.0.0.1", url.port, timeout=timeout), url.path.rstrip("/")


def _request(target: Target, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    conn, prefix = _connection(target.base_url, target.timeout)
    try:
        conn.request(method, prefix + path, body=body, headers=headers)
        response = conn.getresponse()
        raw = response.read()
    except OSError as exc:
        raise PushFailed(f"{target.base_url} not reached: {exc.__class__.__name__}") from exc
    finally:
        conn.close()
    try:
        answer = json.loads(raw) if raw else None
    except ValueError:
        answer = raw.decode("utf-8", "replace")
    return response.status, answer


def token(target: Target) -> str:
    """A bearer token from the service for pushing (client credentials, HTTP Basic)."""
    basic = base64.b64encode(f"{quote(target.client_id)}:{quote(target.client_secret)}".encode()).decode()
    status, answer = _request(
        target,
        "POST",
        "/oauth/token",
        urlencode({"grant_type": "client_credentials", "scope": SCOPE}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {basic}"},
    )
    if status != 200 or not isinstance(answer, dict) or "access_token" not in answer:
        error = answer.get("error") if isinstance(answer, dict) else None
        raise PushFailed(f"no token from the service: HTTP {status} {error or ''}".strip())
    return str(answer["access_token"])


def multipart(application: Any, files: Mapping[str, bytes], part: str = "application") -> tuple[bytes, str]:
    """The request body and its content type: the JSON part (``application``, or ``materials`` for a
    supplement), then each file part."""
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{part}"\r\n'
        f"Content-Type: application/json; charset=utf-8\r\n\r\n".encode()
        + json.dumps(application, ensure_ascii=False).encode()
        + b"\r\n"
    ]
    for name, data in files.items():
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
            f"Content-Type: {kind}\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def push_application(
    target: Target, application: Mapping[str, Any], files: Mapping[str, bytes]
) -> tuple[int, Any]:
    """Push ``application`` with the ``files`` its materials name; the service's status and answer.
    A material whose file is not given is an error here, before anything is sent."""
    named = [m.get("file") for m in application.get("materials", [])]
    missing = [name for name in named if name not in files]
    if missing:
        raise ValueError(f"materials without their file: {', '.join(map(str, missing))}")
    body, content_type = multipart(application, files)
    return _request(
        target,
        "POST",
        "/api/v1/platform/applications",
        body,
        {"Content-Type": content_type, "Authorization": f"Bearer {token(target)}"},
    )


def supplement(
    target: Target, case_number: str, materials: list[dict[str, str]], files: Mapping[str, bytes]
) -> tuple[int, Any]:
    """Push the materials a one-time notice asked for (``materials``: ``[{file, kind}]``) to
    ``POST /api/v1/platform/applications/{case_number}/materials``; the service's status and answer."""
    body, content_type = multipart(materials, files, part="materials")
    return _request(
        target,
        "POST",
        f"/api/v1/platform/applications/{quote(case_number, safe='')}/materials",
        body,
        {"Content-Type": content_type, "Authorization": f"Bearer {token(target)}"},
    )


def example_application(case_number: str, item_code: str, implementing_body: str) -> dict[str, Any]:
    """A made-up application for a demonstration (an applicant who does not exist)."""
    return {
        "case_number": case_number,
        "item_code": item_code,
        "implementing_body": implementing_body,
        "applicant": {"name": "测试申请人", "id_number": "370102199003071238", "phone": "13800138000"},
        "form": {"categories": [2]},
        "submitted_at": dt.datetime.now(CHINA).isoformat(timespec="seconds"),
        "channel": "platform_online",
        "materials": [{"file": "application_form.pdf", "kind": "application_form"}],
    }


EXAMPLE_PDF = b"%PDF-1.4\n% made-up application form\n%%EOF\n"
