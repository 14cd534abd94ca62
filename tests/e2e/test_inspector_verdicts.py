"""A signed-in inspector on a 360 x 740 phone scans (from a photo) the printed code of a revoked
certificate: the scanner gives the verdict offline, the server confirms it, and the full record,
which exists only online, opens from the verdict: whose certificate, when and why it was revoked.
The check is then listed on his page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect

from app.db import get_session
from app.services import certificates as certs
from app.services.clock import CHINA
from app.services.presentations import printed_code

from ..helpers import id_number, photo_of_code
from ..registry import PASSWORD, Province

HOLDER = id_number("37010219750505002")


@dataclass
class Revoked:
    number: str
    photo: Path


@pytest.fixture
def revoked(app: Flask, province: Province, tmp_path: Path) -> Revoked:
    """A revoked certificate and a phone photo of its printed code."""
    with app.app_context():
        session = get_session()
        admin = province.actor(session, "jinan_admin")
        cert = certs.issue(
            session, province.context, admin, certs.IssueRequest(HOLDER, "赵六明", [1])
        ).certificate
        session.commit()
        url = printed_code(province.context, cert, certs.current_version(cert))
        certs.perform(
            session, province.context, admin, "revoke", cert.id, certs.ActionInput(reason="伪造从业记录")
        )
        session.commit()
        number = cert.number
    return Revoked(number, photo_of_code(url, tmp_path / "code.jpg"))


def test_the_inspector_scans_a_revoked_certificate(
    browser: Browser, live_server: str, revoked: Revoked
) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server + "/admin/login")
    page.get_by_label("用户名").fill("jinan_inspector")
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(live_server + "/inspect")

    page.goto(live_server + "/scan")
    page.get_by_label("选择二维码照片").set_input_files(str(revoked.photo))
    expect(page.locator("#verdict-word")).to_have_text("无效", timeout=20_000)
    expect(page.locator("#verdict-reason")).to_have_text("证件已被吊销或注销。")
    expect(page.locator("#verdict-holder")).to_have_text("")  # offline, nothing personal
    expect(page.locator("#verdict-server")).to_have_text("服务器核验结果一致。", timeout=10_000)
    link = page.locator("#verdict-record")
    expect(link).to_have_text("查看完整记录（联网，留痕）")
    box = link.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
    link.click()

    expect(page.locator(".verdict-word")).to_have_text("无效")
    record = page.locator("#full-record")
    expect(record).to_contain_text("赵六明")
    expect(record).to_contain_text(HOLDER)
    expect(record).to_contain_text("济南市交通运输局")
    expect(page.locator("#record-state")).to_have_text("吊销")
    today = dt.datetime.now(CHINA).date()
    expect(page.locator("#record-event-day")).to_have_text(f"{today.year}年{today.month}月{today.day}日")
    expect(page.locator("#record-reason")).to_have_text("伪造从业记录")
    expect(page.locator("#record-explained")).to_have_text(
        "吊销：因违法违规被依法收回的处罚，不能换发或恢复。"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.goto(live_server + "/inspect")
    expect(page.locator("#checks-today li")).to_have_count(1)
    expect(page.locator("#checks-today li")).to_contain_text("赵六明")
    expect(page.locator("#checks-today li .badge")).to_have_text("吊销")
    context.close()
