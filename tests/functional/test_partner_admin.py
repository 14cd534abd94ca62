"""The partner-system pages (province administrator): register, rotate, deactivate, and the token
endpoint's answer to the secrets they hand out.

The database is read in short app contexts of its own: a context held across requests would be
shared by them (and with it the language of the first request's messages)."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from app.db import get_session
from app.models import AuditEvent, PartnerClient

from ..registry import Province
from .admin_client import csrf, login

PAGE = "/admin/partners"
SECRET = re.compile(r'<code id="secret">([^<]+)</code>')
REQUEST_KEY = re.compile(r'name="request_key"(?: type="hidden")? value="([^"]+)"')
BOTH_SCOPES = ["graduation:write", "graduation:read"]


@dataclass(frozen=True)
class Stored:
    """A partner client row as stored."""

    client_id: str
    name: str
    scopes: str
    active: bool
    secret_hash: str


def stored(app: Flask) -> list[Stored]:
    with app.app_context():
        rows = get_session().scalars(select(PartnerClient).order_by(PartnerClient.id))
        return [Stored(r.client_id, r.name, r.scopes, r.active, r.secret_hash) for r in rows]


def audit(app: Flask) -> list[tuple[str, str, str]]:
    """(action, actor, the whole row as text) of the partner events, in order."""
    with app.app_context():
        events = get_session().scalars(
            select(AuditEvent).where(AuditEvent.action.like("partner.%")).order_by(AuditEvent.seq)
        )
        return [(e.action, e.actor, repr([e.target_id, e.reason, e.before, e.after])) for e in events]


def token(client: FlaskClient, client_id: str, secret: str) -> TestResponse:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )


def open_page(client: FlaskClient) -> str:
    response = client.get(f"{PAGE}?lang=en")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def request_key(page: str) -> str:
    found = REQUEST_KEY.search(page)
    assert found, "the page has no request key"
    return found.group(1)


def shown_secret(page: str) -> str:
    found = SECRET.search(page)
    assert found, "the new secret is not shown"
    return found.group(1)


def register(client: FlaskClient, name: str, scopes: list[str]) -> TestResponse:
    page = open_page(client)
    data = {"csrf_token": csrf(page), "request_key": request_key(page), "name": name, "scopes": scopes}
    return client.post(PAGE, data=data)


def act(client: FlaskClient, client_id: str, action: str, *, confirm: bool = True) -> TestResponse:
    page = open_page(client)
    data = {"csrf_token": csrf(page), "request_key": request_key(page)}
    if confirm:
        data["confirm"] = "y"
    return client.post(f"{PAGE}/{client_id}/{action}", data=data)


def registered(client: FlaskClient, name: str = "驾培计时平台") -> tuple[str, str]:
    """(client_id, secret) of a newly registered partner system."""
    response = register(client, name, BOTH_SCOPES)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    client_id = re.search(r"<dd><code>(p-[0-9a-f]+)</code></dd>", page)
    assert client_id
    return client_id.group(1), shown_secret(page)


@pytest.mark.parametrize("username", ["jinan_admin", "jinan_clerk", "jinan_inspector"])
def test_only_the_province_administrator(
    app: Flask, client: FlaskClient, province: Province, username: str
) -> None:
    login(client, "province")
    client_id, _ = registered(client)
    client.post("/admin/logout", data={"csrf_token": csrf(client.get("/admin/").get_data(as_text=True))})
    login(client, username)
    assert client.get(PAGE).status_code == 403
    csrf_token = csrf(client.get("/admin/password").get_data(as_text=True))
    data = {"csrf_token": csrf_token, "request_key": "k1", "name": "x", "scopes": ["graduation:read"]}
    assert client.post(PAGE, data=data).status_code == 403
    assert client.post(f"{PAGE}/{client_id}/rotate", data={**data, "confirm": "y"}).status_code == 403
    assert client.post(f"{PAGE}/{client_id}/deactivate", data={**data, "confirm": "y"}).status_code == 403
    assert [(c.client_id, c.active) for c in stored(app)] == [(client_id, True)]
    assert [action for action, _, _ in audit(app)] == ["partner.register"]
    if username != "jinan_inspector":
        assert "/admin/partners" not in client.get("/admin/").get_data(as_text=True)


def test_signed_out_goes_to_sign_in(client: FlaskClient, province: Province) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_province_sees_the_link_and_an_empty_list(client: FlaskClient, province: Province) -> None:
    login(client, "province")
    assert 'href="/admin/partners"' in client.get("/admin/").get_data(as_text=True)
    page = open_page(client)
    assert "No partner system is registered yet." in page
    assert "Push graduation certificates <code>graduation:write</code>" in page
    assert "https://rtc.example.cn/oauth/token" in page


def test_register_shows_the_secret_once_and_it_gets_a_token(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    login(client, "province")
    response = register(client, "驾培计时平台", ["graduation:write"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = html.unescape(response.get_data(as_text=True))
    assert "Partner system 驾培计时平台 registered." in page
    assert "It is shown only this once" in page and "it will not be shown again" in page
    secret = shown_secret(page)
    [row] = stored(app)
    assert (row.name, row.scopes, row.active) == ("驾培计时平台", "graduation:write", True)
    assert row.client_id in page
    assert secret not in row.secret_hash
    events = audit(app)
    assert [(action, actor) for action, actor, _ in events] == [("partner.register", "province")]
    assert secret not in events[0][2]
    # the list shows the client, but never the secret again
    listing = open_page(client)
    assert row.client_id in listing and "驾培计时平台" in listing and "graduation:write" in listing
    assert secret not in listing and 'id="new-secret"' not in listing

    granted = token(client, row.client_id, secret)
    assert granted.status_code == 200, granted.get_data(as_text=True)
    assert granted.json is not None
    assert granted.json["token_type"] == "Bearer" and granted.json["scope"] == "graduation:write"


def test_reloading_the_register_response_does_nothing_twice(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    login(client, "province")
    page = open_page(client)
    data = {
        "csrf_token": csrf(page),
        "request_key": request_key(page),
        "name": "计时平台",
        "scopes": ["graduation:read"],
    }
    assert client.post(PAGE, data=data).status_code == 200
    again = client.post(PAGE, data=data, follow_redirects=True).get_data(as_text=True)
    assert "This form was already submitted; nothing was done twice." in again
    assert not SECRET.search(again)
    assert len(stored(app)) == 1


def test_rotate_the_old_secret_stops_working(app: Flask, client: FlaskClient, province: Province) -> None:
    login(client, "province")
    client_id, old = registered(client)
    assert token(client, client_id, old).status_code == 200
    refused = act(client, client_id, "rotate", confirm=False)
    assert refused.status_code == 302
    assert "Tick the confirmation box" in open_page(client)
    assert token(client, client_id, old).status_code == 200

    response = act(client, client_id, "rotate")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = html.unescape(response.get_data(as_text=True))
    assert "New secret for 驾培计时平台" in page
    assert "the old secret no longer works" in page and "it will not be shown again" in page
    new = shown_secret(page)
    assert new != old

    stale = token(client, client_id, old)
    assert stale.status_code == 401
    assert stale.json is not None and stale.json["error"] == "invalid_client"
    assert token(client, client_id, new).status_code == 200
    assert new not in open_page(client)
    events = audit(app)
    assert [(action, actor) for action, actor, _ in events] == [
        ("partner.register", "province"),
        ("partner.rotate_secret", "province"),
    ]
    assert all(old not in text and new not in text for _, _, text in events)


def test_deactivate_and_reactivate(app: Flask, client: FlaskClient, province: Province) -> None:
    login(client, "province")
    client_id, secret = registered(client)
    assert act(client, client_id, "deactivate", confirm=False).status_code == 302
    assert "Tick the confirmation box" in open_page(client)
    assert token(client, client_id, secret).status_code == 200

    assert act(client, client_id, "deactivate").status_code == 302
    page = open_page(client)
    assert "Partner system 驾培计时平台 deactivated; its tokens no longer work." in page
    assert "Reactivate" in page and "deactivated" in page
    refused = token(client, client_id, secret)
    assert refused.status_code == 401
    assert refused.json is not None and refused.json["error"] == "invalid_client"
    assert [c.active for c in stored(app)] == [False]

    assert act(client, client_id, "activate").status_code == 302
    assert "Partner system 驾培计时平台 reactivated." in open_page(client)
    assert token(client, client_id, secret).status_code == 200
    assert [action for action, _, _ in audit(app)] == [
        "partner.register",
        "partner.deactivate",
        "partner.activate",
    ]


def test_forms_without_csrf_are_refused(app: Flask, client: FlaskClient, province: Province) -> None:
    login(client, "province")
    client_id, secret = registered(client)
    response = client.post(PAGE, data={"request_key": "k", "name": "x", "scopes": ["graduation:read"]})
    assert response.status_code == 400
    for action in ("rotate", "deactivate"):
        response = client.post(f"{PAGE}/{client_id}/{action}", data={"confirm": "y", "request_key": "k"})
        assert response.status_code == 400
    assert [(c.client_id, c.active) for c in stored(app)] == [(client_id, True)]
    assert token(client, client_id, secret).status_code == 200


def test_validation_messages(app: Flask, client: FlaskClient, province: Province) -> None:
    login(client, "province")
    response = register(client, "   ", [])
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "Give the partner system's name." in page
    assert "Choose at least one scope." in page
    assert not SECRET.search(page)
    response = register(client, "计时平台", ["graduation:delete"])
    assert response.status_code == 422
    assert "not a valid choice" in html.unescape(response.get_data(as_text=True))
    response = register(client, "x" * 101, ["graduation:read"])
    assert response.status_code == 422
    assert "At most 100 characters." in response.get_data(as_text=True)
    assert stored(app) == []


def test_unknown_client_or_action(client: FlaskClient, province: Province) -> None:
    login(client, "province")
    client_id, _ = registered(client)
    assert act(client, "p-unknown", "rotate").status_code == 404
    assert act(client, client_id, "delete").status_code == 404


def test_language_switch_after_an_action_goes_back_to_the_list(
    client: FlaskClient, province: Province
) -> None:
    login(client, "province")
    client_id, _ = registered(client)
    response = client.get(f"{PAGE}/{client_id}/rotate?lang=zh_CN")
    assert response.status_code == 302 and response.headers["Location"] == f"{PAGE}?lang=zh_CN"


def test_the_platform_scope_is_offered_and_listed_in_words(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    login(client, "province")
    assert (
        "Push applications and their materials (the government service platform) <code>platform:push</code>"
        in open_page(client)
    )
    response = register(client, "一体化政务服务平台", ["platform:push"])
    assert response.status_code == 200
    [row] = stored(app)
    assert row.scopes == "platform:push"
    chinese = html.unescape(client.get(f"{PAGE}?lang=zh_CN").get_data(as_text=True))
    assert "<td>推送办件及其材料（一体化政务服务平台） <code>platform:push</code></td>" in chinese
    secret = shown_secret(html.unescape(response.get_data(as_text=True)))
    granted = token(client, row.client_id, secret)
    assert granted.json is not None and granted.json["scope"] == "platform:push"
