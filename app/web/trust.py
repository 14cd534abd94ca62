"""Trust endpoints: the published public keys (JWKS), issuer metadata and each authority's
status list; cacheable (strong ETags, 304) and open to other origins (CORS, preflight included)."""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import gettext as _
from sqlalchemy import select

from signing import Purpose, is_credit_code
from signing.errors import KeyHandlingError

from ..db import begin_write, get_session
from ..models import Authority
from ..services import status_lists
from ..services.container import services
from ..services.keys import app_keystore, jwks_document, key_status_document

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


def cacheable(body: str | bytes, mimetype: str, max_age: int, etag: str | None = None) -> Response:
    """A response with a strong ETag (by default from the body; 304 when it matches),
    Cache-Control and CORS."""
    if etag is None:
        etag = hashlib.sha256(body.encode() if isinstance(body, str) else body).hexdigest()[:32]
    response = Response(status=304) if etag in request.if_none_match else Response(body, mimetype=mimetype)
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


def cacheable_json(document: object, max_age: int) -> Response:
    """A JSON response with a strong ETag (304 when it matches), Cache-Control and CORS."""
    body = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return cacheable(body, "application/json", max_age)


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    """The public keys a standard JOSE or COSE library may trust: signing now, or retired with
    signatures that may still be valid; never a compromised key or one whose window has not
    opened. Key material only: our rules are in the signed key-status document."""
    document = jwks_document(app_keystore(current_app))
    return cacheable_json(document, current_app.config["JWKS_MAX_AGE"])


@bp.get("/keys/<name>.json")
def jwks_for(name: str) -> Response:
    """One use's JWKS for standard verifiers (named in issuers.json): ``presentation`` (the
    service's presentation keys) or a credit code (that authority's certificate keys), so a
    standard library accepts a code only from a key of its kind and issuer."""
    store = app_keystore(current_app)
    if name == Purpose.PRESENTATION.value:
        document = jwks_document(store, purpose=Purpose.PRESENTATION)
    elif is_credit_code(name):
        document = jwks_document(store, purpose=Purpose.CERTIFICATE, issuer=name)
    else:
        abort(404)
    return cacheable_json(document, current_app.config["JWKS_MAX_AGE"])


@bp.get("/.well-known/key-status")
def key_status() -> Response:
    """The signed key-status document (``application/jwt``): what each published key is for,
    its issuer and signing window, and the withdrawn keys (compromised ones named), signed by a
    ``keys`` key of the JWKS (see :func:`signing.verify_key_status`)."""
    try:
        token = key_status_document(app_keystore(current_app))
    except KeyHandlingError:
        current_app.logger.exception("no key signs the key-status document")
        abort(503, description=_("No key can sign the key-status document now. Try again later."))
    return cacheable(token, "application/jwt", current_app.config["JWKS_MAX_AGE"])


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
    return cacheable(
        found.token, "application/statuslist+jwt", current_app.config["STATUS_MAX_AGE"], etag=found.etag
    )


@bp.get("/.well-known/issuers.json")
def issuers() -> Response:
    """Issuer metadata: every authority's credit code, name, region and level, so an offline
    verifier can name the issuer; and the URL of its status list for every authority that has a
    certificate key to sign it (an authority that issues nothing, such as the province bureau
    without a key, has no list to fetch) with its certificate keys' JWKS; where the JWKS, the
    presentation keys and the signed key-status document are, and the key that signs the latter."""
    context = services().issuing
    signing = context.keys.certificate_issuers(now=services().clock.timestamp())
    authorities = get_session().scalars(select(Authority).order_by(Authority.region_code)).all()
    base = context.base_url.rstrip("/")
    try:
        status_kid: str | None = context.keys.signer(Purpose.KEYS, now=services().clock.timestamp()).info.kid
    except KeyHandlingError:
        status_kid = None
    document = {
        "licence_type_code": context.type_code,
        # until then verifiers also accept compact codes in the first layout (untagged, no alg)
        "legacy_layout_until": current_app.config["LEGACY_LAYOUT_UNTIL"],
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "presentation_jwks_uri": f"{base}/keys/presentation.json",
        "key_status": {"uri": f"{base}/.well-known/key-status", "signed_by": status_kid},
        "issuers": [
            {
                "credit_code": a.credit_code,
                "name": a.name,
                "region_code": a.region_code,
                "level": a.level,
                **(
                    {
                        "status_list": context.status_uri(a.credit_code),
                        "jwks_uri": f"{base}/keys/{a.credit_code}.json",
                    }
                    if a.credit_code in signing
                    else {}
                ),
            }
            for a in authorities
        ],
    }
    return cacheable_json(document, current_app.config["JWKS_MAX_AGE"])
