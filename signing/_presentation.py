"""The presentation shown on the holder's phone: CBOR claims in an untagged COSE_Sign1 (RFC 9052),
written as decimal digits after a short URL prefix so the QR holds one byte-mode and one
numeric-mode segment: ``https://<host>/v/<DIGITS>``.

Numeric mode costs 8.03 bits a byte against 8.8 for base32 in alphanumeric mode; that 9% is what
brings a typical presentation from QR version 11 to 10 (see ``bench/``). The protected header holds
only the kid (8 bytes); the algorithm is the key's. Claims use small integer keys (see
:data:`CLAIM_KEYS`); the identifier travels as its parts, 18-character codes packed into 12 bytes,
and its check character is recomputed. Nothing in a presentation identifies the holder in full.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import cbor2

from ._encoding import b64url_decode, decimal_decode, decimal_encode, pack_code, unpack_code
from ._facts import CertificateFacts, day_number, from_day_number, mask_name
from ._identifier import Identifier
from ._keys import KID_BYTES, PublicKey, Purpose, Signer, kid_from_bytes
from ._status_list import Status
from .errors import IdentifierError, Malformed, PolicyViolation

MAX_PAYLOAD_CHARS = 1200
HEADER_KID = 4
CLAIM_KEYS = {
    "identifier": 1,  # [type code, issuer code, serial, version] (codes packed when 18 chars)
    "name": 2,  # text: masked name
    "id": 3,  # text: first 4 and last 4 characters of the ID number
    "categories": 4,  # array of category codes
    "valid_from": 5,  # days since 1970-01-01
    "valid_until": 6,  # days since 1970-01-01
    "iat": 7,  # epoch seconds
    "lifetime": 8,  # seconds
    "status_index": 9,  # index in the issuer's status list
    "status": 10,  # status when signed; absent when valid
}
_K = CLAIM_KEYS
_KNOWN = frozenset(CLAIM_KEYS.values())


@dataclass(frozen=True, slots=True)
class PresentationClaims:
    """What an offline inspector sees: masked holder, categories, validity, issuer, status."""

    identifier: Identifier
    masked_name: str
    masked_id: str
    categories: tuple[int, ...]
    valid_from_day: int
    """Days since 1970-01-01, as :func:`~signing._facts.day_number`."""
    valid_until_day: int
    issued_at: int
    lifetime: int
    status_index: int
    status_when_signed: Status

    @property
    def issuer(self) -> str:
        """The issuer's unified social credit code."""
        return self.identifier.issuer_code

    @property
    def valid_from(self) -> dt.date:
        """First day of validity."""
        return from_day_number(self.valid_from_day)

    @property
    def valid_until(self) -> dt.date:
        """Last day of validity."""
        return from_day_number(self.valid_until_day)

    @property
    def expires_at(self) -> int:
        """Epoch seconds after which the presentation is stale."""
        return self.issued_at + self.lifetime


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


def sign_presentation(
    facts: CertificateFacts,
    signer: Signer,
    *,
    now: int,
    lifetime: int = 120,
    status: Status = Status.VALID,
) -> str:
    """Sign a presentation of ``facts`` at ``now`` and return its payload (decimal digits)."""
    info = signer.public.info
    if info.purpose != Purpose.PRESENTATION:
        raise PolicyViolation(f"key {info.kid} does not sign presentations")
    claims: dict[int, Any] = {
        _K["identifier"]: [
            pack_code(facts.identifier.type_code),
            pack_code(facts.identifier.issuer_code),
            facts.identifier.serial,
            facts.identifier.version,
        ],
        _K["name"]: mask_name(facts.holder_name),
        _K["id"]: facts.holder_id[:4] + facts.holder_id[-4:],
        _K["categories"]: list(facts.categories),
        _K["valid_from"]: day_number(facts.valid_from),
        _K["valid_until"]: day_number(facts.valid_until),
        _K["iat"]: now,
        _K["lifetime"]: lifetime,
        _K["status_index"]: facts.status_index,
    }
    if status != Status.VALID:
        claims[_K["status"]] = int(status)
    protected = cbor2.dumps({HEADER_KID: b64url_decode(info.kid)})
    payload = cbor2.dumps(claims)
    signature = signer.sign(_sig_structure(protected, payload))
    return decimal_encode(cbor2.dumps([protected, {}, payload, signature]))


def presentation_url(base_url: str, payload: str) -> str:
    """The QR text: ``<base_url>/v/<payload>``."""
    return f"{base_url.rstrip('/')}/v/{payload}"


