"""Pages over HTTP: language, error pages, security headers, request ids, health."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ..registry import Province
from .admin_client import login, post_form
from .test_holder import A, activate, issue_with_code


def test_front_page_is_chinese_by_default(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "道路运输从业人员从业资格电子证照" in page
    assert 'name="viewport"' in page


def test_english_by_choice_is_remembered(client: FlaskClient) -> None:
    response = client.get("/?lang=en")
    assert "Electronic practitioner qualification certificates" in response.get_data(as_text=True)
    assert "lang=en" in response.headers["Set-Cookie"]
    assert "Electronic practitioner" in client.get("/").get_data(as_text=True)


def test_english_from_the_browser(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in page


@pytest.mark.parametrize(
    ("lang", "title", "text"),
    [
        ("zh_CN", "页面不存在", "您访问的页面不存在，请检查网址。"),
        ("en", "Page not found", "The page you asked for does not exist. Check the address."),
    ],
)
def test_404_page_in_the_users_language(client: FlaskClient, lang: str, title: str, text: str) -> None:
    response = client.get(f"/no-such-page?lang={lang}")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in page and text in page


def test_405_page(client: FlaskClient) -> None:
    response = client.post("/healthz")
    assert response.status_code == 405
    assert "不支持的请求方式" in response.get_data(as_text=True)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
    api = client.get("/api/v1/verify")
    assert api.status_code == 405 and api.is_json and "POST" in api.headers["Allow"]


def test_api_errors_are_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.json == {
        "error": "not_found",
        "message": "The page you asked for does not exist. Check the address.",
    }


def test_unexpected_error_is_logged_and_shown_politely(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app()  # its own app: a route is added and its logging changed

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("kaput")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.logger.propagate = True
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "系统发生内部错误，已记录，请稍后再试。" in response.get_data(as_text=True)
    assert "kaput" not in response.get_data(as_text=True)
    assert any("unhandled error" in r.getMessage() for r in caplog.records)


def test_security_headers(client: FlaskClient) -> None:
    headers = client.get("/").headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_request_id_is_echoed_or_made(client: FlaskClient) -> None:
    assert client.get("/", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    made = client.get("/", headers={"X-Request-ID": "bad id; drop"}).headers["X-Request-ID"]
    assert len(made) == 32 and made.isalnum()


def test_access_log_is_json_with_request_id(make_app: Callable[..., Flask]) -> None:
    app = make_app()  # its own app: its log handler is redirected
    stream = io.StringIO()
    handler = app.logger.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    app.test_client().get("/healthz", headers={"X-Request-ID": "trace-7"})
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    entry = next(line for line in lines if line.get("path") == "/healthz")
    assert entry["request_id"] == "trace-7" and entry["status"] == 200 and entry["method"] == "GET"


def test_health(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}


def test_health_reports_unreachable_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app import create_app

    broken = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3",
        }
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unreachable"}


def test_nul_characters_are_a_bad_request(client: FlaskClient) -> None:
    # PostgreSQL cannot compare text holding NUL: before this guard the legacy look-up answered 500
    page = client.get("/legacy?number=A%00&name=x")
    assert page.status_code == 400 and "无法理解该请求，请检查提交的内容。" in page.get_data(as_text=True)
    assert client.get("/v/12%0034").status_code == 400


SIGN_OUT = re.compile(
    r'<form method="post" action="(/[a-z/]+)" class="sign-out">\s*'
    r'<input type="hidden" name="csrf_token" value="[^"]+">'
)
DOORS = ('href="/me/login"', 'href="/me/activate"', 'href="/scan"', 'href="/legacy"', 'href="/admin/login"')


def test_front_page_is_the_way_in_for_everyone(client: FlaskClient) -> None:
    response = client.get("/")
    page = response.get_data(as_text=True)
    for section in ("从业人员", "执法人员", "管理人员", "供对接系统与核验方使用"):
        assert f"<h2>{section}</h2>" in page
    assert all(door in page for door in DOORS)
    machine = page[page.index('<section class="machine">') :]
    for endpoint in ("/.well-known/jwks.json", "/.well-known/issuers.json", "/api/openapi.json"):
        assert f'href="{endpoint}"' in machine
    assert SIGN_OUT.search(page) is None and "已登录" not in page
    assert "Set-Cookie" not in response.headers  # a visitor gets no session


@pytest.mark.parametrize(
    ("user", "greeting", "home"),
    [("jinan_inspector", "已登录：执法员", "/scan"), ("jinan_clerk", "已登录：办事员", "/admin/")],
)
def test_front_page_shows_signed_in_staff_where_to_go(
    client: FlaskClient, province: Province, user: str, greeting: str, home: str
) -> None:
    login(client, user)
    page = client.get("/").get_data(as_text=True)
    assert f"<h2>{greeting}</h2>" in page
    assert re.search(rf'<section class="card next">.*?<a class="button" href="{home}">', page, re.S)
    assert SIGN_OUT.findall(page) == ["/admin/logout"]


def test_front_page_shows_a_holder_their_certificates(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    phone = app.test_client()
    activate(phone, A, issue_with_code(client, A, "张三明", "fp1"))
    page = phone.get("/").get_data(as_text=True)
    assert "<h2>已登录：张三明</h2>" in page
    assert re.search(r'<section class="card next">.*?<a class="button" href="/me">我的证书</a>', page, re.S)
    assert SIGN_OUT.findall(page) == ["/me/logout"]


INSPECTOR_PAGES = (
    "/",
    "/scan",
    "/legacy",
    "/legacy?number=P1&name=张三明",
    "/v/123",
    "/admin/password",
    "/nothing",
)
STAFF_PAGES = (
    "/admin/",
    "/admin/certificates",
    "/admin/applications/new?item=issue",
    "/admin/applications/queue",
    "/admin/applications",
    "/admin/batches",
    "/admin/legacy",
    "/admin/graduation-certificates",
    "/admin/staff",
    "/admin/service-items",
    "/admin/photos",
    "/admin/partners",
    "/admin/password",
    "/",
    "/legacy",
)


@pytest.mark.parametrize(("user", "pages"), [("jinan_inspector", INSPECTOR_PAGES), ("province", STAFF_PAGES)])
def test_every_staff_page_has_one_sign_out_that_works(
    client: FlaskClient, province: Province, user: str, pages: tuple[str, ...]
) -> None:
    login(client, user)
    for path in pages:
        assert SIGN_OUT.findall(client.get(path).get_data(as_text=True)) == ["/admin/logout"], path
    signed_out = post_form(client, pages[0], "/admin/logout", {})
    assert signed_out.request.path == "/admin/login" and "您已退出登录。" in signed_out.get_data(as_text=True)
    assert client.get("/admin/password").headers["Location"].startswith("/admin/login")
    assert SIGN_OUT.search(client.get("/").get_data(as_text=True)) is None


def test_inspectors_pages_link_only_to_what_they_may_open(client: FlaskClient, province: Province) -> None:
    login(client, "jinan_inspector")
    page = client.get("/admin/password").get_data(as_text=True)
    nav = re.search(r'<nav class="places".*?</nav>', page, re.S)
    assert nav and re.findall(r'href="([^"]+)"', nav.group(0)) == [
        "/inspect",
        "/scan",
        "/legacy",
        "/admin/password",
    ]
    assert 'href="/admin/"' not in page and 'class="admin-nav"' not in page
