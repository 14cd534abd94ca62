"""Trust endpoints: the published public keys (JWKS), cacheable and open to other origins."""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, current_app, request

from ..services.keys import app_keystore, published_keys

bp = Blueprint("trust", __name__)


def cacheable_json(document: object, max_age: int) -> Response:
    """A JSON response with a strong ETag (304 when it matches), Cache-Control and CORS."""
    body = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    etag = hashlib.sha256(body).hexdigest()[:32]
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag"
    return response


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    """Every public key that can still matter: signing now, retired but with signatures that may
    still be valid, or compromised (marked, so cached verifiers learn of it)."""
    keys = published_keys(app_keystore(current_app))
    return cacheable_json(keys.to_jwks(), current_app.config["JWKS_MAX_AGE"])
