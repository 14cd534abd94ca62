"""Partner systems: registered by administrators with scopes, authenticated with the OAuth 2.0
client-credentials grant (RFC 6749 §4.4), given short-lived JWT access tokens (RFC 9068 style).

Tokens are HS256 under a key derived from the app secret, and checked with that one algorithm,
this issuer and audience, required claims, the client still active and its secret not rotated
since the token was issued (the token names the secret's generation).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import PartnerClient
from .audit import record
from .errors import DomainError, NotFound, RuleViolation
from .passwords import check_password, hash_password

SCOPES = {
    "graduation:write": "push graduation certificates",
    "graduation:read": "read the state of pushed graduation certificates",
}
AUDIENCE = "rtc-partner-api"
ALGORITHM = "HS256"


class InvalidClient(DomainError):
    """Unknown client, wrong secret or a deactivated client (OAuth ``invalid_client``)."""

    code = "invalid_client"


class InvalidToken(DomainError):
    """No usable access token (HTTP 401)."""

    code = "invalid_token"


@dataclass(frozen=True)
class Caller:
    """An authenticated partner request."""

    client: PartnerClient
    scopes: frozenset[str]


def _generation(client: PartnerClient) -> str:
    """Names the client's current secret in its tokens: a rotation ends every earlier token."""
    return hashlib.sha256(client.secret_hash.encode()).hexdigest()[:16]


def _token_key(app_secret: str) -> bytes:
    return hmac.new(app_secret.encode(), b"partner access tokens", hashlib.sha256).digest()


def register(session: Session, *, name: str, scopes: list[str], actor: str) -> tuple[PartnerClient, str]:
    """A new client and its secret (shown once, stored hashed)."""
    unknown = sorted(set(scopes) - SCOPES.keys())
    if unknown or not scopes:
        raise RuleViolation(f"unknown scopes: {', '.join(unknown) or '(none given)'}", code="invalid_scope")
    if not name.strip() or len(name.strip()) > 100:
        raise RuleViolation(
            "give the partner system's name (at most 100 characters)", code="partner_name_required"
        )
    secret = secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    client = PartnerClient(
        client_id=f"p-{uuid.uuid4().hex[:16]}",
        name=name.strip(),
        secret_hash=hash_password(secret),
        scopes=" ".join(sorted(set(scopes))),
        active=True,
        created_at=now,
        secret_set_at=now,
    )
    session.add(client)
    session.flush()
    record(
        session,
        actor=actor,
        action="partner.register",
        target_type="partner_client",
        target_id=client.client_id,
        after={"name": client.name, "scopes": client.scopes},
    )
    return client, secret


def _client(session: Session, client_id: str) -> PartnerClient:
    client = session.scalars(select(PartnerClient).filter_by(client_id=client_id)).first()
    if client is None:
        raise NotFound(f"no partner client {client_id}")
    return client


def rotate_secret(session: Session, client_id: str, *, actor: str) -> str:
    """A new secret for the client; tokens made with the old one stop working."""
    client = _client(session, client_id)
    secret = secrets.token_urlsafe(32)
    client.secret_hash = hash_password(secret)
    client.secret_set_at = dt.datetime.now(dt.UTC)
    record(
        session,
        actor=actor,
        action="partner.rotate_secret",
        target_type="partner_client",
        target_id=client_id,
    )
    return secret


def set_active(session: Session, client_id: str, active: bool, *, actor: str) -> None:
    """Deactivate (its tokens stop working at once) or reactivate a client."""
    client = _client(session, client_id)
    client.active = active
    record(
        session,
        actor=actor,
        action="partner.activate" if active else "partner.deactivate",
        target_type="partner_client",
        target_id=client_id,
    )


def issue_token(
    session: Session,
    *,
    client_id: str,
    secret: str,
    requested: str | None,
    app_secret: str,
    issuer: str,
    lifetime: int,
) -> tuple[str, str]:
    """(access token, granted scope) for a client presenting its secret; ``requested`` narrows the
    scopes (``invalid_scope`` if it asks for more than the client has)."""
    client = session.scalars(select(PartnerClient).filter_by(client_id=client_id)).first()
    if (
        not check_password(client.secret_hash if client else None, secret)
        or client is None
        or not client.active
    ):
        raise InvalidClient("client authentication failed")
    allowed = set(client.scopes.split())
    wanted = set(requested.split()) if requested else allowed
    if not wanted <= allowed:
        raise RuleViolation("the client may not have these scopes", code="invalid_scope")
    now = int(time.time())
    scope = " ".join(sorted(wanted))
    claims = {
        "iss": issuer,
        "aud": AUDIENCE,
        "sub": client.client_id,
        "client_id": client.client_id,
        "scope": scope,
        "iat": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
        "gen": _generation(client),
    }
    return jwt.encode(claims, _token_key(app_secret), algorithm=ALGORITHM, headers={"typ": "at+jwt"}), scope


def authenticate(session: Session, token: str, *, app_secret: str, issuer: str) -> Caller:
    """The caller behind a bearer token, or :class:`InvalidToken`."""
    try:
        claims = jwt.decode(
            token,
            _token_key(app_secret),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=issuer,
            options={"require": ["iss", "aud", "sub", "iat", "exp", "scope", "gen"]},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("the access token has expired") from None
    except jwt.InvalidTokenError:
        raise InvalidToken("the access token is not valid") from None
    client = session.scalars(select(PartnerClient).filter_by(client_id=claims["sub"])).first()
    if client is None or not client.active:
        raise InvalidToken("the client is not active")
    if not hmac.compare_digest(str(claims["gen"]), _generation(client)):
        raise InvalidToken("the access token was made with an earlier secret")
    return Caller(client, frozenset(str(claims["scope"]).split()))
