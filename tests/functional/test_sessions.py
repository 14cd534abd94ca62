"""Sessions end on the server: a cookie copied before a sign-out, a password change, a re-activation,
a new activation code or a deactivation no longer signs anyone in (issue 10, items 1 and 6).

Each account carries a session generation; a session cookie names the generation it was made in and
stops working once the account's generation moves on."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.db import get_session
from app.models import Certificate

from ..helpers import id_number
from ..registry import PASSWORD, Province
from .admin_client import csrf, login, post_form
from .test_holder import activate, issue_with_code

HOLDER = id_number("37010219900307123")
OTHER_BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (another machine)"}


def copy_of(client: FlaskClient, *, environ: dict[str, str] | None = None) -> FlaskClient:
    """Another browser holding a copy of ``client``'s session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None, "the client has no session"
    other = client.application.test_client()
    if environ:
        other.environ_base.update(environ)
    other.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return other


def staff_signed_in(client: FlaskClient) -> bool:
    return client.get("/admin/").status_code == 200


def holder_signed_in(client: FlaskClient) -> bool:
    return client.get("/me").status_code == 200


def sign_out(client: FlaskClient, page: str, action: str) -> None:
    client.post(action, data={"csrf_token": csrf(client.get(page).get_data(as_text=True))})


def test_a_staff_cookie_copied_before_sign_out_is_dead_after_it(app: Flask, province: Province) -> None:
    office = app.test_client()
    assert login(office, "jinan_admin").status_code == 302
    same_browser, elsewhere = copy_of(office), copy_of(office, environ=OTHER_BROWSER)
    sign_out(office, "/admin/", "/admin/logout")
    assert not staff_signed_in(office)
    assert not staff_signed_in(same_browser)
    assert not staff_signed_in(elsewhere)
    assert login(office, "jinan_admin").status_code == 302 and staff_signed_in(office)  # a new session works


def test_a_staff_password_change_keeps_this_session_and_ends_the_others(
    app: Flask, province: Province
) -> None:
    desk, laptop = app.test_client(), app.test_client()
    login(desk, "jinan_clerk")
    login(laptop, "jinan_clerk")
    copied = copy_of(desk)
    new = "a new long password"
    page = post_form(
        desk, "/admin/password", "/admin/password", {"current": PASSWORD, "new": new, "again": new}
    )
    assert "密码已修改。" in page.get_data(as_text=True)
    assert staff_signed_in(desk)
    assert not staff_signed_in(laptop)
    assert not staff_signed_in(copied)  # the cookie from before the change


def test_deactivation_ends_every_session_and_reactivation_does_not_revive_them(
    app: Flask, province: Province
) -> None:
    clerk = app.test_client()
    login(clerk, "jinan_clerk")
    admin = app.test_client()
    login(admin, "jinan_admin")
    clerk_id = province.staff["jinan_clerk"]
    post_form(admin, "/admin/staff", f"/admin/staff/{clerk_id}/active", {"active": "0"})
    assert not staff_signed_in(clerk)
    post_form(admin, "/admin/staff", f"/admin/staff/{clerk_id}/active", {"active": "1"})
    assert not staff_signed_in(clerk)
    assert login(app.test_client(), "jinan_clerk").status_code == 302


def _holder(app: Flask, client: FlaskClient, password: str = "holder password") -> FlaskClient:
    """An activated holder signed in on a phone."""
    code = issue_with_code(client, HOLDER, "张三明", "s1")
    phone = app.test_client()
    assert "账号已开通。" in activate(phone, HOLDER, code, password).get_data(as_text=True)
    return phone


def holder_login(client: FlaskClient, password: str = "holder password") -> None:
    post_form(client, "/me/login", "/me/login", {"id_number": HOLDER, "password": password})


def test_a_holder_cookie_copied_before_sign_out_is_dead_after_it(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    phone = _holder(app, client)
    same, elsewhere = copy_of(phone), copy_of(phone, environ=OTHER_BROWSER)
    assert holder_signed_in(same)
    sign_out(phone, "/me", "/me/logout")
    assert not holder_signed_in(phone)
    assert not holder_signed_in(same)
    assert not holder_signed_in(elsewhere)


def test_a_holder_password_change_keeps_this_session_and_ends_the_others(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    phone = _holder(app, client)
    tablet = app.test_client()
    holder_login(tablet)
    assert holder_signed_in(tablet)
    new = "another holder password"
    page = post_form(
        phone, "/me/password", "/me/password", {"current": "holder password", "new": new, "again": new}
    )
    assert "密码已修改。" in page.get_data(as_text=True)
    assert holder_signed_in(phone)
    assert not holder_signed_in(tablet)


def certificate_url(app: Flask) -> str:
    """The staff page of the only certificate (read in an app context of its own: a test's open
    app context would be shared by the clients' requests)."""
    with app.app_context():
        return f"/admin/certificates/{get_session().scalars(select(Certificate.id)).one()}"


def test_a_new_activation_code_ends_every_session_of_the_account(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    phone = _holder(app, client)
    url = certificate_url(app)
    page = post_form(client, url, f"{url}/activation-code", {"expected_version": 1, "confirm": "y"})
    assert "激活码" in page.get_data(as_text=True)
    assert not holder_signed_in(phone)
    holder_login(phone)  # the password still works until the new code is used
    assert holder_signed_in(phone)


def test_re_activation_ends_every_session_of_the_account(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    _holder(app, client)
    url = certificate_url(app)
    page = post_form(client, url, f"{url}/activation-code", {"expected_version": 1, "confirm": "y"})
    match = re.search(r"：([2-9A-Z]{5}-[2-9A-Z]{5})（", page.get_data(as_text=True))
    assert match
    code = match.group(1)
    intruder = app.test_client()  # someone holding the old password signs in after the new code
    holder_login(intruder)
    assert holder_signed_in(intruder)
    phone = app.test_client()
    assert "账号已开通。" in activate(phone, HOLDER, code, "a fresh password").get_data(as_text=True)
    assert holder_signed_in(phone)
    assert not holder_signed_in(intruder)
