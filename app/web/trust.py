"""Trust endpoints: the published public keys (JWKS), issuer metadata and each authority's
status list; cacheable (strong ETags, 304) and open to other origins (CORS, preflight included)."""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import gettext as _
from sqlalchemy import select

from signing.errors import KeyHandlingError

from ..db import begin_write, get_session
from ..models import Authority
from ..services import status_lists
from ..services.container import services
from ..services.keys import app_keystore, published_keys

bp = Blueprint("trust", __name__)
CORS_MAX_AGE = 86400


@bp.after_request
def allow_any_origin(response: Response) -> Response:
    """Every public document (trust documents, the OpenAPI document) may be read from any origin; a
    preflight (OPTIONS, sent before a conditional GET with ``If-None-Match``) is answered with the
    same permission."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "If-None-Match"
        response.headers["Access-Control-Max-Age"] = str(CORS_MAX_AGE)
    return response


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
    return response


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    """Every public key that can still matter: signing now, retired but with signatures that may
    still be valid, or compromised (marked, so cached verifiers learn of it)."""
    keys = published_keys(app_keystore(current_app))
    return cacheable_json(keys.to_jwks(), current_app.config["JWKS_MAX_AGE"])


@bp.get("/status/<credit_code>")
def status_list(credit_code: str) -> Response:
    """An authority's signed status list (``application/statuslist+jwt``), at a stable URL: the
    token stored with the list, the same bytes and ETag from every worker, signed again here only
    when it is no longer current (see :mod:`app.services.status_lists`)."""
    session = get_session()
    authority = session.scalars(select(Authority).filter_by(credit_code=credit_code)).first()
    if authority is None:
        abort(404)
    context = services().issuing
    now = services().clock.timestamp()
    try:
        found = status_lists.published(session, context, authority, now=now)
        if found is None:
            begin_write(session)
            found = status_lists.publish(session, context, authority, now=now)
    except KeyHandlingError:
        current_app.logger.exception("no key signs the status list of %s", credit_code)
        abort(
            503,
            description=_("This authority has no key that can sign its status list now. Try again later."),
        )
    response = (
        Response(status=304)
        if found.etag in request.if_none_match
        else Response(found.token, mimetype="application/statuslist+jwt")
    )
    response.set_etag(found.etag)
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['STATUS_MAX_AGE']}"
    return response


@bp.get("/.well-known/issuers.json")
def issuers() -> Response:
    """Issuer metadata: every authority's credit code, name, region and level, so an offline
    verifier can name the issuer; and the URL of its status list for every authority that has a
    certificate key to sign it (an authority that issues nothing, such as the province bureau
    without a key, has no list to fetch)."""
    context = services().issuing
    signing = context.keys.certificate_issuers(now=services().clock.timestamp())
    authorities = get_session().scalars(select(Authority).order_by(Authority.region_code)).all()
    document = {
        "licence_type_code": context.type_code,
        # until then verifiers also accept compact codes in the first layout (untagged, no alg)
        "legacy_layout_until": current_app.config["LEGACY_LAYOUT_UNTIL"],
        "issuers": [
            {
                "credit_code": a.credit_code,
                "name": a.name,
                "region_code": a.region_code,
                "level": a.level,
                **({"status_list": context.status_uri(a.credit_code)} if a.credit_code in signing else {}),
            }
            for a in authorities
        ],
    }
    return cacheable_json(document, current_app.config["JWKS_MAX_AGE"])
