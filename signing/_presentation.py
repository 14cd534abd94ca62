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
from typing import Any, NamedTuple

import cbor2

from ._encoding import b64url_decode, decimal_decode, decimal_encode, pack_code, unpack_code
from ._facts import CertificateFacts, day_number, from_day_number, mask_name
from ._identifier import Identifier
from ._keys import KID_BYTES, PublicKey, Purpose, Signer
from ._status_list import Status
from .errors import Malformed, PolicyViolation

MAX_PAYLOAD_CHARS = 1200

# How long a presentation (and so a screenshot of one) verifies. The service signs it with its own
# clock; a verifier checks it with the inspector's phone's clock, which may be off by up to
# CLOCK_ALLOWANCE either way, and grants that much on both sides (step 5 of the Verifier). A
# verifier whose clock is that much slow therefore accepts a code until it is truly
# lifetime + 2 x allowance old (+1 s: both clocks count whole seconds), which must stay under
# SCREENSHOT_LIMIT. The phone refreshes its code long before the lifetime ends, so a code on
# the screen verifies even on a verifier whose clock is CLOCK_ALLOWANCE fast.
SCREENSHOT_LIMIT = 120
"""Seconds after which a screenshot of the show screen never verifies, clock allowance included."""
CLOCK_ALLOWANCE = 25
"""Seconds a verifier's clock may be off either way without a fresh code failing."""
PRESENTATION_LIFETIME = 60
"""The lifetime the service signs into presentations: a screenshot dies within 111 s."""


def oldest_accepted(lifetime: int, allowance: int = CLOCK_ALLOWANCE) -> int:
    """How old (true seconds since signing) a presentation of ``lifetime`` can be and still verify
    on a verifier granting ``allowance`` whose clock is ``allowance`` slow: it is accepted while
    strictly younger than this."""
    return lifetime + 2 * allowance + 1


def check_lifetime(lifetime: int, allowance: int = CLOCK_ALLOWANCE) -> int:
    """``lifetime`` if a screenshot signed with it dies within :data:`SCREENSHOT_LIMIT`, else
    :class:`ValueError` saying the longest that does."""
    longest = SCREENSHOT_LIMIT - oldest_accepted(0, allowance)
    if not 0 < lifetime <= longest:
        raise ValueError(
            f"presentation lifetime {lifetime} s: must be 1..{longest} s so that a screenshot dies "
            f"within {SCREENSHOT_LIMIT} s with a {allowance} s clock allowance"
        )
    return lifetime


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


class PresentationClaims(NamedTuple):
    """What an offline inspector sees: masked holder, categories, validity, issuer, status.

    The identifier is kept as its parts; :attr:`identifier` builds (and checks) the full one when
    asked, so the verification path does no string work it does not need."""

    type_code: str
    issuer: str
    """The issuer's unified social credit code."""
    serial: str
    version: int
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
    def identifier(self) -> Identifier:
        """The GB/T 36904 identifier (raises :class:`IdentifierError` for malformed parts)."""
        return Identifier(self.type_code, self.issuer, self.serial, self.version)

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


def _bstr_head(length: int) -> bytes:
    """The shortest CBOR head of a byte string of ``length``."""
    if length < 24:
        return bytes((0x40 + length,))
    if length < 256:
        return bytes((0x58, length))
    if length < 65536:
        return b"\x59" + length.to_bytes(2, "big")
    return b"\x5a" + length.to_bytes(4, "big")


_SIG1 = cbor2.dumps("Signature1")


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    """RFC 9052 Sig_structure ``["Signature1", protected, h'', payload]``, encoded directly."""
    return b"".join(
        (b"\x84", _SIG1, _bstr_head(len(protected)), protected, b"\x40", _bstr_head(len(payload)), payload)
    )


