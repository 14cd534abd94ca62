"""The verifier: one fixed, numbered list of steps for credentials and presentations.

1. decode     - recognise the input (URL, compact code or JWT credential) and parse it; the first
                compact layout only until ``legacy_until``
2. key        - find the trusted key by kid; check its purpose and that it is not compromised
                 (or withdrawn: listed in the key-status document but no longer published)
3. signature  - the algorithm the object names is the key's own; check the signature with it
4. key window - the object was signed while the key was allowed to sign
5. time       - presentation fresh (not stale, not from the future); certificate within validity
                (a printed code lives as long as the certificate version it prints)
6. status     - the issuer's status list has the entry and says valid (newest of list and
                 presentation wins; an index out of the list's bounds fails)
7. policy     - the issuer named inside is the issuer the key signs for (credential, printed code)

The server, the command line and (ported) the browser verifier run these same steps. Each failure
raises the specific :class:`~signing.errors.VerificationError`; success returns :class:`Verified`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal

from ._categories import BY_CODE
from ._credential import CREDENTIAL_TYP, facts_from_claims
from ._facts import CertificateFacts, cst_day, day_number, from_day_number, mask_id, mask_name
from ._identifier import Identifier
from ._jws import decode_jws
from ._key_status import verify_key_status
from ._keys import KeySet, PublicKey, Purpose
from ._presentation import (
    CLOCK_ALLOWANCE,
    COSE_ALGORITHMS,
    LEGACY_LAYOUT_UNTIL,
    PresentationClaims,
    PrintedClaims,
    decode_presentation,
)
from ._status_list import SignedStatusList, Status, StatusLists, StatusReading, StatusSource
from .errors import (
    BadSignature,
    ClockSkew,
    Error,
    Expired,
    KeyCompromised,
    KeyOutsideWindow,
    Malformed,
    NotYetValid,
    PolicyViolation,
    RetiredLayout,
    Revoked,
    StalePresentation,
    StatusUnavailable,
    Superseded,
    Suspended,
    VerificationError,
    WrongKeyPurpose,
)

MAX_INPUT_CHARS = 16384
_STATUS_ERRORS: dict[Status, type[VerificationError]] = {
    Status.REVOKED: Revoked,
    Status.SUSPENDED: Suspended,
    Status.SUPERSEDED: Superseded,
}


class Verified:
    """A credential or presentation that passed every step.

    ``identifier`` and the validity dates are formatted when first read, not while verifying."""

    __slots__ = (
        "_identifier",
        "categories",
        "details",
        "expires_at",
        "holder",
        "issuer",
        "kid",
        "kind",
        "signed_at",
        "status",
        "status_list_issued_at",
        "valid_from_day",
        "valid_until_day",
    )

    def __init__(
        self,
        *,
        kind: Literal["credential", "presentation", "printed"],
        kid: str,
        signed_at: int,
        identifier: Identifier | Callable[[], Identifier],
        issuer: str,
        holder: dict[str, str],
        categories: tuple[int, ...],
        valid_from_day: int,
        valid_until_day: int,
        status: Literal["valid", "unchecked"],
        status_list_issued_at: int | None = None,
        expires_at: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.kind = kind
        self.kid = kid
        self.signed_at = signed_at
        self._identifier = identifier
        self.issuer = issuer
        self.holder = holder
        self.categories = categories
        self.valid_from_day = valid_from_day
        self.valid_until_day = valid_until_day
        self.status = status
        self.status_list_issued_at = status_list_issued_at
        self.expires_at = expires_at
        self.details = details or {}

    @property
    def identifier(self) -> str:
        """The GB/T 36904 identifier."""
        if not isinstance(self._identifier, Identifier):
            self._identifier = self._identifier()
        return str(self._identifier)

    @property
    def valid_from(self) -> str:
        """First day of validity (ISO date, China Standard Time)."""
        return from_day_number(self.valid_from_day).isoformat()

    @property
    def valid_until(self) -> str:
        """Last day of validity (ISO date, China Standard Time)."""
        return from_day_number(self.valid_until_day).isoformat()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready verdict (the same shape the API and the command line print)."""
        return {
            "valid": True,
            "kind": self.kind,
            "kid": self.kid,
            "signed_at": self.signed_at,
            "identifier": self.identifier,
            "issuer": self.issuer,
            "holder": self.holder,
            "categories": [
                {"code": c, "name": BY_CODE[c].name_zh if c in BY_CODE else None} for c in self.categories
            ],
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
            "status": self.status,
            "status_list_issued_at": self.status_list_issued_at,
            "expires_at": self.expires_at,
            **self.details,
        }


def failure_json(error: VerificationError) -> dict[str, Any]:
    """The JSON verdict for a failure."""
    return {"valid": False, "reason": error.code, "step": error.step, "detail": error.detail}


