"""Partner systems: registered by administrators with scopes and the training schools they may push
for, authenticated with the OAuth 2.0 client-credentials grant (RFC 6749 §4.4), given short-lived JWT
access tokens (RFC 9068 style).

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
from collections.abc import Iterable
from dataclasses import dataclass

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from signing import is_credit_code

from ..models import GraduationCertificate, PartnerClient, PartnerSchool
from .audit import record
from .errors import DomainError, NotFound, RuleViolation
from .passwords import check_password, hash_password

SCOPES = {
    "graduation:write": "push graduation certificates",
    "graduation:read": "read the state of pushed graduation certificates",
    "platform:push": "push applications and their materials (the government service platform)",
    "certificate:read": "fetch a certificate's signed credential (JWT) by its identifier",
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


def register(
    session: Session, *, name: str, scopes: list[str], actor: str, schools: Iterable[str] = ()
) -> tuple[PartnerClient, str]:
    """A new client and its secret (shown once, stored hashed), registered for ``schools`` (credit
    codes; more can be added later with :func:`add_schools`)."""
    unknown = sorted(set(scopes) - SCOPES.keys())
    if unknown or not scopes:
        raise RuleViolation(f"unknown scopes: {', '.join(unknown) or '(none given)'}", code="invalid_scope")
    if not name.strip() or len(name.strip()) > 100:
        raise RuleViolation(
            "give the partner system's name (at most 100 characters)", code="partner_name_required"
        )
    codes = school_codes(schools)
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
    if codes:
        _add(session, client, codes, actor=actor)
    return client, secret


def school_codes(raw: Iterable[str]) -> list[str]:
    """Credit codes of training schools as given (spaces trimmed, letters in capitals), each checked
    (GB 32100 check character included), without repeats; :class:`RuleViolation` at the first
    wrong one."""
    codes: list[str] = []
    for given in raw:
        code = given.strip().upper()
        if not code:
            continue
        if not is_credit_code(code):
            shaped = is_credit_code(code, check_character=False)
            raise RuleViolation(
                f"not a unified social credit code: {given.strip()}",
                code="credit_code_check_failed" if shaped else "invalid_credit_code",
                value=given.strip(),
            )
        if code not in codes:
            codes.append(code)
    return codes


def _add(session: Session, client: PartnerClient, codes: list[str], *, actor: str) -> list[str]:
    new = sorted(set(codes) - client.school_codes)
    now = dt.datetime.now(dt.UTC)
    client.schools.extend(
        PartnerSchool(school_credit_code=code, added_at=now, added_by=actor) for code in new
    )
    session.flush()
    if new:
        record(
            session,
            actor=actor,
            action="partner.add_schools",
            target_type="partner_client",
            target_id=client.client_id,
            after={"schools": new},
        )
    return new


def add_schools(session: Session, client_id: str, schools: Iterable[str], *, actor: str) -> list[str]:
    """Register the client for more training schools (credit codes); returns those that are new
    (sorted). Schools need not be in the registry: the timing platform serves schools the bureau
    has not registered yet. :class:`RuleViolation` for a wrong code or none at all."""
    client = find(session, client_id)
    codes = school_codes(schools)
    if not codes:
        raise RuleViolation("give the credit code of at least one training school", code="school_required")
    return _add(session, client, codes, actor=actor)


def remove_schools(session: Session, client_id: str, schools: Iterable[str], *, actor: str) -> list[str]:
    """The client may no longer push for these schools (its certificates stay its own); returns
    those it was registered for (sorted). :class:`RuleViolation` when it was registered for none."""
    client = find(session, client_id)
    wanted = {code.strip().upper() for code in schools}
    gone = [school for school in client.schools if school.school_credit_code in wanted]
    if not gone:
        raise RuleViolation(
            f"{client_id} is not registered for these schools",
            code="school_not_registered",
            value=", ".join(sorted(code for code in wanted if code)),
        )
    for school in gone:
        client.schools.remove(school)
    session.flush()
    removed = sorted(school.school_credit_code for school in gone)
    record(
        session,
        actor=actor,
        action="partner.remove_schools",
        target_type="partner_client",
        target_id=client_id,
        before={"schools": removed},
    )
    return removed


def unregistered_schools(session: Session, client: PartnerClient) -> list[str]:
    """Schools the client pushed certificates for that it is not registered for (before partners
    were tied to schools, or removed since): what an administrator reviews."""
    named = session.scalars(
        select(GraduationCertificate.school_credit_code)
        .where(GraduationCertificate.pushed_by == client.id)
        .distinct()
    )
    return sorted(set(named) - client.school_codes)


def find(session: Session, client_id: str) -> PartnerClient:
    """The client with ``client_id``, or :class:`NotFound`."""
    client = session.scalars(select(PartnerClient).filter_by(client_id=client_id)).first()
    if client is None:
        raise NotFound(f"no partner client {client_id}")
    return client


def rotate_secret(session: Session, client_id: str, *, actor: str) -> str:
    """A new secret for the client; tokens made with the old one stop working."""
    client = find(session, client_id)
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
    client = find(session, client_id)
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
