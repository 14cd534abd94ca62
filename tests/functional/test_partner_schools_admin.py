"""The training schools of a partner system on the province administrator's pages: given when it is
registered, added and removed on its schools page (audited), the schools it pushed for without being
registered shown for review, and nobody else let in."""

from __future__ import annotations

import html

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from app.db import get_session
from app.models import GraduationCertificate, PartnerClient, PartnerSchool

from ..registry import Province
from .admin_client import csrf, login
from .graduation_data import (
    JINAN_SCHOOL,
    QINGDAO_SCHOOL,
    SCHOOL_NAMES,
    UNKNOWN_SCHOOL,
    ZHANG,
    add_schools,
    push,
)
from .test_partner_admin import BOTH_SCOPES, PAGE, audit, open_page, registered, request_key

WRONG_CHECK = "52370100MJD0000013"  # JINAN_SCHOOL with a wrong check character


def schools_of(app: Flask, client_id: str) -> list[tuple[str, str]]:
    """(credit code, added by) of the partner's schools."""
    with app.app_context():
        client = get_session().scalars(select(PartnerClient).filter_by(client_id=client_id)).one()
        return [(s.school_credit_code, s.added_by) for s in client.schools]


def schools_page(client: FlaskClient, client_id: str, lang: str = "en") -> str:
    response = client.get(f"{PAGE}/{client_id}/schools?lang={lang}")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def add(client: FlaskClient, client_id: str, codes: str) -> TestResponse:
    page = schools_page(client, client_id)
    return client.post(f"{PAGE}/{client_id}/schools", data={"csrf_token": csrf(page), "codes": codes})


def remove(client: FlaskClient, client_id: str, codes: list[str], *, confirm: bool = True) -> TestResponse:
    page = schools_page(client, client_id)
    data: dict[str, object] = {"csrf_token": csrf(page), "schools": codes}
    if confirm:
        data["confirm"] = "y"
    return client.post(f"{PAGE}/{client_id}/schools/remove", data=data)


def test_register_with_schools(app: Flask, client: FlaskClient, province: Province) -> None:
    login(client, "province")
    page = open_page(client)
    data = {
        "csrf_token": csrf(page),
        "request_key": request_key(page),
        "name": "驾培计时平台",
        "scopes": BOTH_SCOPES,
        "schools": f"{JINAN_SCHOOL.lower()}\n{QINGDAO_SCHOOL}，{JINAN_SCHOOL}",
    }
    response = client.post(PAGE, data=data)
    assert response.status_code == 200
    [client_id] = [c.client_id for c in _clients(app)]
    assert schools_of(app, client_id) == [(JINAN_SCHOOL, "province"), (QINGDAO_SCHOOL, "province")]
    assert [(action, actor) for action, actor, _ in audit(app)] == [
        ("partner.register", "province"),
        ("partner.add_schools", "province"),
    ]
    listing = open_page(client)
    assert f'href="{PAGE}/{client_id}/schools">2 school(s)</a>' in listing


def _clients(app: Flask) -> list[PartnerClient]:
    with app.app_context():
        return list(get_session().scalars(select(PartnerClient).order_by(PartnerClient.id)))


