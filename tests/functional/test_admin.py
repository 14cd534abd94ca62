"""The administrators' pages over HTTP: sign-in, issue, act, refusals, messages users see."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.messages import message_for
from app.models import AuditEvent, Certificate
from app.services import certificates as certs
from app.services.errors import PermissionDenied

from ..helpers import id_number
from ..registry import Province
from .admin_client import csrf, login, passed_exams, post_form, window_form

HOLDER = id_number()
NEW = "/admin/applications/new?item=issue"


def issue_via_form(client: FlaskClient, **overrides: object):  # type: ignore[no-untyped-def]
    """Issue at the window: the intake form of the item ``issue``, accepted and concluded at once."""
    data = window_form(id_number=HOLDER, name="张三明", categories=["1", "9"], request_key="form-1", fast="1")
    data.update(overrides)
    passed_exams(client.application, HOLDER, "张三明", [1])
    return post_form(client, NEW, NEW, data)


def test_sign_in_required(client: FlaskClient) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_wrong_password_message(client: FlaskClient, province: Province) -> None:
    page = login(client, "jinan_admin", "wrong password").get_data(as_text=True)
    assert "用户名或密码错误。" in page


def test_login_without_csrf_is_refused(client: FlaskClient, province: Province) -> None:
    response = client.post("/admin/login", data={"username": "jinan_admin", "password": "x"})
    assert response.status_code == 400
    assert "请求有误" in response.get_data(as_text=True)


def test_login_is_rate_limited(client: FlaskClient, province: Province) -> None:
    for _ in range(10):
        login(client, "jinan_admin", "wrong password")
    response = login(client, "jinan_admin", "wrong password")
    assert response.status_code == 429
    assert "操作过于频繁，请稍候再试。" in response.get_data(as_text=True)


def test_inspector_cannot_use_admin_pages(client: FlaskClient, province: Province) -> None:
    assert login(client, "jinan_inspector").headers["Location"] == "/inspect"
    assert client.get("/admin/").status_code == 403


def test_issue_and_act_through_the_pages(client: FlaskClient, session: Session, province: Province) -> None:
    assert login(client, "jinan_admin").status_code == 302
    page = issue_via_form(client).get_data(as_text=True)
    assert f"证书 {HOLDER} 已核发。" in page
    assert "经营性道路旅客运输驾驶员、出租汽车驾驶员" in page
    cert = session.scalars(select(Certificate)).one()
    again = issue_via_form(client).get_data(as_text=True)  # the same form submitted twice
    assert "该表单已提交过，未重复办理。" in again
    assert len(session.scalars(select(Certificate)).all()) == 1
    url = f"/admin/certificates/{cert.id}"
    done = post_form(
        client,
        url,
        f"{url}/suspend",
        {"expected_version": 1, "reason": "违章", "confirm": "y", "request_key": "s1"},
    ).get_data(as_text=True)
    assert "证书已暂扣。" in done and "暂扣" in done
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert 'data-count="suspended">1<' in dashboard
    found = client.get("/admin/certificates?q=张三").get_data(as_text=True)
    assert HOLDER in found and "共 1 条" in found


def test_issue_form_errors(client: FlaskClient, province: Province) -> None:
    login(client, "jinan_admin")
    page = issue_via_form(client, id_number="370102199003071230").get_data(as_text=True)
    assert "身份证号码最后一位与前面的号码不符，请检查是否输错。" in page  # words, not an English detail
    page = issue_via_form(client, confirm="").get_data(as_text=True)
    assert "该字段是必填字段。" in page


def test_stale_form_shows_a_conflict(client: FlaskClient, session: Session, province: Province) -> None:
    admin = province.actor(session, "jinan_admin")
    cert = certs.issue(
        session, province.context, admin, certs.IssueRequest(HOLDER, "张三明", [1])
    ).certificate
    session.commit()
    login(client, "jinan_admin")
    url = f"/admin/certificates/{cert.id}"
    certs.perform(session, province.context, admin, "reissue", cert.id, certs.ActionInput(reason="lost"))
    session.commit()
    page = post_form(
        client,
        url,
        f"{url}/suspend",
        {"expected_version": 1, "reason": "x", "confirm": "y", "request_key": "s2"},
    ).get_data(as_text=True)
    assert "此页面显示的是第 1 版，但证书现已是第 2 版。请刷新页面核对后再办理。" in page


def test_other_authority_sees_nothing_and_its_attempts_are_recorded(
    client: FlaskClient, session: Session, province: Province
) -> None:
    admin = province.actor(session, "jinan_admin")
    cert = certs.issue(
        session, province.context, admin, certs.IssueRequest(HOLDER, "张三明", [1])
    ).certificate
    session.commit()
    login(client, "qingdao_admin")
    url = f"/admin/certificates/{cert.id}"
    assert client.get(url).status_code == 404  # another city's certificate: as if it did not exist
    assert client.get(f"{url}/certificate.pdf").status_code == 404
    token = csrf(client.get("/admin/applications/queue").get_data(as_text=True))
    form = {"csrf_token": token, "expected_version": 1, "reason": "x", "confirm": "y", "request_key": "r1"}
    assert client.post(f"{url}/revoke", data=form).status_code == 404
    assert client.post(f"{url}/activation-code", data=form).status_code == 404
    session.expire_all()
    assert session.get(Certificate, cert.id).state == "active"  # type: ignore[union-attr]
    with pytest.raises(PermissionDenied) as refused:
        certs.perform(
            session,
            province.context,
            province.actor(session, "qingdao_admin"),
            "reissue",
            cert.id,
            certs.ActionInput(reason="x"),
        )
    session.commit()  # the unit of work keeps the record of the refusal
    assert (
        message_for(refused.value) == "只有发证机关（济南市交通运输局）可以办理此证书的业务。本次操作已记录。"
    )
    recorded = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "certificate.reissue.refused")
    ).one()
    assert recorded.actor == "qingdao_admin" and recorded.reason == "other_authority"


def test_missing_confirmation(client: FlaskClient, session: Session, province: Province) -> None:
    admin = province.actor(session, "jinan_admin")
    cert = certs.issue(
        session, province.context, admin, certs.IssueRequest(HOLDER, "张三明", [1])
    ).certificate
    session.commit()
    login(client, "jinan_admin")
    url = f"/admin/certificates/{cert.id}"
    page = post_form(client, url, f"{url}/suspend", {"expected_version": 1, "reason": "x"}).get_data(
        as_text=True
    )
    assert "请勾选确认框并填写表单后再提交。" in page


def test_logout_needs_post(client: FlaskClient, province: Province) -> None:
    login(client, "jinan_admin")
    assert client.get("/admin/logout").status_code == 405
    page = client.get("/admin/").get_data(as_text=True)
    response = client.post("/admin/logout", data={"csrf_token": csrf(page)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302


def test_dashboard_lists_certificates_expiring_soon(
    client: FlaskClient, session: Session, province: Province
) -> None:
    admin = province.actor(session, "jinan_admin")
    start = province.context.clock.today() - dt.timedelta(days=365 * 6 - 10)
    soon = certs.issue(
        session, province.context, admin, certs.IssueRequest(HOLDER, "张三明", [1], valid_from=start)
    ).certificate
    session.commit()
    certs.issue(
        session, province.context, admin, certs.IssueRequest(id_number("11010519491231002"), "李四", [2])
    )
    session.commit()
    login(client, "jinan_admin")
    page = client.get("/admin/").get_data(as_text=True)
    assert 'data-count="expiring">1<' in page and 'data-count="active">2<' in page
    assert f"/admin/certificates/{soon.id}" in page


def test_search_pages(client: FlaskClient, session: Session, province: Province) -> None:
    admin = province.actor(session, "jinan_admin")
    for n in range(25):
        first17 = f"370102199001{n + 1:02d}123"
        certs.issue(
            session,
            province.context,
            admin,
            certs.IssueRequest(id_number(first17), "王" + chr(0x4E00 + n), [1]),
        )
        session.commit()
    login(client, "jinan_admin")
    first = client.get("/admin/certificates?q=王").get_data(as_text=True)
    assert "共 25 条" in first and "第 1 页，共 2 页" in first and first.count("/admin/certificates/") >= 20
    second = client.get("/admin/certificates?q=王&page=2").get_data(as_text=True)
    assert "第 2 页，共 2 页" in second and "上一页" in second


def test_admin_pages_in_english(client: FlaskClient, province: Province) -> None:
    login(client, "jinan_admin")
    page = client.get("/admin/?lang=en").get_data(as_text=True)
    assert "<h1>Dashboard</h1>" in page and "Expiring in the next 30 days" in page


def test_session_expires_after_quiet_spell(app, client: FlaskClient, province: Province) -> None:  # type: ignore[no-untyped-def]
    response = login(client, "jinan_admin")
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" in cookie and "HttpOnly" in cookie
    assert app.permanent_session_lifetime == dt.timedelta(minutes=30)
