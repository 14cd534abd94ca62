"""Standard libraries, given only what the service publishes (the JWKS documents, never our
key-status rules), reject every golden vector that our verifiers reject for a key reason, and
accept the valid ones (so the rejections are not for some other cause).

joserfc verifies the JWT credentials, picking the JWKS the way an OpenID-style client does: the
credential's ``iss`` names the issuer, whose certificate keys are published on their own
(``keys/<credit code>.json``, named in issuers.json). pycose verifies the presentations with the
presentation keys' JWKS (``keys/presentation.json``), or with the all-keys ``jwks.json``.

The compact codes are tagged COSE_Sign1 messages with ``alg`` protected and the kid unprotected,
which pycose decodes and verifies as sent (but for one cbor2 6 detail, see :func:`_sign1`). The
first layout (untagged, kid protected, no ``alg``), still accepted until the cutoff, is not
standard: for it the test puts the key's ``alg`` in the *unprotected* header, which leaves the
signed bytes (the Sig_structure covers only the protected header and the payload) exactly as they
are. Printed codes are signed by the issuer's certificate keys, so they are checked with the
issuer's own JWKS, the issuer read from the code's claims.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import cbor2
import pytest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet as JoseKeySet
from pycose.algorithms import EdDSA, Es256
from pycose.headers import KID, Algorithm
from pycose.keys import EC2Key, OKPKey
from pycose.keys.curves import P256, Ed25519
from pycose.messages import Sign1Message

from ...helpers import decimal_decode

# joserfc warns that the polymorphic "EdDSA" is deprecated by RFC 9864 (in favour of "Ed25519"):
# the credential's header names "EdDSA", which every JOSE library still accepts.
VECTORS = Path(__file__).resolve().parents[2] / "vectors"
KEY_REASONS = {"unknown_key", "wrong_key_purpose", "key_compromised", "key_outside_window", "policy"}
CASES = {path.stem: json.loads(path.read_text()) for path in sorted((VECTORS / "cases").glob("*.json"))}


def published(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((VECTORS / name).read_text())
    return document


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def kind(case: dict[str, Any]) -> str:
    text = case["input"]
    if text.startswith("eyJ") and text.count(".") == 2:
        return "credential"
    return "printed" if _printed_issuer(text) else "presentation"


def _unpack(code: bytes | str) -> str:
    """An issuer code as the claims carry it (text, or 18 base-36 characters packed in 12 bytes)."""
    if isinstance(code, str):
        return code
    number, chars = int.from_bytes(code, "big"), ""
    for _ in range(18):
        number, digit = divmod(number, 36)
        chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[digit] + chars
    return chars


def _printed_issuer(payload: str) -> str | None:
    """The issuer named in a printed code's claims (claim 11: first issued), else None."""
    try:
        message = cbor2.loads(decimal_decode(payload.rsplit("/v/", 1)[-1]))
        message = message.value if isinstance(message, cbor2.CBORTag) else message
        claims = cbor2.loads(message[2])
        return _unpack(claims[1][1]) if isinstance(claims, dict) and 11 in claims else None
    except Exception:  # noqa: BLE001 - not a readable printed code
        return None


def joserfc_accepts(token: str) -> bool:
    """A standard JWT check: the issuer's published JWKS, the key chosen by ``kid``, the
    algorithm fixed to what the service uses; ``exp``/``nbf`` are the certificate's validity,
    which is not what is tested here (the vectors' times are their own)."""
    issuer = json.loads(_b64(token.split(".")[1]))["iss"]
    path = VECTORS / "keys" / f"{issuer}.json"
    if not path.exists():
        return False
    keys = JoseKeySet.import_key_set(json.loads(path.read_text()))
    try:
        jwt.decode(token, keys, algorithms=["EdDSA", "ES256"])
    except (JoseError, ValueError):
        return False
    return True


def _cose_key(jwk: dict[str, Any]) -> OKPKey | EC2Key:
    if jwk["kty"] == "OKP":
        return OKPKey(crv=Ed25519, x=_b64(jwk["x"]))
    return EC2Key(crv=P256, x=_b64(jwk["x"]), y=_b64(jwk["y"]))


def _sign1(raw: bytes) -> Sign1Message:
    """pycose's own decoding of a compact code. A tagged message is pycose's as sent, but
    Sign1Message.decode cannot be used: pycose 1.1.0 reads the tag's content with cbor2 itself,
    which since cbor2 6 hands back a tuple and an immutable map, so pycose gets the array as cbor2
    decodes it untagged (the tag is one byte). The first layout gets the key's ``alg`` unprotected
    (see the module docstring)."""
    message = cbor2.loads(raw)
    if isinstance(message, cbor2.CBORTag):
        if message.tag != 18:
            raise ValueError("not a COSE_Sign1")
        return Sign1Message.from_cose_obj(cbor2.loads(raw[1:]), True)
    if not isinstance(message, list) or len(message) != 4:
        raise ValueError("not a COSE_Sign1")
    return Sign1Message.from_cose_obj(list(message), True)


