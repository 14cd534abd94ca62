"""What every partner API endpoint shares (the graduation push, the platform's applications): JSON
errors with a stable ``error`` code and a message in the caller's language (Chinese unless
``Accept-Language`` asks for English), the bearer-token check, and the 422 that lists every refused
field with its words from the one message catalogue."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Response, current_app, jsonify, request
from flask_babel import lazy_gettext as _l

from ..db import begin_read, get_session
from ..messages import text_for
from ..services import partners

FIELD_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
"""The steps of a field's name: ``applicant.id_number``, ``materials[0].kind``."""


def error(status: int, code: str, message: Any, **extra: Any) -> tuple[Response, int]:
    """A JSON error response: ``{"error": code, "message": …, **extra}``, not cached."""
    response = jsonify({"error": code, "message": str(message), **extra})
    if status == 401:
        response.headers["WWW-Authenticate"] = (
            'Basic realm="rtc"' if request.path.startswith("/oauth/") else f'Bearer error="{code}"'
        )
    response.headers["Cache-Control"] = "no-store"
    return response, status


def caller(scope: str) -> partners.Caller | tuple[Response, int]:
    """The partner behind the request's bearer token if it holds ``scope``; else the 401 or 403
    response to give."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return error(401, "invalid_token", _l("Send an access token: Authorization: Bearer <token>."))
    try:
        found = partners.authenticate(
            get_session(),
            header[7:].strip(),
            app_secret=current_app.config["SECRET_KEY"],
            issuer=current_app.config["PUBLIC_BASE_URL"],
        )
    except partners.InvalidToken:
        return error(401, "invalid_token", _l("The access token is missing, expired or not valid."))
    if scope not in found.scopes:
        return error(
            403, "insufficient_scope", _l("The access token lacks the scope %(scope)s.", scope=scope)
        )
    return found


def caller_before_upload(scope: str) -> partners.Caller | tuple[Response, int]:
    """:func:`caller` for a view that receives an upload: the token check only reads (on SQLite it
    waits for no writer), and its connection is given back before the body streams in, so a slow
    upload holds neither SQLite's write lock nor an idle PostgreSQL transaction; storing takes it
    again, briefly."""
    session = get_session()
    if not session.in_transaction():
        begin_read(session)
    found = caller(scope)
    get_session().close()
    return found


def sent_value(raw: Any, name: str) -> Any:
    """What the request sent for field ``name`` (dotted, with list indexes), or ``None``."""
    node = raw
    for key, index in FIELD_PART.findall(name):
        if key and isinstance(node, Mapping):
            node = node.get(key)
        elif index and isinstance(node, list) and int(index) < len(node):
            node = node[int(index)]
        else:
            return None
    return node


def invalid(
    errors: Mapping[str, str], raw: Any = None, params: Mapping[str, Any] | None = None
) -> tuple[Response, int]:
    """422 ``invalid_fields``: each refused field with its code and message (filled with what was
    sent for it, and ``params`` for every field)."""

    def words(name: str, code: str) -> str:
        value = sent_value(raw, name)
        filled = {"value": "" if value is None else str(value)[:60], **(params or {})}
        return text_for(code, filled) or code

    fields = {name: {"code": code, "message": words(name, code)} for name, code in errors.items()}
    return error(422, "invalid_fields", _l("Some fields are missing or wrong."), fields=fields)
