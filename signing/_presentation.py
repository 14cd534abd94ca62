"""The compact signed codes: the presentation shown on the holder's phone and the printed code on
the certificate PDF. Both are CBOR claims in a COSE_Sign1 (RFC 9052), written as decimal digits
after a short URL prefix so the QR holds one byte-mode and one numeric-mode segment:
``https://<host>/v/<DIGITS>``.

Numeric mode costs 8.03 bits a byte against 8.8 for base32 in alphanumeric mode; that 9% is what
keeps a typical presentation at QR version 10 (see ``bench/``).

The layout (canonical CBOR, nothing else accepted)::

    18([ h'A10127' / {1: -8} (EdDSA) or h'A10126' / {1: -7} (ES256): alg, protected /,
         {4: h'<8-byte kid>'}  / kid, unprotected (RFC 9052 3.1) /,
         h'<claims>', h'<64-byte signature>' ])

The kid is the first 8 bytes of the key's RFC 7638 thumbprint. The claims use small integer keys
(:data:`CLAIM_KEYS` for a presentation, :data:`PRINTED_CLAIM_KEYS` for a printed code); a
presentation carries ``lifetime`` (8), a printed code ``first_issued`` (11), never both. The
identifier travels as its parts, 18-character codes packed into 12 bytes, and its check character
is recomputed. A presentation identifies the holder only masked; a printed code carries the name
and ID number that are printed next to it.

The first layout (until :data:`LEGACY_LAYOUT_UNTIL`) was untagged, without ``alg``, with the kid
in the protected header: ``[h'A10448<kid>', {}, h'<claims>', h'<signature>']``; only
presentations were made in it.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any, Literal, NamedTuple

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


HEADER_ALG = 1
HEADER_CRIT = 2
HEADER_KID = 4
COSE_SIGN1_TAG = 18
COSE_ALGORITHMS = {"EdDSA": -8, "ES256": -7}
"""The COSE algorithm of each key algorithm (IANA COSE Algorithms registry)."""
LEGACY_LAYOUT_UNTIL = 1_811_779_200
"""2027-06-01T00:00:00+08:00: until then verifiers also accept the first layout (untagged, no
``alg``), so codes made before the change and phones with a cached verifier keep working."""
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
PRINTED_CLAIM_KEYS = {
    "identifier": 1,  # as in a presentation
    "name": 2,  # text: the holder's full name
    "id": 3,  # the full ID number (packed into 12 bytes)
    "categories": 4,
    "valid_from": 5,
    "valid_until": 6,
    "iat": 7,  # epoch seconds: when the code was signed
    "status_index": 9,
    "first_issued": 11,  # days since 1970-01-01: first issue of the certificate
}
_K = CLAIM_KEYS
_P = PRINTED_CLAIM_KEYS
Kind = Literal["presentation", "printed"]


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


class PrintedClaims(NamedTuple):
    """What the printed code says: the certificate version as printed next to it."""

    type_code: str
    issuer: str
    serial: str
    version: int
    holder_name: str
    holder_id: str
    categories: tuple[int, ...]
    valid_from_day: int
    valid_until_day: int
    issued_at: int
    status_index: int
    first_issued_day: int

    @property
    def identifier(self) -> Identifier:
        """The GB/T 36904 identifier (raises :class:`IdentifierError` for malformed parts)."""
        return Identifier(self.type_code, self.issuer, self.serial, self.version)


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


def _identifier_claim(facts: CertificateFacts) -> list[Any]:
    return [
        pack_code(facts.identifier.type_code),
        pack_code(facts.identifier.issuer_code),
        facts.identifier.serial,
        facts.identifier.version,
    ]


def _cose_sign1(claims: dict[int, Any], signer: Signer) -> str:
    """``claims`` signed as a tagged COSE_Sign1 with ``alg`` protected and the kid unprotected."""
    info = signer.public.info
    protected = cbor2.dumps({HEADER_ALG: COSE_ALGORITHMS[info.alg]})
    payload = cbor2.dumps(claims)
    signature = signer.sign(_sig_structure(protected, payload))
    message = [protected, {HEADER_KID: b64url_decode(info.kid)}, payload, signature]
    return decimal_encode(cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, message)))


def _presentation_claims(facts: CertificateFacts, now: int, lifetime: int, status: Status) -> dict[int, Any]:
    claims: dict[int, Any] = {
        _K["identifier"]: _identifier_claim(facts),
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
    return claims


def _presentation_signer(signer: Signer) -> None:
    info = signer.public.info
    if info.purpose != Purpose.PRESENTATION:
        raise PolicyViolation(f"key {info.kid} does not sign presentations")


def sign_presentation(
    facts: CertificateFacts,
    signer: Signer,
    *,
    now: int,
    lifetime: int = PRESENTATION_LIFETIME,
    status: Status = Status.VALID,
) -> str:
    """Sign a presentation of ``facts`` at ``now`` and return its payload (decimal digits)."""
    _presentation_signer(signer)
    return _cose_sign1(_presentation_claims(facts, now, lifetime, status), signer)


def sign_legacy_presentation(
    facts: CertificateFacts,
    signer: Signer,
    *,
    now: int,
    lifetime: int = PRESENTATION_LIFETIME,
    status: Status = Status.VALID,
) -> str:
    """A presentation in the first layout (untagged, kid protected, no ``alg``): for golden
    vectors and tests of the transition only."""
    _presentation_signer(signer)
    protected = cbor2.dumps({HEADER_KID: b64url_decode(signer.public.info.kid)})
    payload = cbor2.dumps(_presentation_claims(facts, now, lifetime, status))
    signature = signer.sign(_sig_structure(protected, payload))
    return decimal_encode(cbor2.dumps([protected, {}, payload, signature]))


def sign_printed(facts: CertificateFacts, signer: Signer, *, now: int) -> str:
    """Sign the printed code of ``facts`` with the issuer's certificate key: the certificate
    version as printed, verifiable offline for the whole validity, its status from the status
    list. Returns the payload (decimal digits)."""
    info = signer.public.info
    if info.purpose != Purpose.CERTIFICATE or info.issuer != facts.issuer:
        raise PolicyViolation(f"key {info.kid} does not sign certificates of {facts.issuer}")
    claims: dict[int, Any] = {
        _P["identifier"]: _identifier_claim(facts),
        _P["name"]: facts.holder_name,
        _P["id"]: pack_code(facts.holder_id),
        _P["categories"]: list(facts.categories),
        _P["valid_from"]: day_number(facts.valid_from),
        _P["valid_until"]: day_number(facts.valid_until),
        _P["iat"]: now,
        _P["status_index"]: facts.status_index,
        _P["first_issued"]: day_number(facts.first_issued),
    }
    return _cose_sign1(claims, signer)


def presentation_url(base_url: str, payload: str) -> str:
    """The QR text: ``<base_url>/v/<payload>`` (the same for a presentation and a printed code)."""
    return f"{base_url.rstrip('/')}/v/{payload}"


class DecodedCode(NamedTuple):
    """A compact code taken apart but not yet verified."""

    kind: Kind
    kid: bytes
    """The raw key id (8 bytes)."""
    alg: int | None
    """The COSE algorithm of the protected header; ``None`` in the first layout."""
    signing_input: bytes
    signature: bytes
    claims: PresentationClaims | PrintedClaims

    @property
    def legacy(self) -> bool:
        """True for the first layout (untagged, no ``alg``)."""
        return self.alg is None

    def verify_signature(self, key: PublicKey) -> None:
        """Check the COSE signature with ``key``."""
        key.verify(self.signature, self.signing_input)


def _loads(raw: bytes, what: str) -> Any:
    """One CBOR item that fills ``raw`` exactly (``cbor2.loads`` alone ignores trailing bytes)."""
    stream = io.BytesIO(raw)
    try:
        value = cbor2.CBORDecoder(stream).decode()
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError) as exc:
        raise Malformed(f"{what} is not CBOR: {exc}") from exc
    if stream.tell() != len(raw):
        raise Malformed(f"{what} have trailing bytes")
    return value


# The first layout: array(4), protected = bstr(11) holding {4: bstr(8) kid}, unprotected = {}.
_LEGACY_HEAD = bytes((0x84, 0x40 + 3 + KID_BYTES, 0xA1, HEADER_KID, 0x40 + KID_BYTES))
_LEGACY_KID_END = len(_LEGACY_HEAD) + KID_BYTES
# The layout: tag 18, array(4), protected = bstr(3) holding {1: alg}, unprotected {4: bstr(8)}.
_HEAD = bytes((0xD2, 0x84, 0x43, 0xA1, HEADER_ALG))
_ALG_AT = len(_HEAD)
_UNPROTECTED = bytes((0xA1, HEADER_KID, 0x40 + KID_BYTES))
_KID_AT = _ALG_AT + 1 + len(_UNPROTECTED)
_KID_END = _KID_AT + KID_BYTES
_SIGNATURE_HEAD = b"\x58\x40"
_LAYOUT = "presentation is not a COSE_Sign1 message with only alg protected and a key id unprotected"


def _small_int(byte: int) -> int | None:
    """The value of a one-byte CBOR integer, or ``None``."""
    if byte < 0x18:
        return byte
    if 0x20 <= byte < 0x38:
        return -1 - (byte - 0x20)
    return None


def decode_presentation(payload: str) -> DecodedCode:
    """Step 1 for a compact code: digits → COSE_Sign1 → claims, checking every field's type.

    The message frame is read by its fixed canonical layout (anything else is malformed, with the
    reason when it is a tag other than 18 or unknown critical header parameters), and only the
    claims go through the CBOR decoder."""
    if not payload:
        raise Malformed("presentation is empty")
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise Malformed("presentation is too long")
    raw = decimal_decode(payload)
    if raw.startswith(_LEGACY_HEAD) and raw[_LEGACY_KID_END : _LEGACY_KID_END + 1] == b"\xa0":
        protected, kid_at, start, alg = raw[2:_LEGACY_KID_END], len(_LEGACY_HEAD), _LEGACY_KID_END + 1, None
    elif (
        raw.startswith(_HEAD)
        and len(raw) > _KID_END
        and raw[_ALG_AT + 1 : _KID_AT] == _UNPROTECTED
        and (alg := _small_int(raw[_ALG_AT])) is not None
    ):
        protected, kid_at, start = raw[3 : _ALG_AT + 1], _KID_AT, _KID_END
    else:
        raise _explain_frame(raw)
    head, start = raw[start : start + 1], start + 1
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
    claims = _loads(body, "claims")
    parsed: PresentationClaims | PrintedClaims
    if type(claims) is dict and _P["first_issued"] in claims and alg is not None:
        kind: Kind = "printed"
        parsed = _printed_claims(claims)
    else:
        kind, parsed = "presentation", _claims(claims)
    return DecodedCode(
        kind=kind,
        kid=raw[kid_at : kid_at + KID_BYTES],
        alg=alg,
        signing_input=_sig_structure(protected, body),
        signature=tail[2:],
        claims=parsed,
    )


def _explain_frame(raw: bytes) -> Malformed:
    """Why a message is not in the layout (the slow path, only for malformed input)."""
    if raw[:1] == b"\xd8" and len(raw) > 1 and raw[1] != COSE_SIGN1_TAG:
        return Malformed(f"COSE tag {raw[1]} is not 18 (COSE_Sign1)")
    if 0xC0 <= raw[0] < 0xD8 and raw[0] != 0xD2:
        return Malformed(f"COSE tag {raw[0] - 0xC0} is not 18 (COSE_Sign1)")
    if len(raw) > 3 and raw[:2] == b"\xd2\x84" and 0x40 <= raw[2] <= 0x58:
        length = raw[2] - 0x40 if raw[2] != 0x58 else (raw[3] if len(raw) > 3 else 0)
        start = 3 if raw[2] != 0x58 else 4
        try:
            header = cbor2.loads(raw[start : start + length])
        except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError):
            header = None
        if isinstance(header, dict) and HEADER_CRIT in header:
            return Malformed(f"the protected header names critical parameters {header[HEADER_CRIT]!r}")
    return Malformed(_LAYOUT)


def _printed_claims(raw: dict[Any, Any]) -> PrintedClaims:
    """Typed claims of a printed code."""
    unknown = raw.keys() - _PRINTED_NAMES.keys()
    if unknown:
        raise Malformed(f"unknown claims {sorted(unknown, key=str)}")
    for key, name in _PRINTED_NAMES.items():
        value: Any = raw.get(key)
        kinds = _PRINTED_TYPES.get(key, (int,))
        if type(value) not in kinds:
            raise Malformed(f"claim {name} is missing or of the wrong type")
        if type(value) is int and value < 0:
            raise Malformed(f"claim {name} is negative")
    ident, categories = raw[_P["identifier"]], raw[_P["categories"]]
    if (
        len(ident) != 4
        or not all(type(part) in (str, bytes) for part in ident[:2])
        or type(ident[2]) is not str
        or type(ident[3]) is not int
        or ident[3] < 0
    ):
        raise Malformed("claim identifier must be [type code, issuer code, serial, version]")
    if not categories or any(type(c) is not int or c < 0 for c in categories):
        raise Malformed("categories must be a non-empty list of codes")
    holder_id = unpack_code(raw[_P["id"]])
    if len(holder_id) != 18 or not raw[_P["name"]]:
        raise Malformed("claims name and id must hold the holder's name and ID number")
    return PrintedClaims(
        type_code=unpack_code(ident[0]),
        issuer=unpack_code(ident[1]),
        serial=ident[2],
        version=ident[3],
        holder_name=raw[_P["name"]],
        holder_id=holder_id,
        categories=tuple(categories),
        valid_from_day=raw[_P["valid_from"]],
        valid_until_day=raw[_P["valid_until"]],
        issued_at=raw[_P["iat"]],
        status_index=raw[_P["status_index"]],
        first_issued_day=raw[_P["first_issued"]],
    )


_STATUSES = tuple(Status)
_NAMES = {key: name for name, key in CLAIM_KEYS.items()}
_PRINTED_NAMES = {key: name for name, key in PRINTED_CLAIM_KEYS.items()}
_PRINTED_TYPES: dict[int, tuple[type, ...]] = {
    _P["identifier"]: (list,),
    _P["name"]: (str,),
    _P["id"]: (str, bytes),
    _P["categories"]: (list,),
}
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
