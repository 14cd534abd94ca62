"""Administration pages: staff accounts and the service-item configuration."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Staff

from ..registry import PASSWORD, Province
from .admin_client import login, post_form


def test_authority_admin_creates_a_clerk(client: FlaskClient, session: Session, province: Province) -> None:
    login(client, "jinan_admin")
    page = post_form(
        client,
        "/admin/staff",
        "/admin/staff",
        {
            "username": "new_clerk",
            "display_name": "新办事员",
            "password": "a long password",
            "role": "clerk",
            "authority_id": province.authority["jinan"],
            "permissions": ["issue:conclude"],
        },
    ).get_data(as_text=True)
    assert "账号 new_clerk 已创建。" in page
    created = session.scalars(select(Staff).filter_by(username="new_clerk")).one()
    assert created.authority_id == province.authority["jinan"]
    assert [(p.item, p.stage) for p in created.permissions] == [("issue", "conclude")]
    again = post_form(
        client,
        "/admin/staff",
        "/admin/staff",
        {
            "username": "new_clerk",
            "display_name": "x",
            "password": "a long password",
            "role": "clerk",
            "authority_id": province.authority["jinan"],
        },
    ).get_data(as_text=True)
    assert "用户名 new_clerk 已被使用。" in again


def test_authority_admin_cannot_pick_another_authority(client: FlaskClient, province: Province) -> None:
    login(client, "jinan_admin")
    page = post_form(
        client,
        "/admin/staff",
        "/admin/staff",
        {
            "username": "sneaky",
            "display_name": "x",
            "password": "a long password",
            "role": "clerk",
            "authority_id": province.authority["qingdao"],
        },
    )
    assert page.status_code == 422 and "不是有效的选择。" in page.get_data(as_text=True)


def test_clerks_cannot_manage_staff(client: FlaskClient, province: Province) -> None:
    login(client, "jinan_clerk")
    assert client.get("/admin/staff").status_code == 403


def test_province_sees_and_fixes_a_conflict(client: FlaskClient, province: Province) -> None:
    login(client, "province")
    page = post_form(
        client,
        "/admin/service-items",
        "/admin/service-items",
        {
            "region_code": "370100",
            "item": "suspend",
            "authority_id": province.authority["qingdao"],
        },
    ).get_data(as_text=True)
    assert (
        "配置了多个实施主体的服务事项" in page
        and "370100 · 从业资格证暂扣: 济南市交通运输局、青岛市交通运输局" in page
    )
    page = post_form(
        client,
        "/admin/service-items",
        "/admin/service-items",
        {
            "region_code": "370100",
            "item": "suspend",
            "authority_id": province.authority["qingdao"],
            "remove": "y",
        },
    ).get_data(as_text=True)
    assert "配置了多个实施主体的服务事项" not in page


def test_only_the_province_changes_the_configuration(client: FlaskClient, province: Province) -> None:
    login(client, "jinan_admin")
    response = post_form(
        client,
        "/admin/service-items",
        "/admin/service-items",
        {
            "region_code": "370100",
            "item": "suspend",
            "authority_id": province.authority["qingdao"],
        },
    )
    assert response.status_code == 403


def test_deactivated_account_cannot_sign_in(client: FlaskClient, province: Province) -> None:
    login(client, "jinan_admin")
    clerk_id = province.staff["jinan_clerk"]
    page = post_form(client, "/admin/staff", f"/admin/staff/{clerk_id}/active", {"active": "0"})
    assert "账号 jinan_clerk 已停用。" in page.get_data(as_text=True)
    other = client.application.test_client()
    assert "用户名或密码错误。" in login(other, "jinan_clerk").get_data(as_text=True)
    post_form(client, "/admin/staff", f"/admin/staff/{clerk_id}/active", {"active": "1"})
    assert login(client.application.test_client(), "jinan_clerk").status_code == 302


def test_cannot_touch_another_authoritys_account(client: FlaskClient, province: Province) -> None:
    login(client, "jinan_admin")
    response = post_form(
        client, "/admin/staff", f"/admin/staff/{province.staff['qingdao_clerk']}/active", {"active": "0"}
    )
    assert response.status_code == 404


def test_change_own_password(client: FlaskClient, province: Province) -> None:
    login(client, "jinan_clerk")
    wrong = post_form(
        client,
        "/admin/password",
        "/admin/password",
        {"current": "nope", "new": "a new long password", "again": "a new long password"},
    )
    assert "当前密码错误。" in wrong.get_data(as_text=True)
    differ = post_form(
        client,
        "/admin/password",
        "/admin/password",
        {"current": PASSWORD, "new": "a new long password", "again": "another one!!"},
    )
    assert "两次输入的新密码不一致。" in differ.get_data(as_text=True)
    done = post_form(
        client,
        "/admin/password",
        "/admin/password",
        {"current": PASSWORD, "new": "a new long password", "again": "a new long password"},
    )
    assert "密码已修改。" in done.get_data(as_text=True)
    assert login(client.application.test_client(), "jinan_clerk", "a new long password").status_code == 302
