"""Driving the admin pages like a browser: CSRF tokens taken from the forms."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ..registry import PASSWORD

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf(page: str) -> str:
    match = TOKEN.search(page)
    assert match, "the page has no CSRF token"
    return match.group(1) or match.group(2)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> TestResponse:
    page = client.get("/admin/login").get_data(as_text=True)
    return client.post(
        "/admin/login", data={"csrf_token": csrf(page), "username": username, "password": password}
    )


def post_form(client: FlaskClient, page_url: str, action_url: str, data: dict[str, object]) -> TestResponse:
    page = client.get(page_url).get_data(as_text=True)
    return client.post(action_url, data={"csrf_token": csrf(page), **data}, follow_redirects=True)
