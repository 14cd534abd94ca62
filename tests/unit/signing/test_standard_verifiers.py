"""Standard libraries, given only what the service publishes (the JWKS documents, never our
key-status rules), reject every golden vector that our verifiers reject for a key reason, and
accept the valid ones (so the rejections are not for some other cause).

joserfc verifies the JWT credentials, picking the JWKS the way an OpenID-style client does: the
credential's ``iss`` names the issuer, whose certificate keys are published on their own
(``keys/<credit code>.json``, named in issuers.json). pycose verifies the presentations with the
presentation keys' JWKS (``keys/presentation.json``), or with the all-keys ``jwks.json``.

Until the presentation is a tagged COSE_Sign1 with ``alg`` in its protected header (issue 12 item
2), pycose cannot take it as sent: the test puts the key's ``alg`` in the *unprotected* header,
which leaves the signed bytes (the Sig_structure covers only the protected header and the
payload) exactly as they are, and hands pycose the decoded array.
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
from pycose.keys import EC2Key, OKPKey
from pycose.keys.curves import P256, Ed25519
from pycose.messages import Sign1Message

from ...helpers import decimal_decode

# joserfc warns that the polymorphic "EdDSA" is deprecated by RFC 9864 (in favour of "Ed25519"):
# the credential's header names "EdDSA", which every JOSE library still accepts.
pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
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
    return "credential" if text.startswith("eyJ") and text.count(".") == 2 else "presentation"


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


def pycose_accepts(payload: str, jwks: dict[str, Any]) -> bool:
    """A standard COSE_Sign1 check with the key whose JWK ``kid`` is the COSE kid (8 bytes,
    base64url), using that key's published ``alg``."""
    try:
        raw = decimal_decode(payload.rsplit("/v/", 1)[-1])
        message = cbor2.loads(raw)
        if not isinstance(message, list) or len(message) != 4:
            return False
        kid = cbor2.loads(message[0]).get(4)
        jwk = next((k for k in jwks["keys"] if _b64(k["kid"]) == kid), None)
        if jwk is None:
            return False
        message[1] = {1: -8 if jwk["alg"] == "EdDSA" else -7}  # alg, unprotected (see the docstring)
        # pycose's own decode step after the outer CBOR: Sign1Message.decode cannot be used even on
        # a tagged message, as pycose 1.1.0 expects a list where cbor2 6 gives a tagged tuple.
        decoded = Sign1Message.from_cose_obj(list(message), allow_unknown_attributes=True)
        decoded.key = _cose_key(jwk)
        return bool(decoded.verify_signature())
    except Exception:  # noqa: BLE001 - any failure of the standard library is a rejection
        return False


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
            assert pycose_accepts(case["input"], published("keys/presentation.json")), name
            assert pycose_accepts(case["input"], published("jwks.json")), name


KEY_CASES = sorted(name for name, case in CASES.items() if case["expect"].get("reason") in KEY_REASONS)


def test_there_is_a_vector_for_each_key_reason() -> None:
    assert {CASES[name]["expect"]["reason"] for name in KEY_CASES} == KEY_REASONS


@pytest.mark.parametrize("name", KEY_CASES)
def test_standard_libraries_reject_what_we_reject_for_a_key_reason(name: str) -> None:
    case = CASES[name]
    if kind(case) == "credential":
        assert not joserfc_accepts(case["input"])
    else:
        assert not pycose_accepts(case["input"], published("keys/presentation.json"))


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
