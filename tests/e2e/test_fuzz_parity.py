"""The browser's verifier and the library give the same verdict on every fuzzed input both read:
presentations, printed codes and credentials carrying real signatures over generated and mutated
claims (the inputs of tests/functional/test_verify_fuzz.py), checked offline with the same keys and
status lists."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import cbor2
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from playwright.sync_api import Browser

from app.db import get_session
from app.services import certificates as certs
from app.services.presentations import present, printed_code
from signing import Purpose, VerificationError, Verifier, id_check_char, mod37_36_check

from ..functional.test_verify_fuzz import CBOR_VALUES, JSON_VALUES, _cose, _jwt, _mutated
from ..helpers import decimal_decode, id_number
from ..registry import Province

COLLECT = settings(max_examples=150, derandomize=True, deadline=None, database=None)


def _genuine(app: Flask, province: Province) -> tuple[dict[str, Any], str]:
    with app.app_context():
        session = get_session()
        admin = province.actor(session, "jinan_admin")
        cert = certs.issue(
            session, province.context, admin, certs.IssueRequest(id_number(), "张三明", [1])
        ).certificate
        session.commit()
        cose = cbor2.loads(decimal_decode(present(province.context, cert, 120).payload)).value  # tag 18
        credential = certs.current_version(cert).credential
        link = printed_code(province.context, cert, certs.current_version(cert))
        printed = cbor2.loads(decimal_decode(link.rpartition("/v/")[2]))
        now = int(time.time())
        header, claims = (json.loads(_b64(part)) for part in credential.split(".")[:2])
        return {
            "protected": cose[0],
            "unprotected": dict(cose[1]),
            "claims": cbor2.loads(cose[2]),
            "printed_protected": printed.value[0],
            "printed_unprotected": dict(printed.value[1]),
            "printed_claims": cbor2.loads(printed.value[2]),
            "presentation_signer": province.context.keys.signer(Purpose.PRESENTATION, now=now),
            "credential_header": header,
            "credential_claims": claims,
            "certificate_signer": province.context.keys.signer(
                Purpose.CERTIFICATE, now=now, issuer=admin.authority.credit_code
            ),
        }, admin.authority.credit_code


def _b64(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _edge_cases(genuine: dict[str, Any]) -> list[str]:
    """Credentials the fuzzing found the two verifiers disagreeing on (each valid to one of them and
    malformed to the other, or failing for another reason), kept so they stay agreed on whatever
    the fuzzing draws."""
    header, claims = genuine["credential_header"], genuine["credential_claims"]
    cert = claims["cert"]
    made = [
        _jwt(genuine, header, {**claims, "cert": {**cert, "holder_id": first17 + id_check_char(first17)}})
        for first17 in ("37010219900230123", "37010218991231123", "37010220991231123")
    ]
    made += [
        _jwt(genuine, header, {**claims, "cert": {**cert, "holder": name}})
        for name in ("\x1c", "\x85", "\ufeff", "\ufeff张", " \u3000")
    ]
    made += [
        _jwt(genuine, header, {**claims, "cert": {**cert, "first_issued": day}})
        for day in ("20261129", "2026-W48-7", "0099-01-01", "0000-01-01", "1999-02-29", "2000-02-29")
    ]
    kind, issuer, serial, version, _ = claims["jti"].split(".")[5:]
    wrong = issuer[:17] + ("1" if issuer[17] == "0" else "0")  # a wrong GB 32100 check character
    check = mod37_36_check(serial + version, prefix=kind + wrong)
    jti = ".".join(["1.2.156.3005.2", kind, wrong, serial, version, check])
    made.append(_jwt(genuine, header, {**claims, "iss": wrong, "jti": jti}))
    texts = [json.dumps(header), json.dumps(claims)]
    for edited in (
        [texts[0], "\ufeff" + texts[1]],
        ["\ufeff" + texts[0], texts[1]],
        [texts[0].replace("{", '{"x": Infinity, ', 1), texts[1]],
        [texts[0], texts[1].replace('"nbf": ', '"nbf": NaN, "was": ')],
        [texts[0], texts[1].replace('"nbf": ', '"nbf": 1e400, "was": ')],
        [texts[0], texts[1].replace('"iat": ', '"iat": 1' + "0" * 400 + ', "was": ')],
    ):
        signing_input = ".".join(_b64e(text.encode()) for text in edited)
        signature = genuine["certificate_signer"].sign(signing_input.encode())
        made.append(f"{signing_input}.{_b64e(signature)}")
    return made


def _b64e(raw: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _inputs(genuine: dict[str, Any]) -> list[str]:
    made: list[str] = _edge_cases(genuine)

    @COLLECT
    @given(claims=_mutated(genuine["claims"]), tagged=st.booleans())
    def presentations(claims: Any, tagged: bool) -> None:
        made.append(_cose(genuine, genuine["protected"], claims, tagged))

    @COLLECT
    @given(claims=_mutated(genuine["printed_claims"]))
    def printed(claims: Any) -> None:
        signer = {**genuine, "presentation_signer": genuine["certificate_signer"]}
        signer["unprotected"] = genuine["printed_unprotected"]
        made.append(_cose(signer, genuine["printed_protected"], claims, True))

    claims = genuine["credential_claims"]

    @COLLECT
    @given(key=st.sampled_from(sorted(claims)), value=JSON_VALUES)
    def credentials(key: str, value: Any) -> None:
        made.append(_jwt(genuine, genuine["credential_header"], {**claims, key: value}))

    @COLLECT
    @given(header=CBOR_VALUES)
    def headers(header: Any) -> None:
        made.append(_cose(genuine, cbor2.dumps(header), genuine["claims"], False))

    presentations()
    printed()
    credentials()
    headers()
    return made


def test_the_browser_and_the_library_agree_on_fuzzed_inputs(
    app: Flask, browser: Browser, live_server: str, province: Province
) -> None:
    genuine, issuer = _genuine(app, province)
    inputs = _inputs(genuine)
    jwks = json.loads(urllib.request.urlopen(f"{live_server}/.well-known/jwks.json").read())
    key_status = urllib.request.urlopen(f"{live_server}/.well-known/key-status").read().decode()
    tokens = [urllib.request.urlopen(f"{live_server}/status/{issuer}").read().decode()]
    at = int(time.time())
    library = Verifier.from_documents(jwks, key_status, tokens)
    expected = []
    for text in inputs:
        try:
            library.verify(text, at=at)
            expected.append({"valid": True})
        except VerificationError as exc:
            expected.append({"valid": False, "reason": exc.code})
    page = browser.new_page()
    page.goto(live_server + "/")
    page.add_script_tag(url=live_server + "/static/js/verifier.js")
    verdicts = page.evaluate(
        """async ([inputs, jwks, keyStatus, tokens, at]) => {
             const out = [];
             for (const text of inputs) {
               const v = await RtcVerifier.verify(text, {jwks, keyStatus, statusTokens: tokens, at});
               out.push(v.valid ? {valid: true} : {valid: false, reason: v.reason});
             }
             return out;
           }""",
        [inputs, jwks, key_status, tokens, at],
    )
    page.close()
    differ = [
        (text[:80], want, got)
        for text, want, got in zip(inputs, expected, verdicts, strict=True)
        if want != got
    ]
    assert len(inputs) >= 300 and sum(not v["valid"] for v in expected) > 0
    assert differ == []