def extract(text: str) -> tuple[Literal["credential", "presentation"], str]:
    """Step 1a: what ``text`` is. A URL ``…/v/<payload>`` or a bare payload is a compact code (a
    presentation or a printed code); three base64url segments starting ``eyJ`` are a credential."""
    text = text.strip()
    if not text:
        raise Malformed("nothing to verify")
    if len(text) > MAX_INPUT_CHARS:
        raise Malformed("input is too long")
    if "://" in text:
        if not text.lower().startswith(("https://", "http://")):
            raise Malformed("not a verification link")
        path = text.split("://", 1)[1].split("?", 1)[0].split("#", 1)[0]
        _, sep, payload = path.partition("/v/")
        if not sep or "/" in payload:
            raise Malformed("the link is not a certificate verification link")
        return "presentation", payload
    if text.startswith("eyJ") and text.count(".") == 2:
        return "credential", text
    return "presentation", text


def _identifier_of(claims: PresentationClaims | PrintedClaims) -> Callable[[], Identifier]:
    def build() -> Identifier:
        return claims.identifier

    return build


@contextmanager
def _naming(identifier: Callable[[], object]) -> Iterator[None]:
    """Failures past the signature step name the genuinely signed certificate they concern."""
    try:
        yield
    except VerificationError as exc:
        try:
            exc.identifier = str(identifier())
        except Error:  # an identifier that does not parse names nothing
            exc.identifier = None
        raise


