"""Trust endpoints: the published public keys (JWKS), cacheable and open to other origins."""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import select

from signing.errors import KeyHandlingError

from ..db import get_session
from ..models import Authority
from ..services.context import issuing_context
from ..services.keys import app_keystore, published_keys
from ..services.status_lists import signed_list

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


@bp.get("/status/<credit_code>")
def status_list(credit_code: str) -> Response:
    """An authority's signed status list (``application/statuslist+jwt``), at a stable URL."""
    authority = get_session().scalars(select(Authority).filter_by(credit_code=credit_code)).first()
    if authority is None:
        abort(404)
    context = issuing_context(current_app)
    try:
        token, revision = signed_list(get_session(), context, authority)
    except KeyHandlingError:
        current_app.logger.exception("no key signs the status list of %s", credit_code)
        abort(503)
    etag = f"{credit_code}-{revision}-{hashlib.sha256(token.encode()).hexdigest()[:16]}"
    response = (
        Response(status=304)
        if etag in request.if_none_match
        else Response(token, mimetype="application/statuslist+jwt")
    )
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['STATUS_MAX_AGE']}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag"
    return response


@bp.get("/.well-known/issuers.json")
def issuers() -> Response:
    """Issuer metadata: every authority's credit code, name, region and status-list URL, so an
    offline verifier can name the issuer and fetch its status list."""
    context = issuing_context(current_app)
    authorities = get_session().scalars(select(Authority).order_by(Authority.region_code)).all()
    document = {
        "licence_type_code": context.type_code,
        "issuers": [
            {
                "credit_code": a.credit_code,
                "name": a.name,
                "region_code": a.region_code,
                "level": a.level,
                "status_list": context.status_uri(a.credit_code),
            }
            for a in authorities
        ],
    }
    return cacheable_json(document, current_app.config["JWKS_MAX_AGE"])