def pycose_accepts(payload: str, jwks: dict[str, Any]) -> bool:
    """A standard COSE_Sign1 check with the key whose JWK ``kid`` is the COSE kid (8 bytes,
    base64url)."""
    try:
        decoded = _sign1(decimal_decode(payload.rsplit("/v/", 1)[-1]))
        kid = decoded.uhdr.get(KID, decoded.phdr.get(KID))
        jwk = next((k for k in jwks["keys"] if _b64(k["kid"]) == kid), None)
        if jwk is None:
            return False
        if Algorithm not in decoded.phdr:  # the first layout
            decoded.uhdr = {**decoded.uhdr, Algorithm: EdDSA if jwk["alg"] == "EdDSA" else Es256}
        decoded.key = _cose_key(jwk)
        return bool(decoded.verify_signature())
    except Exception:  # noqa: BLE001 - any failure of the standard library is a rejection
        return False


def code_jwks(case: dict[str, Any]) -> dict[str, Any]:
    """The per-use JWKS a standard verifier uses for a compact code: the presentation keys, or
    the certificate keys of the issuer a printed code names."""
    issuer = _printed_issuer(case["input"])
    name = f"keys/{issuer}.json" if issuer else "keys/presentation.json"
    if not (VECTORS / name).exists():
        return {"keys": []}
    return published(name)


def test_the_published_jwks_holds_key_material_only() -> None:
    for name in ("jwks.json", "keys/presentation.json", "keys/11370100MB00000007.json"):
        for jwk in published(name)["keys"]:
            assert set(jwk) <= {"kty", "crv", "x", "y", "kid", "alg", "use"}, name


def test_the_valid_vectors_are_accepted_by_standard_libraries() -> None:
    """The control: the same checks accept every valid vector, so a rejection below is for the key."""
    for name, case in CASES.items():
        if not case["expect"]["valid"]:
            continue
        if kind(case) == "credential":
            assert joserfc_accepts(case["input"]), name
        else:
            assert pycose_accepts(case["input"], code_jwks(case)), name
            assert pycose_accepts(case["input"], published("jwks.json")), name


# A retired certificate key stays published while what it signed may still be valid, so only the
# key's window in the key-status document refuses a code it signed after retiring (test below).
OURS_ONLY = {"printed-key-ended-before-issue"}
KEY_CASES = sorted(
    name
    for name, case in CASES.items()
    if case["expect"].get("reason") in KEY_REASONS and name not in OURS_ONLY
)


def test_there_is_a_vector_for_each_key_reason() -> None:
    assert {CASES[name]["expect"]["reason"] for name in KEY_CASES} == KEY_REASONS


@pytest.mark.parametrize("name", KEY_CASES)
def test_standard_libraries_reject_what_we_reject_for_a_key_reason(name: str) -> None:
    case = CASES[name]
    if kind(case) == "credential":
        assert not joserfc_accepts(case["input"])
    else:
        assert not pycose_accepts(case["input"], code_jwks(case))


BAD_SIGNATURES = sorted(n for n, c in CASES.items() if c["expect"].get("reason") == "bad_signature")


@pytest.mark.parametrize("name", BAD_SIGNATURES)
def test_standard_libraries_reject_bad_signatures_too(name: str) -> None:
    """Another control: the same checks do look at the signature (alg none, HS256 with the
    public key as the secret, a flipped byte)."""
    case = CASES[name]
    if kind(case) == "credential":
        assert not joserfc_accepts(case["input"])
    else:
        assert not pycose_accepts(case["input"], published("jwks.json"))


@pytest.mark.parametrize("name", ["compromised-key", "key-before-window", "retired-key", "unknown-kid"])
def test_even_the_all_keys_jwks_cannot_accept_a_withdrawn_key(name: str) -> None:
    """jwks.json (every use together) holds no compromised, not-yet-valid or long-retired key."""
    assert not pycose_accepts(CASES[name]["input"], published("jwks.json"))


def test_the_all_keys_jwks_cannot_tell_a_keys_purpose() -> None:
    """Why the per-use documents exist: with every use in one JWKS, a standard library accepts a
    presentation signed by a certificate key (our verifiers say wrong_key_purpose)."""
    assert pycose_accepts(CASES["wrong-purpose"]["input"], published("jwks.json"))


def test_a_standard_library_cannot_tell_a_retired_keys_window() -> None:
    """Why the key-status document exists: the issuer's JWKS still holds its retired certificate
    key (printed codes it signed before retiring stay valid), so a standard library accepts a code
    that key signed after its window ended (our verifiers say key_outside_window)."""
    case = CASES["printed-key-ended-before-issue"]
    assert case["expect"]["reason"] == "key_outside_window"
    assert pycose_accepts(case["input"], code_jwks(case))