def test_register_with_a_wrong_code_registers_nothing(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    login(client, "province")
    page = open_page(client)
    data = {
        "csrf_token": csrf(page),
        "request_key": request_key(page),
        "name": "驾培计时平台",
        "scopes": BOTH_SCOPES,
        "schools": f"{JINAN_SCHOOL} {WRONG_CHECK}",
    }
    response = client.post(f"{PAGE}?lang=en", data=data)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert (
        f"The check character of the unified social credit code “{WRONG_CHECK}” is wrong" in page
    ) and 'class="field-error"' in page
    assert _clients(app) == [] and audit(app) == []


def test_a_partner_without_schools_is_flagged(client: FlaskClient, province: Province) -> None:
    login(client, "province")
    client_id, _ = registered(client)
    listing = open_page(client)
    assert f'href="{PAGE}/{client_id}/schools">0 school(s)</a>' in listing
    assert "none: its pushes are refused" in listing
    page = schools_page(client, client_id)
    assert "This partner system is registered for no school: every push it makes is refused." in page
    chinese = schools_page(client, client_id, "zh_CN")
    assert "驾培计时平台 的培训机构" in chinese and "该合作系统未登记任何培训机构" in chinese


def test_add_and_remove_schools(app: Flask, client: FlaskClient, province: Province) -> None:
    add_schools(app)
    login(client, "province")
    client_id, _ = registered(client)

    added = add(client, client_id, f" {JINAN_SCHOOL.lower()} 、{UNKNOWN_SCHOOL};\n\n")
    assert added.status_code == 302 and added.headers["Location"] == f"{PAGE}/{client_id}/schools"
    page = schools_page(client, client_id)
    assert "驾培计时平台 may now push for 2 more school(s)." in page
    assert f"<code>{JINAN_SCHOOL}</code></td>\n          <td>{SCHOOL_NAMES[JINAN_SCHOOL]}</td>" in page
    assert (
        f'<code>{UNKNOWN_SCHOOL}</code></td>\n          <td><span class="muted">not in the registry yet'
        in page
    )
    assert add(client, client_id, JINAN_SCHOOL).status_code == 302
    assert "驾培计时平台 was already registered for these schools." in schools_page(client, client_id)
    assert schools_of(app, client_id) == [(JINAN_SCHOOL, "province"), (UNKNOWN_SCHOOL, "province")]

    unconfirmed = remove(client, client_id, [UNKNOWN_SCHOOL], confirm=False)
    assert unconfirmed.status_code == 302
    assert "Tick the schools to remove and the confirmation box" in schools_page(client, client_id)
    assert len(schools_of(app, client_id)) == 2
    not_its = remove(client, client_id, [QINGDAO_SCHOOL])  # not one of its schools: not a choice
    assert not_its.status_code == 302 and len(schools_of(app, client_id)) == 2

    assert remove(client, client_id, [UNKNOWN_SCHOOL]).status_code == 302
    assert "驾培计时平台 may no longer push for 1 school(s)." in schools_page(client, client_id)
    assert schools_of(app, client_id) == [(JINAN_SCHOOL, "province")]
    assert [action for action, _, _ in audit(app)] == [
        "partner.register",
        "partner.add_schools",
        "partner.remove_schools",
    ]
    assert UNKNOWN_SCHOOL in audit(app)[-1][2]


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        (
            f"{JINAN_SCHOOL} {WRONG_CHECK}",
            f"The check character of the unified social credit code “{WRONG_CHECK}” is wrong",
        ),
        (f"{JINAN_SCHOOL}\n91-NOT-A-CODE", "“91-NOT-A-CODE” is not a unified social credit code"),
        (" ，\n ", "Give the credit code of at least one training school."),
    ],
)
def test_wrong_codes_are_explained(
    app: Flask, client: FlaskClient, province: Province, codes: str, message: str
) -> None:
    login(client, "province")
    client_id, _ = registered(client)
    page = schools_page(client, client_id)
    response = client.post(
        f"{PAGE}/{client_id}/schools?lang=en",
        data={"csrf_token": csrf(page), "codes": codes},
    )
    assert response.status_code == 422
    assert message in html.unescape(response.get_data(as_text=True))
    assert schools_of(app, client_id) == []


def test_schools_it_pushed_for_without_being_registered_are_listed(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    """After the migration a partner has no schools; what it pushed before shows what to review."""
    login(client, "province")
    client_id, _ = registered(client)
    add_schools(app)
    push(
        app,
        "JN-001",
        id_no=ZHANG,
        name="张三明",
        sex="M",
        training_type="A2",
        school=JINAN_SCHOOL,
        completed_on="2025-03-10",
    )
    with app.app_context():
        session = get_session()
        partner = session.scalars(select(PartnerClient).filter_by(client_id=client_id)).one()
        session.execute(update(GraduationCertificate).values(pushed_by=partner.id, owner=client_id))
        session.commit()
    page = schools_page(client, client_id)
    assert "Schools it pushed for without being registered" in page
    assert f"<li><code>{JINAN_SCHOOL}</code> · {SCHOOL_NAMES[JINAN_SCHOOL]}</li>" in page
    assert add(client, client_id, JINAN_SCHOOL).status_code == 302
    assert "Schools it pushed for without being registered" not in schools_page(client, client_id)


@pytest.mark.parametrize("username", ["jinan_admin", "jinan_clerk", "jinan_inspector"])
def test_only_the_province_administrator(
    app: Flask, client: FlaskClient, province: Province, username: str
) -> None:
    login(client, "province")
    client_id, _ = registered(client)
    client.post("/admin/logout", data={"csrf_token": csrf(client.get("/admin/").get_data(as_text=True))})
    login(client, username)
    assert client.get(f"{PAGE}/{client_id}/schools").status_code == 403
    token = csrf(client.get("/admin/password").get_data(as_text=True))
    assert (
        client.post(
            f"{PAGE}/{client_id}/schools", data={"csrf_token": token, "codes": JINAN_SCHOOL}
        ).status_code
        == 403
    )
    removal = {"csrf_token": token, "schools": [JINAN_SCHOOL], "confirm": "y"}
    assert client.post(f"{PAGE}/{client_id}/schools/remove", data=removal).status_code == 403
    assert schools_of(app, client_id) == []


def test_unknown_partner_and_missing_csrf(app: Flask, client: FlaskClient, province: Province) -> None:
    login(client, "province")
    client_id, _ = registered(client)
    assert client.get(f"{PAGE}/p-unknown/schools").status_code == 404
    page = schools_page(client, client_id)
    assert (
        client.post(
            f"{PAGE}/p-unknown/schools", data={"csrf_token": csrf(page), "codes": JINAN_SCHOOL}
        ).status_code
        == 404
    )
    assert client.post(f"{PAGE}/{client_id}/schools", data={"codes": JINAN_SCHOOL}).status_code == 400
    assert schools_of(app, client_id) == []
    with app.app_context():
        assert get_session().scalars(select(PartnerSchool)).all() == []
