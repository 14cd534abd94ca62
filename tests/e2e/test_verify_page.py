"""The verdict page a phone's scanner opens, on a 360 px screen: big, colour-coded, masked."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from playwright.sync_api import Browser

from app.db import get_session
from app.services import certificates as certs
from app.services.presentations import present

from ..helpers import id_number
from ..registry import Province


def test_verdict_page_on_a_phone(
    app: Flask, browser: Browser, live_server: str, province: Province, tmp_path: Path
) -> None:
    with app.app_context():
        session = get_session()
        admin = province.actor(session, "jinan_admin")
        cert = certs.issue(
            session, province.context, admin, certs.IssueRequest(id_number(), "张三明", [1])
        ).certificate
        session.commit()
        payload = present(province.context, cert, 120).payload
        certs.perform(session, province.context, admin, "suspend", cert.id, certs.ActionInput(reason="违章"))
        session.commit()
        other = certs.issue(
            session, province.context, admin, certs.IssueRequest(id_number("11010519491231002"), "李四", [2])
        ).certificate
        session.commit()
        valid_payload = present(province.context, other, 120).payload
    page = browser.new_page(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page.goto(f"{live_server}/v/{payload}")
    assert page.locator(".verdict-word").inner_text() == "无效"
    assert page.locator(".verdict-reason").inner_text() == "证件已被暂扣。"
    background = page.locator(".verdict").evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(179, 38, 30)"
    page.goto(f"{live_server}/v/{valid_payload}")
    assert page.locator(".verdict-word").inner_text() == "有效"
    assert page.locator(".verdict").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(30, 123, 52)"
    main = page.locator("main").inner_text()
    assert "李*" in main and "签名与证件状态已实时核验。" in main and "年" in main
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(tmp_path / "verdict.png"), full_page=True)
    page.close()
