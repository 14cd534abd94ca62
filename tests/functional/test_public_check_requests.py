"""What a public check's request does around the verdict, now that each part is cheap: no cookie
for a visitor without a session, the security headers once each, the message in the visitor's
language, NUL refused, rate limits applied when on and nothing checked when off."""

from __future__ import annotations

import pytest
from flask import Flask, Response
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.security import limiter

from ..registry import Province
from .test_verify import issue, presentation

SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Permissions-Policy",
    "Strict-Transport-Security",
)


@pytest.fixture
def payload(session: Session, province: Province) -> str:
    return presentation(session, province, issue(session, province))


def test_a_public_check_sets_no_cookie_and_says_it_varies_with_one(client: FlaskClient, payload: str) -> None:
    for response in (client.get(f"/v/{payload}"), client.post("/api/v1/verify", json={"payload": payload})):
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert "Cookie" in response.headers["Vary"]


def test_a_remember_me_cookie_without_a_session_signs_nobody_in(client: FlaskClient, payload: str) -> None:
    client.set_cookie("remember_token", "staff:1:0|forged")
    page = client.get(f"/v/{payload}").get_data(as_text=True)
    assert "有效" in page and 'id="full-record"' not in page


def test_each_security_header_is_sent_once_and_a_views_own_is_kept(make_app) -> None:  # type: ignore[no-untyped-def]
    app: Flask = make_app()
    own = "default-src 'none'"
    app.add_url_rule(
        "/own-policy", "own_policy", lambda: Response("x", headers={"Content-Security-Policy": own})
    )
    response = app.test_client().get("/own-policy")
    assert response.headers.getlist("Content-Security-Policy") == [own]
    for name in SECURITY_HEADERS:
        assert len(response.headers.getlist(name)) == 1, name
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize(
    ("headers", "query", "cookie", "english"),
    [
        ({}, "", None, False),
        ({"Accept-Language": "en-US,en;q=0.9"}, "", None, True),
        ({"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}, "", None, False),
        ({"Accept-Language": "en-US"}, "?lang=zh_CN", None, False),
        ({}, "?lang=en", None, True),
        ({}, "?%6Cang=en", None, True),  # a name sent percent-encoded is still read
        ({}, "", "en", True),
    ],
)
def test_the_verdict_is_worded_in_the_visitors_language(
    client: FlaskClient, payload: str, headers: dict[str, str], query: str, cookie: str | None, english: bool
) -> None:
    if cookie:
        client.set_cookie("lang", cookie)
    response = client.post(f"/api/v1/verify{query}", json={"payload": payload}, headers=headers)
    assert response.json["message"].isascii() is english


@pytest.mark.parametrize(
    "path", ["/v/123%0045", "/v/12345?x=%00", "/legacy?number=%00&name=x", "/scan?a\x00=1"]
)
def test_nul_in_a_path_or_query_is_a_bad_request(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 400


def test_rate_limits_refuse_when_on_and_check_nothing_when_off(
    client: FlaskClient, payload: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limiter, "enabled", False)
    assert all(client.post("/api/v1/verify", json={"payload": payload}).status_code == 200 for _ in range(61))
    monkeypatch.setattr(limiter, "enabled", True)
    codes = [client.post("/api/v1/verify", json={"payload": payload}).status_code for _ in range(61)]
    assert codes[:60] == [200] * 60 and codes[60] == 429
