"""Administration pages: staff accounts and the service-item configuration."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Staff

from ..registry import Province
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
        "配置了多个实施主体的服务事项" in page and "370100 · 暂扣: 济南市交通运输局、青岛市交通运输局" in page
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
