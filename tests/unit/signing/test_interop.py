"""An independent verifier written from docs/formats.md, checked against every golden vector and
against freshly made codes.

Nothing here imports the verifying half of :mod:`signing`: the COSE_Sign1 messages are taken apart
and verified by pycose, the JWS documents (credential, key-status document, status list token) by
joserfc, the claims read with cbor2 and ``json``, and the Token Status List decoded as the IETF
draft says (zlib DEFLATE byte array, ``bits`` per entry, least significant bits first). Each
function follows one numbered step of the document's "Verifying" section and fails with the
reason code the document gives for it, so a failing test here means the document is wrong (or the
code changed without it). :mod:`signing` is used only to *make* fresh codes.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cbor2
import pytest
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry
from pycose.algorithms import EdDSA, Es256
from pycose.headers import Algorithm
from pycose.keys import EC2Key, OKPKey
from pycose.keys.curves import P256, Ed25519
from pycose.messages import Sign1Message

from signing import (
    LocalKey,
    Purpose,
    StatusList,
    sign_credential,
    sign_key_status,
    sign_presentation,
    sign_printed,
    sign_status_list,
    standard_jwks,
)
from signing._status_list import Status

from ...helpers import ISSUER, T0, facts, keys

VECTORS = Path(__file__).resolve().parents[2] / "vectors"
CASES = {path.stem: json.loads(path.read_text()) for path in sorted((VECTORS / "cases").glob("*.json"))}

# docs/formats.md, "Constants"
LEGACY_LAYOUT_UNTIL = 1_811_779_200
CLOCK_ALLOWANCE = 25
MAX_PAYLOAD_DIGITS = 1200
CST = 8 * 3600
DAY = 86400
COSE_ALG = {"EdDSA": -8, "ES256": -7}
STATUS_REASON = {1: "revoked", 2: "suspended", 3: "superseded"}
B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class Fail(Exception):
    """A verdict of failure: the reason code of the step that failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def b64url(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text) or len(text) % 4 == 1:
        raise Fail("malformed")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- the Token Status List, from the draft's text -------------------------------------------------


def decode_status_list(bits: int, lst: str) -> tuple[bytes, int]:
    """The byte array of a ``status_list`` (base64url of the zlib/DEFLATE stream) and how many
    entries it holds (8 // bits a byte)."""
    data = zlib.decompress(b64url(lst))
    return data, len(data) * 8 // bits


