"""The partner API's OpenAPI 3.1 document (``openapi.json`` beside this module), served at
``/api/openapi.json`` with an ETag, Cache-Control and CORS like the trust documents."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from flask import Blueprint, Response

from .trust import allow_any_origin, cacheable_json

bp = Blueprint("openapi", __name__)
bp.after_request(allow_any_origin)
MAX_AGE = 3600


@functools.cache
def document() -> dict[str, Any]:
    """The OpenAPI document, read once from the package."""
    text = resources.files(__package__).joinpath("openapi.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@bp.get("/api/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI document of the partner API (``/oauth/token`` and the graduation certificates)."""
    return cacheable_json(document(), MAX_AGE)
