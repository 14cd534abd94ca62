"""Fuzzing the public verification endpoints with structure, not only random text: COSE_Sign1
presentations and JWT credentials that carry a real signature over generated claims (so they get past
step 3 into claim decoding, where type confusion hides), generated protected headers and ``kid``
values, and JSON bodies of every shape and depth. Nothing may answer 500; every answer is a verdict.

Found this way (issue 10): claims sent as a CBOR array, a JWT ``kid`` that is not a string, a deeply
nested JSON body. Generation is derandomized: the same inputs on every run."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import cbor2
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from app.security import limiter
from app.services import certificates as certs
from app.services.presentations import present
from signing import Purpose

from ..helpers import decimal_decode, decimal_encode, id_number
from ..registry import Province

FUZZ = settings(
    max_examples=120,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CBOR_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True)
    | st.text(max_size=12)
    | st.binary(max_size=24),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.integers(min_value=-2, max_value=12) | st.text(max_size=3), inner, max_size=6)
    ),
    max_leaves=24,
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=6),
    max_leaves=24,
)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture
def genuine(
    app: Flask, session: Session, province: Province, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """A real certificate's presentation (its claims and header) and credential, and the keys that sign
    them, to build generated inputs that carry valid signatures."""
    monkeypatch.setattr(limiter, "enabled", False)
    admin = province.actor(session, "jinan_admin")
    cert = certs.issue(
        session, province.context, admin, certs.IssueRequest(id_number(), "张三明", [1, 2])
    ).certificate
    session.commit()
    cose = cbor2.loads(decimal_decode(present(province.context, cert, 120).payload)).value  # tag 18
    credential = certs.current_version(cert).credential
    now = int(time.time())
    return {
        "protected": cose[0],
        "unprotected": dict(cose[1]),
        "claims": cbor2.loads(cose[2]),
        "presentation_signer": province.context.keys.signer(Purpose.PRESENTATION, now=now),
        "credential_header": json.loads(base64.urlsafe_b64decode(credential.split(".")[0] + "==")),
        "credential_claims": json.loads(base64.urlsafe_b64decode(credential.split(".")[1] + "==")),
        "certificate_signer": province.context.keys.signer(
            Purpose.CERTIFICATE, now=now, issuer=admin.authority.credit_code
        ),
    }


def _cose(genuine: dict[str, Any], protected: bytes, claims: Any, tagged: bool) -> str:
    payload = cbor2.dumps(claims)
    signed = cbor2.dumps(["Signature1", protected, b"", payload])
    message = [
        protected,
        genuine.get("unprotected", {}),
        payload,
        genuine["presentation_signer"].sign(signed),
    ]
    return decimal_encode(cbor2.dumps(cbor2.CBORTag(18, message) if tagged else message))


def _jwt(genuine: dict[str, Any], header: Any, claims: Any) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(genuine['certificate_signer'].sign(signing_input.encode()))}"


def _both_answer(client: FlaskClient, payload: str) -> None:
    api = client.post("/api/v1/verify", json={"payload": payload})
    assert api.status_code == 200, api.get_data(as_text=True)[:300]
    assert isinstance(api.get_json()["valid"], bool)
    page = client.get(f"/v/{payload}")
    assert page.status_code in (200, 400, 404), page.status_code


def _mutated(original: dict[Any, Any]) -> st.SearchStrategy[Any]:
    """The genuine claims with one claim replaced, removed, or a new one added — or not a map at all."""
    keys = sorted(original, key=str)
    replaced = st.tuples(st.sampled_from(keys), CBOR_VALUES).map(lambda kv: {**original, kv[0]: kv[1]})
    removed = st.sampled_from(keys).map(lambda k: {key: v for key, v in original.items() if key != k})
    return replaced | removed | CBOR_VALUES


def test_presentations_with_generated_claims(client: FlaskClient, genuine: dict[str, Any]) -> None:
    @FUZZ
    @given(claims=_mutated(genuine["claims"]), tagged=st.booleans())
    def run(claims: Any, tagged: bool) -> None:
        _both_answer(client, _cose(genuine, genuine["protected"], claims, tagged))

    run()


def test_presentations_with_generated_headers(client: FlaskClient, genuine: dict[str, Any]) -> None:
    @FUZZ
    @given(header=CBOR_VALUES | st.dictionaries(st.integers(-1, 5), CBOR_VALUES, max_size=3))
    def run(header: Any) -> None:
        _both_answer(client, _cose(genuine, cbor2.dumps(header), genuine["claims"], False))

    run()


def test_credentials_with_generated_headers_and_claims(client: FlaskClient, genuine: dict[str, Any]) -> None:
    header, claims = genuine["credential_header"], genuine["credential_claims"]
    headers = st.builds(lambda kid: {**header, "kid": kid}, JSON_VALUES) | st.builds(
        lambda alg: {**header, "alg": alg}, JSON_VALUES
    )
    mutated = st.tuples(st.sampled_from(sorted(claims)), JSON_VALUES).map(lambda kv: {**claims, kv[0]: kv[1]})

    @FUZZ
    @given(header=headers | st.just(header), claims=mutated | JSON_VALUES)
    def run(header: Any, claims: Any) -> None:
        _both_answer(client, _jwt(genuine, header, claims))

    run()


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000,  # past the parser's recursion limit
        '{"payload": ' + "[" * 5000 + "]" * 5000 + "}",
        '{"payload": ' + "9" * 5000 + "}",  # an integer past Python's digit limit
        '{"payload": "\\ud800"}',
        "not json",
    ],
)
def test_odd_json_bodies_are_bad_requests(client: FlaskClient, body: str) -> None:
    response = client.post("/api/v1/verify", data=body, content_type="application/json")
    assert response.status_code in (200, 400)
    assert response.status_code == 400 or response.get_json()["valid"] is False


def test_any_json_body(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limiter, "enabled", False)

    @FUZZ
    @given(body=JSON_VALUES)
    def run(body: Any) -> None:
        response = client.post("/api/v1/verify", json=body)
        assert response.status_code in (200, 400)

    run()