def status_at(data: bytes, bits: int, index: int) -> int:
    """The draft's indexing: entry ``index`` is in byte ``index * bits // 8`` at bit offset
    ``(index * bits) % 8``, counted from the least significant bit."""
    if not 0 <= index < len(data) * 8 // bits:
        raise Fail("status_out_of_bounds")
    return (data[index * bits // 8] >> (index * bits % 8)) & ((1 << bits) - 1)


def test_the_status_list_decoder_reads_the_drafts_own_examples() -> None:
    """The draft's examples: 16 one-bit entries [1,0,0,1,1,1,0,1, 1,1,0,0,0,1,0,1] and twelve
    two-bit entries [1,2,0,3,0,1,0,1,1,2,3,3]."""
    data, size = decode_status_list(1, "eNrbuRgAAhcBXQ")
    assert data == bytes([0xB9, 0xA3]) and size == 16
    assert [status_at(data, 1, i) for i in range(16)] == [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
    data, _ = decode_status_list(2, "eNo76fITAAPfAgc")
    assert [status_at(data, 2, i) for i in range(12)] == [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]


# --- trust documents -----------------------------------------------------------------------------


@dataclass
class Trust:
    """What a verifier holds: key material by kid (JWKS), our rules by kid (key-status
    document), and one status list per issuer."""

    material: dict[str, dict[str, Any]]
    rules: dict[str, dict[str, Any]]
    lists: dict[str, dict[str, Any]] = field(default_factory=dict)


def signs_at(rule: dict[str, Any], when: int) -> bool:
    return bool(rule["not_before"] <= when and (rule.get("not_after") is None or when < rule["not_after"]))


def jws_verify(token: str, jwk: dict[str, Any], alg: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """joserfc's check of a compact JWS with one key and its one algorithm: (header, claims)."""
    try:
        signed = jws.deserialize_compact(token, JWKRegistry.import_key(dict(jwk)), algorithms=[alg])
    except (JoseError, ValueError) as exc:
        raise Fail("bad_signature") from exc
    claims = json.loads(signed.payload)
    if not isinstance(claims, dict):
        raise Fail("malformed")
    return signed.headers(), claims


def load_trust(jwks: dict[str, Any], key_status: str) -> Trust:
    """ "Trusting the key-status document": its signing key from the JWKS, verified, and listed in
    the document itself for purpose ``keys``, uncompromised, ``iat`` inside its window."""
    material = {jwk["kid"]: jwk for jwk in jwks["keys"]}
    header = json.loads(b64url(key_status.split(".")[0]))
    assert header["typ"] == "vnd.rtcert.key-status+jwt"
    signer = material[header["kid"]]
    _, claims = jws_verify(key_status, signer, signer["alg"])
    rules = {entry["kid"]: entry for entry in claims["keys"]}
    own = rules[header["kid"]]
    assert own["purpose"] == "keys" and own.get("compromised_at") is None and signs_at(own, claims["iat"])
    return Trust(material, rules)


def key_for(trust: Trust, kid: str, purpose: str) -> dict[str, Any]:
    """Step 2."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{11}", kid):
        raise Fail("malformed")
    rule = trust.rules.get(kid)
    if rule is None:
        raise Fail("unknown_key")
    if kid not in trust.material:  # listed but not published: withdrawn
        raise Fail("key_compromised" if rule.get("compromised_at") is not None else "key_outside_window")
    if rule["purpose"] != purpose:
        raise Fail("wrong_key_purpose")
    if rule.get("compromised_at") is not None:
        raise Fail("key_compromised")
    return {**trust.material[kid], **rule}


def jws_steps(trust: Trust, token: str, typ: str, purpose: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Steps 1-3 of a JWS: header ``typ``, key by ``kid``, ``alg`` is the key's, signature."""
    try:
        header = json.loads(b64url(token.split(".")[0]))
    except ValueError as exc:
        raise Fail("malformed") from exc
    if not isinstance(header, dict) or header.get("typ") != typ:
        raise Fail("malformed")
    key = key_for(trust, header.get("kid"), purpose)  # type: ignore[arg-type]
    if header.get("alg") != key["alg"]:
        raise Fail("bad_signature")
    _, claims = jws_verify(token, key, key["alg"])
    return claims, key


def add_status_list(trust: Trust, token: str) -> None:
    """ "Status lists": a ``statuslist+jwt`` signed by a certificate key of its issuer."""
    claims, key = jws_steps(trust, token, "statuslist+jwt", "certificate")
    assert key["issuer"] == claims["iss"] and signs_at(key, claims["iat"])
    bits = claims["status_list"]["bits"]
    data, _ = decode_status_list(bits, claims["status_list"]["lst"])
    trust.lists[claims["iss"]] = {"iat": claims["iat"], "bits": bits, "data": data}


# --- claims ----------------------------------------------------------------------------------------


def unpack(code: bytes | str) -> str:
    """An 18-character code: text as is, or 12 bytes = a big-endian number in base 36."""
    if isinstance(code, str):
        return code
    if len(code) != 12:
        raise Fail("malformed")
    number, chars = int.from_bytes(code, "big"), ""
    for _ in range(18):
        number, digit = divmod(number, 36)
        chars = B36[digit] + chars
    if number:
        raise Fail("malformed")
    return chars


def check_character(text: str) -> str:
    """ISO 7064 MOD 37,36 over 0-9A-Z."""
    p = 36
    for char in text:
        s = (p + B36.index(char)) % 36 or 36
        p = s * 2 % 37
    return B36[(37 - p) % 36]


def identifier(parts: list[Any]) -> str:
    type_code, issuer, serial, version = unpack(parts[0]), unpack(parts[1]), parts[2], parts[3]
    body = f"{type_code}{issuer}{serial}{version:03d}"
    return f"1.2.156.3005.2.{type_code}.{issuer}.{serial}.{version:03d}.{check_character(body)}"


def is_count(value: Any) -> bool:
    return type(value) is int and value >= 0


PRESENTATION_KEYS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
PRINTED_KEYS = {1, 2, 3, 4, 5, 6, 7, 9, 11}


def check_claims(claims: Any, printed: bool) -> None:
    """The claim tables: keys, and each value's type."""
    if not isinstance(claims, dict):
        raise Fail("malformed")
    required = PRINTED_KEYS if printed else PRESENTATION_KEYS - {10}
    if not required <= claims.keys() <= (PRINTED_KEYS if printed else PRESENTATION_KEYS):
        raise Fail("malformed")
    ident = claims[1]
    if (
        not isinstance(ident, list)
        or len(ident) != 4
        or not all(type(p) in (str, bytes) for p in ident[:2])
        or type(ident[2]) is not str
        or not is_count(ident[3])
    ):
        raise Fail("malformed")
    if type(claims[2]) is not str or not isinstance(claims[4], list) or not claims[4]:
        raise Fail("malformed")
    numbers = [claims[k] for k in (5, 6, 7, 9, 11 if printed else 8)] + list(claims[4])
    if not all(is_count(n) for n in numbers):
        raise Fail("malformed")
    if printed:
        if type(claims[3]) not in (str, bytes) or len(unpack(claims[3])) != 18 or not claims[2]:
            raise Fail("malformed")
    elif type(claims[3]) is not str or len(claims[3]) != 8 or claims.get(10, 0) not in (0, 1, 2, 3):
        raise Fail("malformed")


# --- the steps ---------------------------------------------------------------------------------------


def cose_key(jwk: dict[str, Any]) -> OKPKey | EC2Key:
    if jwk["kty"] == "OKP":
        return OKPKey(crv=Ed25519, x=b64url(jwk["x"]))
    return EC2Key(crv=P256, x=b64url(jwk["x"]), y=b64url(jwk["y"]))


def extract(text: str) -> tuple[str, str]:
    """Step 1a: a link, a bare compact payload or a JWT."""
    text = text.strip()
    if not text:
        raise Fail("malformed")
    if "://" in text:
        if not text.lower().startswith(("https://", "http://")):
            raise Fail("malformed")
        path = text.split("://", 1)[1].split("?", 1)[0].split("#", 1)[0]
        _, sep, payload = path.partition("/v/")
        if not sep or "/" in payload:
            raise Fail("malformed")
        return "code", payload
    if text.startswith("eyJ") and text.count(".") == 2:
        return "credential", text
    return "code", text


def decode_code(payload: str) -> tuple[Sign1Message, bool, bytes, dict[Any, Any]]:
    """Step 1 for a compact code: digits → bytes → COSE_Sign1 (pycose) → claims."""
    if not re.fullmatch(r"[1-9][0-9]*", payload) or len(payload) > MAX_PAYLOAD_DIGITS:
        raise Fail("malformed")
    number = int(payload)
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    try:
        item = cbor2.loads(raw)
    except Exception as exc:  # not CBOR
        raise Fail("malformed") from exc
    legacy = not isinstance(item, cbor2.CBORTag)
    array = item if legacy else item.value
    if not legacy and item.tag != 18:
        raise Fail("malformed")
    if (
        not isinstance(array, list | tuple)
        or len(array) != 4
        or not all(type(array[i]) is bytes for i in (0, 2, 3))
    ):
        raise Fail("malformed")
    protected, unprotected, body, signature = array
    # One exact frame: re-encoding it gives the same bytes (no trailing bytes, shortest lengths).
    frame = [protected, dict(unprotected), body, signature]
    if cbor2.dumps(frame if legacy else cbor2.CBORTag(18, frame)) != raw or len(signature) != 64:
        raise Fail("malformed")
    header = cbor2.loads(protected)
    kid_bytes = header.get(4) if legacy else dict(unprotected).get(4)
    if legacy:
        if set(header) != {4} or dict(unprotected) != {}:
            raise Fail("malformed")
    elif set(header) != {1} or type(header[1]) is not int or set(dict(unprotected)) != {4}:
        raise Fail("malformed")
    if type(kid_bytes) is not bytes or len(kid_bytes) != 8:
        raise Fail("malformed")
    try:
        claims = cbor2.loads(body)
    except Exception as exc:  # claims are not CBOR
        raise Fail("malformed") from exc
    printed = not legacy and isinstance(claims, dict) and 11 in claims
    check_claims(claims, printed)
    # pycose takes the message as sent (cbor2 6 hands pycose a tuple: give it the array untagged)
    message = Sign1Message.from_cose_obj(list(cbor2.loads(raw if legacy else raw[1:])), True)
    return message, legacy, kid_bytes, claims


def check_time_and_status(
    trust: Trust, *, issuer: str, index: int, when_signed: int, iat: int, valid: tuple[int, int], now: int
) -> str:
    """Steps 5 (certificate validity) and 6."""
    today = (now + CST) // DAY
    if today < valid[0]:
        raise Fail("not_yet_valid")
    if today > valid[1]:
        raise Fail("expired")
    status_list = trust.lists.get(issuer)
    if status_list is None:
        if when_signed:
            raise Fail(STATUS_REASON[when_signed])
        return "unchecked"
    listed = status_at(status_list["data"], status_list["bits"], index)
    status = when_signed if iat > status_list["iat"] else listed
    if status:
        raise Fail(STATUS_REASON[status])
    return "valid"


def verify_code(trust: Trust, payload: str, now: int) -> dict[str, Any]:
    message, legacy, kid_bytes, claims = decode_code(payload)  # 1
    if legacy and now >= LEGACY_LAYOUT_UNTIL:
        raise Fail("retired_layout")
    printed = 11 in claims
    kid = base64.urlsafe_b64encode(kid_bytes).rstrip(b"=").decode()
    key = key_for(trust, kid, "certificate" if printed else "presentation")  # 2
    if not legacy:  # 3
        alg = cbor2.loads(message.phdr_encoded)[1]
        if alg != COSE_ALG[key["alg"]]:
            raise Fail("bad_signature")
    if legacy:  # no alg in the first layout: the key's own, unprotected (not part of the signed bytes)
        message.uhdr = {**message.uhdr, Algorithm: EdDSA if key["alg"] == "EdDSA" else Es256}
    message.key = cose_key(key)
    try:
        good = message.verify_signature()
    except Exception:  # noqa: BLE001 - pycose refuses the signature
        good = False
    if not good:
        raise Fail("bad_signature")
    iat = claims[7]
    if not signs_at(key, iat):  # 4
        raise Fail("key_outside_window")
    if iat > now + CLOCK_ALLOWANCE:  # 5
        raise Fail("clock_skew")
    if not printed and now > iat + claims[8] + CLOCK_ALLOWANCE:
        raise Fail("stale_presentation")
    issuer = unpack(claims[1][1])
    status = check_time_and_status(  # 5, 6
        trust,
        issuer=issuer,
        index=claims[9],
        when_signed=0 if printed else claims.get(10, 0),
        iat=iat,
        valid=(claims[5], claims[6]),
        now=now,
    )
    if printed and key.get("issuer") != issuer:  # 7
        raise Fail("policy")
    holder_id = unpack(claims[3]) if printed else claims[3][:4] + "*" * 10 + claims[3][4:]
    return {
        "valid": True,
        "kind": "printed" if printed else "presentation",
        "kid": kid,
        "identifier": identifier(claims[1]),
        "issuer": issuer,
        "holder": {"name": claims[2], "id": holder_id},
        "status": status,
    }


def day(text: Any) -> int:
    if type(text) is not str or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise Fail("malformed")
    return (dt.date.fromisoformat(text) - dt.date(1970, 1, 1)).days


def verify_credential(trust: Trust, token: str, now: int) -> dict[str, Any]:
    claims, key = jws_steps(trust, token, "vnd.rtcert.cert+jwt", "certificate")  # 1-3
    required = {"iss", "sub", "jti", "iat", "nbf", "exp", "status", "cert"}
    if not required <= claims.keys():
        raise Fail("malformed")
    try:
        cert = claims["cert"]
        index = claims["status"]["status_list"]["idx"]
        parts = claims["jti"].split(".")
        valid = (day(cert["valid_from"]), day(cert["valid_until"]))
        day(cert["first_issued"]), day(cert["issued"])
    except (KeyError, TypeError, AttributeError) as exc:
        raise Fail("malformed") from exc
    if (
        len(parts) != 10
        or ".".join(parts[:5]) != "1.2.156.3005.2"
        or identifier([parts[5], parts[6], parts[7], int(parts[8])]) != claims["jti"]
        or parts[6] != claims["iss"]
        or not is_count(index)
        or type(claims["iat"]) is not int
    ):
        raise Fail("malformed")
    if not signs_at(key, claims["iat"]):  # 4
        raise Fail("key_outside_window")
    status = check_time_and_status(  # 5, 6
        trust, issuer=claims["iss"], index=index, when_signed=0, iat=claims["iat"], valid=valid, now=now
    )
    if key.get("issuer") != claims["iss"]:  # 7
        raise Fail("policy")
    return {
        "valid": True,
        "kind": "credential",
        "kid": key["kid"],
        "identifier": claims["jti"],
        "issuer": claims["iss"],
        "holder": {"name": cert["holder"], "id": cert["holder_id"]},
        "status": status,
    }


def verify(trust: Trust, text: str, now: int) -> dict[str, Any]:
    """The verdict: ``{"valid": True, ...}`` or ``{"valid": False, "reason": ...}``."""
    try:
        if len(text) > 16384:
            raise Fail("malformed")
        kind, body = extract(text)
        return verify_credential(trust, body, now) if kind == "credential" else verify_code(trust, body, now)
    except Fail as failure:
        return {"valid": False, "reason": failure.reason}


# --- the golden vectors ------------------------------------------------------------------------------


def vector_trust() -> Trust:
    trust = load_trust(
        json.loads((VECTORS / "jwks.json").read_text()), (VECTORS / "key-status.jwt").read_text().strip()
    )
    for token in (VECTORS / "status.txt").read_text().split():
        add_status_list(trust, token)
    return trust


TRUST = vector_trust()


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_independent_verifier_gives_each_golden_vectors_verdict(name: str) -> None:
    case = CASES[name]
    verdict = verify(TRUST, case["input"], case["at"])
    assert verdict["valid"] == case["expect"]["valid"], verdict
    if not verdict["valid"]:
        assert verdict["reason"] == case["expect"]["reason"]


@pytest.mark.parametrize(
    ("name", "kind", "holder"),
    [
        ("cose-valid-presentation", "presentation", {"name": "张*明", "id": "3701**********1238"}),
        ("printed-valid", "printed", {"name": "张三明", "id": "370102199003071238"}),
        ("valid-credential", "credential", {"name": "张三明", "id": "370102199003071238"}),
        ("legacy-layout-before-cutoff", "presentation", {"name": "张*明", "id": "3701**********1238"}),
    ],
)
def test_the_worked_examples_of_the_document(name: str, kind: str, holder: dict[str, str]) -> None:
    verdict = verify(TRUST, CASES[name]["input"], CASES[name]["at"])
    assert verdict == {
        "valid": True,
        "kind": kind,
        "kid": "Zu8tfrKd4mQ" if kind != "presentation" else "jBRcLmglXdM",
        "identifier": "1.2.156.3005.2.11100000000000000D.11370100MB00000007.00012345.001.3",
        "issuer": ISSUER,
        "holder": holder,
        "status": "valid",
    }


# --- fresh codes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["EdDSA", "ES256"])
def test_the_independent_verifier_accepts_fresh_codes_and_reads_their_status(alg: str) -> None:
    cert, pres = keys(alg)
    authority = LocalKey.generate("EdDSA", Purpose.KEYS, not_before=T0 - 3600)
    publics = [cert.public, pres.public, authority.public]
    trust = load_trust(
        standard_jwks(publics, now=T0), sign_key_status([k.info for k in publics], authority, now=T0)
    )
    statuses = StatusList(size=1 << 17)
    for index, status in ((7, Status.REVOKED), (8, Status.SUSPENDED), (9, Status.SUPERSEDED)):
        statuses.set(index, status)
    uri = f"https://rtc.example.cn/status/{ISSUER}"
    add_status_list(trust, sign_status_list(statuses, issuer=ISSUER, uri=uri, signer=cert, now=T0))
    now = T0 + 30
    for index, expected in ((5, None), (7, "revoked"), (8, "suspended"), (9, "superseded"), (1 << 17, None)):
        made = facts(status_index=index)
        codes = [
            f"https://rtc.example.cn/v/{sign_presentation(made, pres, now=T0)}",
            sign_printed(made, cert, now=T0),
            sign_credential(made, cert, status_uri=uri, now=T0),
        ]
        for code in codes:
            verdict = verify(trust, code, now)
            if index == 1 << 17:
                assert verdict == {"valid": False, "reason": "status_out_of_bounds"}
            elif expected is None:
                assert verdict["valid"] and verdict["status"] == "valid", verdict
            else:
                assert verdict == {"valid": False, "reason": expected}
    fresh = sign_presentation(facts(), pres, now=T0)
    assert verify(trust, fresh, T0 + 60 + CLOCK_ALLOWANCE)["valid"]
    assert verify(trust, fresh, T0 + 61 + CLOCK_ALLOWANCE) == {"valid": False, "reason": "stale_presentation"}
    assert verify(trust, fresh, T0 - CLOCK_ALLOWANCE)["valid"]
    assert verify(trust, fresh, T0 - CLOCK_ALLOWANCE - 1) == {"valid": False, "reason": "clock_skew"}
