"""The service-items page shows whether each item of each region is connected to the provincial
government service platform, and the province administrator switches it (audited)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEvent
from app.models.enums import ServiceItem
from app.services import authorities

from ..registry import Province
from .admin_client import csrf, login, post_form


def cell(page: str, region: str, item: str) -> str:
    match = re.search(rf'<tr id="item-{region}-{item}">(.*?)</tr>', page, re.S)
    assert match, (region, item)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def test_the_province_connects_and_disconnects_an_item(
    client: FlaskClient, session: Session, province: Province
) -> None:
    login(client, "province")
    page = client.get("/admin/service-items").get_data(as_text=True)
    assert "是否与省一体化在线政务服务平台对接" in page
    assert cell(page, "370100", "issue").endswith("否 对接")
    switch = {"region_code": "370100", "item": "issue", "connected": "1"}
    page = post_form(client, "/admin/service-items", "/admin/service-items/connected", switch).get_data(
        as_text=True
    )
    assert "370100的“从业资格证核发”事项已与省一体化在线政务服务平台对接。" in page
    assert cell(page, "370100", "issue").endswith("是 取消对接")
    assert cell(page, "370200", "issue").endswith("否 对接")  # the other region is unchanged
    session.expire_all()
    assert authorities.assignment(session, "370100", ServiceItem.ISSUE).connected
    page = post_form(
        client, "/admin/service-items", "/admin/service-items/connected", {**switch, "connected": "0"}
    ).get_data(as_text=True)
    assert "370100的“从业资格证核发”事项已取消与省一体化在线政务服务平台的对接。" in page
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("service_item.%connect"))
    ).all()
    assert actions == ["service_item.connect", "service_item.disconnect"]


def test_an_unassigned_item_is_named_and_others_may_not_switch(
    client: FlaskClient, session: Session, province: Province
) -> None:
    login(client, "province")
    page = post_form(
        client,
        "/admin/service-items",
        "/admin/service-items/connected",
        {"region_code": "379900", "item": "issue", "connected": "1"},
    ).get_data(as_text=True)
    assert "地区 379900 未配置该事项的实施主体。" in page
    login(client, "jinan_admin")
    page = client.get("/admin/service-items").get_data(as_text=True)
    assert "是否与省一体化在线政务服务平台对接" in page and "/admin/service-items/connected" not in page
    token = csrf(page)
    refused = client.post(
        "/admin/service-items/connected",
        data={"csrf_token": token, "region_code": "370100", "item": "issue", "connected": "1"},
    )
    assert refused.status_code == 403
    no_token = client.post(
        "/admin/service-items/connected", data={"region_code": "370100", "item": "issue", "connected": "1"}
    )
    assert no_token.status_code in (400, 403)
    session.expire_all()
    assert not authorities.assignment(session, "370100", ServiceItem.ISSUE).connected
