"""The certificate credential JWT: claims, required members, issuer binding."""

from __future__ import annotations

import json

import jwt
import pytest

from signing import KeySet, Verifier, sign_credential
from signing.errors import Malformed, PolicyViolation

from ...helpers import ISSUER, T0, b64url_decode, facts, keys


def test_claims_carry_the_core_metadata() -> None:
    cert, pres = keys()
    token = sign_credential(facts(), cert, status_uri="https://x/status/1", now=T0)
    verified = Verifier(KeySet([cert.public, pres.public])).verify(token, at=T0)
    data = verified.to_json()
    assert data["kind"] == "credential" and data["issuer"] == ISSUER
    assert data["holder"]["name"] == "张三明" and data["issuer_name"] == "济南市交通运输局"
    assert data["masked"] == {"name": "张*明", "id": "3701**********" + facts().holder_id[-4:]}
    assert data["valid_until"] == "2032-10-31"


@pytest.mark.parametrize("missing", ["iss", "sub", "jti", "iat", "nbf", "exp", "status", "cert"])
def test_required_claims(missing: str) -> None:
    cert, _ = keys()
    token = sign_credential(facts(), cert, status_uri="u", now=T0)
    claims = json.loads(b64url_decode(token.split(".")[1]))
    del claims[missing]
    header = {"kid": cert.info.kid, "typ": "vnd.rtcert.cert+jwt"}
    token = jwt.encode(claims, cert.private, algorithm=cert.info.alg, headers=header)
    with pytest.raises(Malformed, match=missing):
        Verifier(KeySet([cert.public])).verify(token, at=T0)


def test_only_the_issuers_key_signs() -> None:
    _, pres = keys()
    with pytest.raises(PolicyViolation):
        sign_credential(facts(), pres, status_uri="u", now=T0)
    with pytest.raises(PolicyViolation):
        sign_credential(facts(issuer="11370200MB0000000C"), keys()[0], status_uri="u", now=T0)


def test_header_and_claims_are_compact_utf8_json() -> None:
    """The wire format the verifiers and the golden vectors read: no spaces, names as UTF-8."""
    cert, _ = keys()
    token = sign_credential(facts(), cert, status_uri="https://x/status/1", now=T0)
    header_part, claims_part, _ = token.split(".")
    for part in (header_part, claims_part):
        text = b64url_decode(part).decode("utf-8")
        assert text == json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
    assert json.loads(b64url_decode(header_part)) == {
        "alg": "EdDSA",
        "kid": cert.info.kid,
        "typ": "vnd.rtcert.cert+jwt",
    }
    assert '"holder":"张三明"' in b64url_decode(claims_part).decode("utf-8")
    again = sign_credential(facts(), cert, status_uri="https://x/status/1", now=T0)
    assert again == token  # Ed25519 signatures are deterministic: same facts, same bytes


def test_an_integral_float_is_the_integer_as_in_the_browser() -> None:
    """JSON has one kind of number: the browser verifier reads ``"iat": 1.5e16`` as an integer, so
    the library does too (found by the browser/library parity fuzz test)."""
    cert, _ = keys()
    token = sign_credential(facts(), cert, status_uri="u", now=T0)
    claims = json.loads(b64url_decode(token.split(".")[1]))
    claims["iat"] = float(claims["iat"])
    header = {"kid": cert.info.kid, "typ": "vnd.rtcert.cert+jwt"}
    token = jwt.encode(claims, cert.private, algorithm=cert.info.alg, headers=header)
    assert f'"iat":{float(T0)}' in b64url_decode(token.split(".")[1]).decode()
    verified = Verifier(KeySet([cert.public])).verify(token, at=T0)
    assert verified.signed_at == T0 and type(verified.signed_at) is int
    claims["iat"] = T0 + 0.5
    token = jwt.encode(claims, cert.private, algorithm=cert.info.alg, headers=header)
    with pytest.raises(Malformed):
        Verifier(KeySet([cert.public])).verify(token, at=T0)