@dataclass(frozen=True, slots=True)
class DecodedPresentation:
    """A presentation taken apart but not yet verified."""

    kid: str
    signing_input: bytes
    signature: bytes
    claims: PresentationClaims

    def verify_signature(self, key: PublicKey) -> None:
        """Check the COSE signature with ``key``."""
        key.verify(self.signature, self.signing_input)


def _loads(raw: bytes, what: str) -> Any:
    try:
        return cbor2.loads(raw)
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError) as exc:
        raise Malformed(f"{what} is not CBOR: {exc}") from exc


def _head(length: int) -> int:
    """Bytes in the shortest CBOR head of a byte string of ``length``."""
    return 1 if length < 24 else 2 if length < 256 else 3 if length < 65536 else 5


def decode_presentation(payload: str) -> DecodedPresentation:
    """Step 1 for a presentation: digits → COSE_Sign1 → claims, checking every field's type."""
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise Malformed("presentation is too long")
    if not payload:
        raise Malformed("presentation is empty")
    raw = decimal_decode(payload)
    message = _loads(raw, "presentation")
    if (
        not isinstance(message, list)
        or len(message) != 4
        or not isinstance(message[0], bytes)
        or message[1] != {}
        or not isinstance(message[2], bytes)
        or not isinstance(message[3], bytes)
    ):
        raise Malformed("presentation is not a COSE_Sign1 message")
    protected_raw, _, payload_raw, signature = message
    if len(raw) != 2 + sum(_head(len(part)) + len(part) for part in (protected_raw, payload_raw, signature)):
        raise Malformed("presentation has trailing or non-canonical bytes")
    header = _loads(protected_raw, "protected header")
    if not isinstance(header, dict) or set(header) != {HEADER_KID}:
        raise Malformed("protected header must hold only the key id")
    kid_raw = header[HEADER_KID]
    if not isinstance(kid_raw, bytes) or len(kid_raw) != KID_BYTES:
        raise Malformed("the key id is not a key id")
    claims = _claims(_loads(payload_raw, "claims"))
    return DecodedPresentation(
        kid=kid_from_bytes(kid_raw),
        signing_input=_sig_structure(protected_raw, payload_raw),
        signature=signature,
        claims=claims,
    )


_SCHEMA: tuple[tuple[int, str, Any], ...] = tuple(
    (key, name, list if name in ("identifier", "categories") else str if name in ("name", "id") else int)
    for name, key in CLAIM_KEYS.items()
    if name != "status"
)


def _claims(raw: Any) -> PresentationClaims:
    if not isinstance(raw, dict):
        raise Malformed("claims are not a map")
    if not raw.keys() <= _KNOWN:
        raise Malformed(f"unknown claims {sorted(raw.keys() - _KNOWN, key=str)}")
    for key, name, kind in _SCHEMA:
        value: Any = raw.get(key)
        if type(value) is not kind:
            raise Malformed(f"claim {name} is missing or not {kind.__name__}")
        if kind is int and value < 0:
            raise Malformed(f"claim {name} is negative")
    masked_id = raw[_K["id"]]
    if len(masked_id) != 8:
        raise Malformed("claim id must hold the first 4 and last 4 characters")
    categories = raw[_K["categories"]]
    if not categories or not all(type(c) is int for c in categories):
        raise Malformed("categories must be a non-empty list of codes")
    try:
        return PresentationClaims(
            identifier=_identifier(raw[_K["identifier"]]),
            masked_name=raw[_K["name"]],
            masked_id=masked_id[:4] + "**********" + masked_id[4:],
            categories=tuple(categories),
            valid_from_day=raw[_K["valid_from"]],
            valid_until_day=raw[_K["valid_until"]],
            issued_at=raw[_K["iat"]],
            lifetime=raw[_K["lifetime"]],
            status_index=raw[_K["status_index"]],
            status_when_signed=Status(raw.get(_K["status"], 0)),
        )
    except (IdentifierError, ValueError) as exc:
        raise Malformed(f"claims are invalid: {exc}") from exc


def _identifier(parts: list[Any]) -> Identifier:
    if len(parts) != 4 or type(parts[2]) is not str or type(parts[3]) is not int:
        raise Malformed("claim identifier must be [type code, issuer code, serial, version]")
    if not all(type(part) in (str, bytes) for part in parts[:2]):
        raise Malformed("identifier codes must be text or packed bytes")
    return Identifier(unpack_code(parts[0]), unpack_code(parts[1]), parts[2], parts[3])
