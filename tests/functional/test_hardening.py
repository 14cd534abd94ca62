"""Holes an outside attack found (issue 10), each reproduced and now refused: NUL characters in
multipart forms, integer ids past what the database stores, session cookies without Secure and
SameSite and no HSTS behind https."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ..registry import PASSWORD, Province
from .admin_client import csrf, login

BAD_REQUEST = "无法理解该请求，请检查提交的内容。"


@pytest.mark.parametrize("url", ["/admin/login", "/me/login"])
def test_nul_in_a_multipart_sign_in_is_a_bad_request(
    client: FlaskClient, province: Province, url: str
) -> None:
    token = csrf(client.get(url).get_data(as_text=True))
    form = {"csrf_token": token, "username": "jinan\x00admin", "id_number": "3701\x00", "password": PASSWORD}
    response = client.post(url, data=form, content_type="multipart/form-data")
    assert response.status_code == 400 and BAD_REQUEST in response.get_data(as_text=True)


def test_nul_in_a_multipart_issue_form_and_in_a_file_name(client: FlaskClient, province: Province) -> None:
    login(client, "jinan_admin")
    url = "/admin/applications/new?item=issue"
    token = csrf(client.get(url).get_data(as_text=True))
    form = {"csrf_token": token, "id_number": "370102199003071238", "name": "张\x00三", "categories": "1"}
    assert client.post(url, data=form, content_type="multipart/form-data").status_code == 400
    named = {"csrf_token": token, "material_id_card": (__import__("io").BytesIO(b"%PDF-1"), "a\x00.pdf")}
    assert client.post(url, data=named, content_type="multipart/form-data").status_code == 400
    upload = {"csrf_token": token, "file": (__import__("io").BytesIO(b"x"), "a\x00.csv")}
    assert client.post("/admin/batches", data=upload, content_type="multipart/form-data").status_code == 400


HUGE = "9" * 30  # past a 64-bit integer: the database cannot even compare it


@pytest.mark.parametrize(
    "path",
    [
        f"/admin/certificates/{HUGE}",
        f"/admin/certificates/{HUGE}/certificate.pdf",
        f"/admin/graduation-certificates/{HUGE}",
        f"/admin/batches/{HUGE}",
        f"/admin/photos/{HUGE}.jpg",
        "/admin/certificates/2147483648",  # one past PostgreSQL's integer
    ],
)
def test_ids_out_of_range_are_not_found(client: FlaskClient, province: Province, path: str) -> None:
    login(client, "jinan_admin")
    assert client.get(path).status_code == 404


def test_a_holder_id_out_of_range_is_not_found(client: FlaskClient) -> None:
    assert client.get(f"/me/show/{HUGE}").status_code in (302, 404)  # not signed in: the sign-in page


def _sign_in_cookie(app: Flask) -> str:
    client = app.test_client()
    token = csrf(client.get("/admin/login").get_data(as_text=True))
    response = client.post(
        "/admin/login", data={"csrf_token": token, "username": "jinan_admin", "password": PASSWORD}
    )
    assert response.status_code == 302
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_behind_https_cookies_are_secure_and_hsts_is_sent(app: Flask, province: Province) -> None:
    assert app.config["PUBLIC_BASE_URL"].startswith("https://")
    cookie = _sign_in_cookie(app)
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie
    response = app.test_client().get("/")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_over_plain_http_no_secure_flag_and_no_hsts(
    make_app: Callable[..., Flask], province: Province
) -> None:
    plain = make_app({"PUBLIC_BASE_URL": "http://127.0.0.1:5000"})
    cookie = _sign_in_cookie(plain)
    assert "; Secure" not in cookie and "SameSite=Lax" in cookie
    assert "Strict-Transport-Security" not in plain.test_client().get("/").headers