class Verifier:
    """Verifies against trusted keys, asking ``status`` (a :class:`StatusSource`, or verified
    status lists by issuer) for each certificate's status. With ``require_status`` a certificate
    whose status no current list gives fails; without it, it passes as ``unchecked``. Compact
    codes in the first layout (untagged, no ``alg``) are accepted before ``legacy_until`` (epoch
    seconds) and refused from then on."""

    def __init__(
        self,
        keys: KeySet,
        status: StatusSource | Mapping[str, SignedStatusList] | None = None,
        *,
        skew: int = CLOCK_ALLOWANCE,
        require_status: bool = False,
        legacy_until: int = LEGACY_LAYOUT_UNTIL,
    ) -> None:
        self.keys = keys
        self.legacy_until = legacy_until
        if status is None or isinstance(status, Mapping):
            status = StatusLists(() if status is None else status.values())
        self.status: StatusSource = status
        self.skew = skew
        self.require_status = require_status

    @classmethod
    def from_documents(
        cls, jwks: Mapping[str, Any], key_status: str, status_tokens: Iterable[str] = (), **options: Any
    ) -> Verifier:
        """Build from the published documents: the JWKS (key material), the key-status document
        (our rules for those keys, signed) and status list tokens (each verified here)."""
        keys = verify_key_status(jwks, key_status)
        return cls(keys, StatusLists.from_tokens(status_tokens, keys), **options)

    def verify(self, text: str, *, at: int | None = None) -> Verified:
        """Run every step on ``text`` at time ``at`` (epoch seconds; default now)."""
        now = int(time.time()) if at is None else at
        kind, body = extract(text)
        if kind == "credential":
            return self._credential(body, now)
        return self._presentation(body, now)

    def _presentation(self, payload: str, now: int) -> Verified:
        decoded = decode_presentation(payload)  # 1
        if decoded.legacy and now >= self.legacy_until:
            raise RetiredLayout(
                "this code is in the first layout (untagged, no alg), refused since "
                f"{self.legacy_until}: ask for a fresh code"
            )
        purpose = Purpose.PRESENTATION if decoded.kind == "presentation" else Purpose.CERTIFICATE
        key = self.keys.get_raw(decoded.kid)  # 2
        if key.info.purpose != purpose:
            raise WrongKeyPurpose(f"key {key.kid} signs {key.info.purpose.value}s, not {decoded.kind} codes")
        if key.info.compromised_at is not None:
            raise KeyCompromised(f"key {key.kid} was marked compromised")
        if decoded.alg is not None and decoded.alg != COSE_ALGORITHMS.get(key.info.alg):  # 3
            raise BadSignature(f"algorithm {decoded.alg} is not the algorithm of key {key.kid}")
        decoded.verify_signature(key)
        with _naming(_identifier_of(decoded.claims)):
            if isinstance(decoded.claims, PrintedClaims):
                return self._printed(key, decoded.claims, now)
            return self._signed_presentation(key, decoded.claims, now)

    def _signed_presentation(self, key: PublicKey, claims: PresentationClaims, now: int) -> Verified:
        if not key.info.signs_at(claims.issued_at):  # 4
            raise KeyOutsideWindow(f"key {key.kid} was not allowed to sign at {claims.issued_at}")
        if claims.issued_at > now + self.skew:  # 5
            raise ClockSkew(
                f"presentation was made {claims.issued_at - now} s after this device's time: "
                "check this device's clock"
            )
        if now > claims.expires_at + self.skew:
            raise StalePresentation(
                f"presentation is {now - claims.issued_at} s old (lives {claims.lifetime} s): "
                "ask the holder to refresh"
            )
        self._check_validity(claims.valid_from_day, claims.valid_until_day, now)
        status, list_time = self._check_status(  # 6
            claims.issuer, claims.status_index, claims.status_when_signed, claims.issued_at, now
        )
        return Verified(  # 7: the presentation key is the service's; nothing more to match
            kind="presentation",
            kid=key.kid,
            signed_at=claims.issued_at,
            identifier=_identifier_of(claims),
            issuer=claims.issuer,
            holder={"name": claims.masked_name, "id": claims.masked_id},
            categories=claims.categories,
            valid_from_day=claims.valid_from_day,
            valid_until_day=claims.valid_until_day,
            status=status,
            status_list_issued_at=list_time,
            expires_at=claims.expires_at,
        )

    def _printed(self, key: PublicKey, claims: PrintedClaims, now: int) -> Verified:
        kid = key.kid
        if not key.info.signs_at(claims.issued_at):  # 4
            raise KeyOutsideWindow(f"key {kid} was not allowed to sign at {claims.issued_at}")
        if claims.issued_at > now + self.skew:  # 5
            raise ClockSkew(
                f"printed code was signed {claims.issued_at - now} s after this device's time: "
                "check this device's clock"
            )
        self._check_validity(claims.valid_from_day, claims.valid_until_day, now)
        status, list_time = self._check_status(  # 6
            claims.issuer, claims.status_index, Status.VALID, claims.issued_at, now
        )
        if key.info.issuer != claims.issuer:  # 7
            raise PolicyViolation(f"key {kid} does not sign for issuer {claims.issuer}")
        return Verified(
            kind="printed",
            kid=kid,
            signed_at=claims.issued_at,
            identifier=_identifier_of(claims),
            issuer=claims.issuer,
            holder={"name": claims.holder_name, "id": claims.holder_id},
            categories=claims.categories,
            valid_from_day=claims.valid_from_day,
            valid_until_day=claims.valid_until_day,
            status=status,
            status_list_issued_at=list_time,
            details={
                "first_issued": from_day_number(claims.first_issued_day).isoformat(),
                "masked": {"name": mask_name(claims.holder_name), "id": mask_id(claims.holder_id)},
            },
        )

    def _credential(self, token: str, now: int) -> Verified:
        claims, key = decode_jws(token, self.keys, Purpose.CERTIFICATE, CREDENTIAL_TYP)  # 1-3
        facts = facts_from_claims(claims)
        with _naming(lambda: facts.identifier):
            return self._signed_credential(key, claims, facts, now)

    def _signed_credential(
        self, key: PublicKey, claims: dict[str, Any], facts: CertificateFacts, now: int
    ) -> Verified:
        signed_at = claims["iat"]
        if type(signed_at) is not int or not key.info.signs_at(signed_at):  # 4
            raise KeyOutsideWindow(f"key {key.kid} was not allowed to sign at {signed_at}")
        self._check_validity(day_number(facts.valid_from), day_number(facts.valid_until), now)  # 5
        status, list_time = self._check_status(  # 6
            facts.issuer, facts.status_index, Status.VALID, signed_at, now
        )
        if key.info.issuer != facts.issuer:  # 7
            raise PolicyViolation(f"key {key.kid} does not sign for issuer {facts.issuer}")
        return Verified(
            kind="credential",
            kid=key.kid,
            signed_at=signed_at,
            identifier=facts.identifier,
            issuer=facts.issuer,
            holder={"name": facts.holder_name, "id": facts.holder_id},
            categories=facts.categories,
            valid_from_day=day_number(facts.valid_from),
            valid_until_day=day_number(facts.valid_until),
            status=status,
            status_list_issued_at=list_time,
            details={
                "number": facts.number,
                "issuer_name": facts.issuer_name,
                "masked": {"name": mask_name(facts.holder_name), "id": mask_id(facts.holder_id)},
            },
        )

    @staticmethod
    def _check_validity(valid_from: int, valid_until: int, now: int) -> None:
        today = cst_day(now)
        if today < valid_from:
            raise NotYetValid("the certificate's validity has not started yet")
        if today > valid_until:
            raise Expired("the certificate's validity has ended")

    def _check_status(
        self, issuer: str, index: int, when_signed: Status, signed_at: int, now: int
    ) -> tuple[Literal["valid", "unchecked"], int | None]:
        reading: StatusReading | None
        try:
            reading = self.status.status(issuer, index)  # out of the list's bounds: fails here
        except StatusUnavailable:
            reading = None
        if reading is None or (
            self.require_status and reading.expires_at is not None and now > reading.expires_at
        ):
            if self.require_status:
                raise StatusUnavailable(f"no current status list for issuer {issuer}")
            status, list_time = when_signed, None
        else:
            list_time = reading.as_of
            # The newest word wins: a presentation signed after our copy of the list knows better.
            status = when_signed if signed_at > list_time else reading.status
        if status != Status.VALID:
            raise _STATUS_ERRORS[status](f"status list entry {index} of {issuer} is {status.name}")
        return ("unchecked" if list_time is None else "valid"), list_time