def sign_presentation(
    facts: CertificateFacts,
    signer: Signer,
    *,
    now: int,
    lifetime: int = PRESENTATION_LIFETIME,
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


class DecodedPresentation(NamedTuple):
    """A presentation taken apart but not yet verified."""

    kid: bytes
    """The raw key id (8 bytes)."""
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


# The one layout a presentation has, in canonical CBOR: array(4), protected = bstr(11) holding
# {4: bstr(8) kid}, unprotected = {}, payload = bstr, signature = bstr(64).
_HEAD = bytes((0x84, 0x40 + 3 + KID_BYTES, 0xA1, HEADER_KID, 0x40 + KID_BYTES))
_KID_END = len(_HEAD) + KID_BYTES
_SIGNATURE_HEAD = b"\x58\x40"


def decode_presentation(payload: str) -> DecodedPresentation:
    """Step 1 for a presentation: digits → COSE_Sign1 → claims, checking every field's type.

    The message frame is read by its fixed canonical layout (anything else is malformed), and
    only the claims go through the CBOR decoder."""
    if not payload:
        raise Malformed("presentation is empty")
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise Malformed("presentation is too long")
    raw = decimal_decode(payload)
    if not raw.startswith(_HEAD) or raw[_KID_END : _KID_END + 1] != b"\xa0":
        raise Malformed("presentation is not a COSE_Sign1 message with only a key id in its header")
    start, head = _KID_END + 2, raw[_KID_END + 1 : _KID_END + 2]
    if head == b"\x58" and len(raw) > start:
        length, start = raw[start], start + 1
        canonical = length >= 24
    elif head == b"\x59" and len(raw) > start + 1:
        length, start = int.from_bytes(raw[start : start + 2], "big"), start + 2
        canonical = length >= 256
    elif head and 0x40 <= head[0] < 0x58:
        length, canonical = head[0] - 0x40, True
    else:
        raise Malformed("presentation has no claims")
    body, tail = raw[start : start + length], raw[start + length :]
    if not canonical or len(body) != length or len(tail) != 66 or not tail.startswith(_SIGNATURE_HEAD):
        raise Malformed("presentation is truncated, padded or not canonical")
    return DecodedPresentation(
        kid=raw[len(_HEAD) : _KID_END],
        signing_input=_sig_structure(raw[2:_KID_END], body),
        signature=tail[2:],
        claims=_claims(_loads(body, "claims")),
    )


_STATUSES = tuple(Status)
_NAMES = {key: name for name, key in CLAIM_KEYS.items()}
_TEXT = (_K["name"], _K["id"])
_LISTS = (_K["identifier"], _K["categories"])
_INTS = (_K["valid_from"], _K["valid_until"], _K["iat"], _K["lifetime"], _K["status_index"])


def _claims(raw: Any) -> PresentationClaims:
    """Typed claims; one pass of cheap checks, and a precise message when any fails."""
    try:
        ident, name, short_id, categories = raw[1], raw[2], raw[3], raw[4]
        valid_from, valid_until, iat, lifetime, index = raw[5], raw[6], raw[7], raw[8], raw[9]
        status = raw.get(10, 0)
        code, issuer, serial, version = ident
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):  # e.g. claims sent as an array
        raise _explain(raw) from None
    if (
        type(raw) is not dict
        or len(raw) != 9 + (10 in raw)
        or type(name) is not str
        or type(short_id) is not str
        or len(short_id) != 8
        or type(categories) is not list
        or not categories
        or type(serial) is not str
        or type(version) is not int
        or type(code) not in (str, bytes)
        or type(issuer) not in (str, bytes)
    ):
        raise _explain(raw)
    for value in (valid_from, valid_until, iat, lifetime, index, status, version, *categories):
        if type(value) is not int or value < 0:
            raise _explain(raw)
    try:
        return PresentationClaims(
            type_code=unpack_code(code),
            issuer=unpack_code(issuer),
            serial=serial,
            version=version,
            masked_name=name,
            masked_id=short_id[:4] + "**********" + short_id[4:],
            categories=tuple(categories),
            valid_from_day=valid_from,
            valid_until_day=valid_until,
            issued_at=iat,
            lifetime=lifetime,
            status_index=index,
            status_when_signed=_STATUSES[status],
        )
    except IndexError:
        raise Malformed(f"claim status {status} is not a status") from None


def _explain(raw: Any) -> Malformed:
    """Say exactly which claim is wrong (the slow path, only for malformed input)."""
    if type(raw) is not dict:
        return Malformed("claims are not a map")
    unknown = raw.keys() - _NAMES.keys()
    if unknown:
        return Malformed(f"unknown claims {sorted(unknown, key=str)}")
    for key, name in _NAMES.items():
        value: Any = raw.get(key)
        if value is None and key == _K["status"]:
            continue
        kind: Any = str if key in _TEXT else list if key in _LISTS else int
        if type(value) is not kind:
            return Malformed(f"claim {name} is missing or not {kind.__name__}")
        if kind is int and value < 0:
            return Malformed(f"claim {name} is negative")
    ident = raw[_K["identifier"]]
    if (
        len(ident) != 4
        or not all(type(part) in (str, bytes) for part in ident[:2])
        or type(ident[2]) is not str
        or type(ident[3]) is not int
        or ident[3] < 0
    ):
        return Malformed("claim identifier must be [type code, issuer code, serial, version]")
    if len(raw[_K["id"]]) != 8:
        return Malformed("claim id must hold the first 4 and last 4 characters")
    return Malformed("categories must be a non-empty list of codes")
