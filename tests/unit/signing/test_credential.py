"""The certificate credential JWT: claims, required members, issuer binding."""

from __future__ import annotations

import json
from collections.abc import Callable

import jwt
import pytest

from signing import KeySet, Verifier, id_check_char, sign_credential
from signing._encoding import b64url_encode
from signing.errors import BadSignature, Expired, Malformed, PolicyViolation

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


def _resigned(
    edit: Callable[[str], str], *, header_edit: Callable[[str], str] = lambda h: h
) -> tuple[str, KeySet]:
    """A credential whose header and claims JSON text were edited, signed again by the issuer."""
    cert, _ = keys()
    token = sign_credential(facts(), cert, status_uri="u", now=T0)
    header, claims = (b64url_decode(part).decode() for part in token.split(".")[:2])
    head = (
        b64url_encode(header_edit(header).encode("utf-8")) + "." + b64url_encode(edit(claims).encode("utf-8"))
    )
    return f"{head}.{b64url_encode(cert.sign(head.encode('ascii')))}", KeySet([cert.public])


@pytest.mark.parametrize(
    "edit",
    [
        lambda c: c.replace(f'"nbf":{json.loads(c)["nbf"]}', '"nbf":NaN'),  # not JSON; JSON.parse refuses
        lambda c: c.replace(f'"exp":{json.loads(c)["exp"]}', '"exp":-Infinity'),
        lambda c: c.replace(f'"iat":{T0}', '"iat":1' + "0" * 400),  # Infinity to the browser: no integer
        lambda c: c.replace('"idx":', '"idx":1' + "0" * 400 + ',"x":'),
        lambda c: "\ufeff" + c,  # a byte order mark: not JSON to the browser
        lambda c: c.replace('"valid_from":"2026-', '"valid_from":"2026-02-30","x":"'),  # no such day
        lambda c: c.replace('"issued":"', '"issued":"20261101","x":"'),  # ISO basic format: not signed so
        lambda c: c.replace('"first_issued":"', '"first_issued":"2026-W44-1","x":"'),
        lambda c: c.replace('"holder":"张三明"', '"holder":"\\u001c"'),  # blank to Python's str.strip
    ],
)
def test_the_library_reads_claims_as_the_browser_verifier_does(edit: Callable[[str], str]) -> None:
    """Found by the parity fuzz test: each of these was valid to one verifier and malformed to the
    other (or another reason); both now say malformed."""
    token, keyset = _resigned(edit)
    with pytest.raises(Malformed):
        Verifier(keyset).verify(token, at=T0)


def test_a_number_past_a_double_in_a_header_or_an_ignored_claim() -> None:
    """1e400 is JSON (Infinity to the browser) and may sit where nothing reads it; NaN may not."""
    token, keyset = _resigned(lambda c: c.replace('"iss":', '"note":1e400,"iss":'))
    assert Verifier(keyset).verify(token, at=T0).kind == "credential"
    token, keyset = _resigned(lambda c: c, header_edit=lambda h: h.replace("{", '{"x":Infinity,', 1))
    with pytest.raises(Malformed, match="not a JWT"):
        Verifier(keyset).verify(token, at=T0)


@pytest.mark.parametrize("birth", ["19900230", "18991231", "20991231"])
def test_a_holder_id_with_an_impossible_birth_date_is_malformed(birth: str) -> None:
    """The browser verifier checked only the ID number's shape and check character."""
    first17 = "370102" + birth + "123"
    holder_id = facts().holder_id
    token, keyset = _resigned(lambda c: c.replace(holder_id, first17 + id_check_char(first17)))
    with pytest.raises(Malformed):
        Verifier(keyset).verify(token, at=T0)


def test_an_expired_credential_names_its_certificate() -> None:
    cert, pres = keys()
    token = sign_credential(facts(), cert, status_uri="u", now=T0)
    with pytest.raises(Expired) as failed:
        Verifier(KeySet([cert.public, pres.public])).verify(token, at=T0 + 7 * 366 * 86400)
    assert failed.value.identifier == str(facts().identifier)
    with pytest.raises(BadSignature) as broken:
        Verifier(KeySet([cert.public])).verify(token[:-4] + "AAAA", at=T0)
    assert broken.value.identifier is None
