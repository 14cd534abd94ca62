"""The published keys: content, caching headers, CORS, and what stays published."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from signing import KeySet, Purpose, key_from_jwk, verify_key_status
from signing.errors import KeyCompromised


def kids(client: FlaskClient) -> set[str]:
    return {key["kid"] for key in client.get("/.well-known/jwks.json").json["keys"]}


def test_empty_jwks(client: FlaskClient) -> None:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.json == {"keys": []}


def test_jwks_has_cache_headers_and_cors(client: FlaskClient, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["keys", "generate", "--purpose", "presentation"])
    response = client.get("/.well-known/jwks.json")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    etag = response.headers["ETag"]
    again = client.get("/.well-known/jwks.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    for jwk in response.json["keys"]:  # key material only, and every kid is its key's thumbprint
        assert set(jwk) <= {"kty", "crv", "x", "y", "kid", "alg", "use"}
        key_from_jwk(jwk)


def test_rotation_keeps_old_key_published_and_etag_changes(
    client: FlaskClient, runner: FlaskCliRunner
) -> None:
    runner.invoke(args=["keys", "generate", "--purpose", "presentation"])
    before = kids(client)
    etag = client.get("/.well-known/jwks.json").headers["ETag"]
    result = runner.invoke(args=["keys", "rotate", "--purpose", "presentation"])
    assert result.exit_code == 0, result.output
    after = kids(client)
    assert before < after and len(after) == 2
    assert client.get("/.well-known/jwks.json", headers={"If-None-Match": etag}).status_code == 200


def key_status(client: FlaskClient) -> KeySet:
    """The trusted keys as our verifiers see them: the JWKS with the signed key-status document."""
    response = client.get("/.well-known/key-status")
    assert response.status_code == 200 and response.mimetype == "application/jwt"
    return verify_key_status(client.get("/.well-known/jwks.json").json, response.get_data(as_text=True))


def test_compromised_key_leaves_the_jwks_and_the_key_status_names_it(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    runner.invoke(args=["keys", "generate", "--purpose", "keys"])
    (status_kid,) = kids(client)
    runner.invoke(args=["keys", "generate", "--purpose", "presentation"])
    (kid,) = kids(client) - {status_kid}
    before = client.get("/.well-known/key-status").headers["ETag"]
    result = runner.invoke(args=["keys", "retire", "--compromised", "--reason", "laptop stolen", "--", kid])
    assert result.exit_code == 0, result.output
    assert kids(client) == {status_kid}  # a standard library can no longer accept it
    trusted = key_status(client)
    assert [info.kid for info in trusted.withdrawn] == [kid]
    with pytest.raises(KeyCompromised):
        trusted.get(kid)
    assert client.get("/.well-known/key-status", headers={"If-None-Match": before}).status_code == 200


def test_key_status_lists_every_published_key_with_its_rules(
    client: FlaskClient, runner: FlaskCliRunner
) -> None:
    runner.invoke(args=["keys", "generate", "--purpose", "keys"])
    runner.invoke(args=["keys", "generate", "--purpose", "presentation"])
    trusted = key_status(client)
    assert {key.kid for key in trusted} == kids(client)
    assert {key.info.purpose for key in trusted} == {Purpose.KEYS, Purpose.PRESENTATION}
    response = client.get("/.well-known/key-status")
    etag = response.headers["ETag"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/.well-known/key-status", headers={"If-None-Match": etag}).status_code == 304


def test_key_status_without_a_key_to_sign_it_says_so(client: FlaskClient) -> None:
    response = client.get("/.well-known/key-status", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 503
    assert response.json["message"] == "目前没有可签署密钥状态文件的密钥，请稍后再试。"


def test_issuers_name_the_key_documents(client: FlaskClient, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["keys", "generate", "--purpose", "keys"])
    runner.invoke(args=["keys", "generate", "--purpose", "presentation"])
    document = client.get("/.well-known/issuers.json").json
    (status_kid,) = [key.kid for key in key_status(client) if key.info.purpose == Purpose.KEYS]
    assert document["key_status"]["signed_by"] == status_kid
    assert document["key_status"]["uri"].endswith("/.well-known/key-status")
    assert document["jwks_uri"].endswith("/.well-known/jwks.json")
    path = "/" + document["presentation_jwks_uri"].split("/", 3)[3]
    assert {k["kid"] for k in client.get(path).json["keys"]} == kids(client) - {status_kid}


def test_per_issuer_jwks_holds_only_that_issuers_certificate_keys(
    client: FlaskClient, runner: FlaskCliRunner
) -> None:
    jinan, qingdao = "11370100MB00000007", "11370200MB0000000C"
    for issuer in (jinan, qingdao):
        runner.invoke(args=["keys", "generate", "--purpose", "certificate", "--issuer", issuer])
    one = client.get(f"/keys/{jinan}.json").json["keys"]
    other = client.get(f"/keys/{qingdao}.json").json["keys"]
    assert len(one) == len(other) == 1 and one != other
    assert client.get("/keys/presentation.json").json == {"keys": []}
    assert client.get("/keys/../jwks.json").status_code == 404
    assert client.get("/keys/nobody.json").status_code == 404
