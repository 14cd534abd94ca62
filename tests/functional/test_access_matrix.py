"""Every object page and file asks the one access policy: each kind of user against each page of
the certificate office, a certificate of Jinan (its page, PDF, holder account) and the holder's own
pages. 404 where the object must not even be known to exist, 403 where the page is not for that role,
a sign-in redirect for nobody."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.services import certificates as certs
from app.services import holders

from ..helpers import id_number
from ..registry import Province
from .admin_client import csrf, login, post_form

HOLDER, OTHER = id_number("37010219900307123"), id_number("37010219850611002")
PASSWORD = "holder password"
USERS = [
    "nobody",
    "province",
    "jinan_admin",
    "jinan_clerk",
    "jinan_inspector",
    "qingdao_admin",
    "qingdao_clerk",
    "qingdao_inspector",
    "holder",
    "other_holder",
]


@dataclass(frozen=True)
class Objects:
    jinan: int  # a certificate issued by Jinan, held by HOLDER
    qingdao: int  # a certificate issued by Qingdao, held by OTHER


@pytest.fixture
def objects(app: Flask, session: Session, province: Province) -> Objects:
    made = {}
    for key, holder, name in (("jinan", HOLDER, "张三明"), ("qingdao", OTHER, "李四")):
        admin = province.actor(session, f"{key}_admin")
        cert = certs.issue(
            session, province.context, admin, certs.IssueRequest(holder, name, [1])
        ).certificate
        code = holders.new_activation_code(session, cert.practitioner, admin)
        holders.activate(session, holder, code, PASSWORD)
        made[key] = cert.id
    session.commit()
    return Objects(**made)


def client_for(app: Flask, user: str) -> FlaskClient:
    client = app.test_client()
    if user in ("holder", "other_holder"):
        id_no = HOLDER if user == "holder" else OTHER
        assert (
            post_form(
                client, "/me/login", "/me/login", {"id_number": id_no, "password": PASSWORD}
            ).status_code
            == 200
        )
    elif user != "nobody":
        assert login(client, user).status_code == 302
    return client


def token(client: FlaskClient) -> str:
    """A CSRF token from a page every user can open (the front page's sign-out form, or a sign-in form)."""
    page = client.get("/").get_data(as_text=True)
    return csrf(page if "csrf_token" in page else client.get("/admin/login").get_data(as_text=True))


OFFICE = {"province": 200, "jinan_admin": 200, "jinan_clerk": 200, "qingdao_admin": 200, "qingdao_clerk": 200}
HIDDEN = {"qingdao_admin": 404, "qingdao_clerk": 404}
NOT_STAFF = {"jinan_inspector": 403, "qingdao_inspector": 403, "holder": 403, "other_holder": 403}


def expected(page: str, user: str) -> int:
    """The status each user gets (302: sent to a sign-in page)."""
    if user == "nobody":
        return 302
    if page in ("certificate", "certificate_pdf"):
        return HIDDEN.get(user) or NOT_STAFF.get(user) or 200
    if page == "activation_code":  # only the issuing authority acts on its holder's account
        return {"jinan_admin": 302, "jinan_clerk": 302}.get(user) or NOT_STAFF.get(user) or 404
    if page == "other_city_certificate":
        return (
            {"qingdao_admin": 200, "qingdao_clerk": 200, "province": 200}.get(user)
            or NOT_STAFF.get(user)
            or 404
        )
    if page in ("search", "dashboard", "photos", "graduation_search", "service_items"):
        return OFFICE.get(user) or NOT_STAFF.get(user, 403)
    if page == "service_items_change":
        return 302 if user == "province" else 403
    if page == "staff":
        return {"province": 200, "jinan_admin": 200, "qingdao_admin": 200}.get(user, 403)
    if page == "partners":
        return 200 if user == "province" else 403
    if page in ("own_certificate_pdf", "own_show"):
        if user == "holder":
            return 200
        return 404 if user == "other_holder" else 302
    raise AssertionError(page)


PAGES = [
    "certificate",
    "certificate_pdf",
    "activation_code",
    "other_city_certificate",
    "search",
    "dashboard",
    "photos",
    "graduation_search",
    "service_items",
    "service_items_change",
    "staff",
    "partners",
    "own_certificate_pdf",
    "own_show",
]


def request(client: FlaskClient, page: str, objects: Objects) -> int:
    jinan, qingdao = objects.jinan, objects.qingdao
    gets = {
        "certificate": f"/admin/certificates/{jinan}",
        "certificate_pdf": f"/admin/certificates/{jinan}/certificate.pdf",
        "other_city_certificate": f"/admin/certificates/{qingdao}",
        "search": "/admin/certificates?q=张",
        "dashboard": "/admin/",
        "photos": "/admin/photos",
        "graduation_search": "/admin/graduation-certificates",
        "service_items": "/admin/service-items",
        "staff": "/admin/staff",
        "partners": "/admin/partners",
        "own_certificate_pdf": f"/me/certificates/{jinan}.pdf",
        "own_show": f"/me/show/{jinan}",
    }
    if page in gets:
        return client.get(gets[page]).status_code
    form = {"csrf_token": token(client), "confirm": "y", "expected_version": 1, "request_key": "k"}
    if page == "activation_code":
        return client.post(f"/admin/certificates/{jinan}/activation-code", data=form).status_code
    if page == "service_items_change":
        form |= {"region_code": "370100", "item": "cancel", "authority_id": 1, "remove": "y"}
        return client.post("/admin/service-items", data=form).status_code
    raise AssertionError(page)


@pytest.mark.parametrize("user", USERS)
def test_every_user_against_every_page(app: Flask, objects: Objects, user: str) -> None:
    client = client_for(app, user)
    got = {page: request(client, page, objects) for page in PAGES}
    assert got == {page: expected(page, user) for page in PAGES}
