"""The published keys: content, caching headers, CORS, and what stays published."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from signing import KeySet


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
    KeySet.from_jwks(response.json)  # every published key loads and matches its kid
    assert all("d" not in key for key in response.json["keys"])


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


def test_compromised_key_stays_published_marked(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    runner.invoke(args=["keys", "generate", "--purpose", "presentation"])
    (kid,) = kids(client)
    result = runner.invoke(args=["keys", "retire", "--compromised", "--reason", "laptop stolen", "--", kid])
    assert result.exit_code == 0, result.output
    (key,) = client.get("/.well-known/jwks.json").json["keys"]
    assert key["kid"] == kid and key["compromised_at"] >= key["not_before"]
