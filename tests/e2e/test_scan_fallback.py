"""The scanner without a camera (Chromium with no camera and no permission to use one): the
inspector is told, then checks the holder's code from a photo, decoded in the browser, or types
the certificate number and the holder's name for an online check, masked as on the verify page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from playwright.sync_api import Browser, expect

from app.db import get_session
from app.services import certificates as certs
from app.services.presentations import printed_code
from signing import mask_id

from ..helpers import id_number, photo_of_code
from ..registry import Province

HOLDER = id_number()


@dataclass
class Issued:
    number: str
    issuer: str
    photo: Path


@pytest.fixture
def issued(app: Flask, province: Province, tmp_path: Path) -> Issued:
    """A certificate, and a phone photo of its printed code: the QR off centre on a grey desk."""
    with app.app_context():
        session = get_session()
        admin = province.actor(session, "jinan_admin")
        cert = certs.issue(
            session, province.context, admin, certs.IssueRequest(HOLDER, "张三明", [1])
        ).certificate
        session.commit()
        url = printed_code(province.context, cert, certs.current_version(cert))
        number, issuer = cert.number, cert.authority.name
    return Issued(number, issuer, photo_of_code(url, tmp_path / "code.jpg"))


def test_scan_without_camera(browser: Browser, live_server: str, issued: Issued, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server + "/scan")
    expect(page.locator("#scan-hint")).to_have_text(
        "无法打开摄像头。请允许使用摄像头后刷新页面，或在下方选择二维码照片、输入证号查验。", timeout=10_000
    )
    expect(page.locator("#camera")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    blank = tmp_path / "blank.png"
    Image.new("RGB", (400, 300), (255, 255, 255)).save(blank)
    page.locator("#photo").set_input_files(str(blank))
    expect(page.locator("#photo-hint")).to_have_text(
        "照片中未找到二维码，请靠近并对准后重拍。", timeout=10_000
    )

    page.get_by_label("选择二维码照片").set_input_files(str(issued.photo))
    expect(page.locator("#photo-hint")).to_have_text("")
    expect(page.locator("#verdict-word")).to_have_text("有效", timeout=20_000)
    expect(page.locator("#verdict-holder")).to_contain_text("张*明")
    expect(page.locator("#verdict-server")).to_have_text("服务器核验结果一致。", timeout=10_000)

    page.get_by_label("证号").fill(issued.number)
    page.get_by_label("姓名").fill("张三明")
    page.locator("#number-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/check\?"))
    expect(page.locator(".verdict-word")).to_have_text("有效")
    expect(page.locator(".verdict-reason")).to_contain_text("张*明")
    facts = page.locator("#number-facts")
    expect(facts).to_contain_text(issued.issuer)
    expect(facts).to_contain_text("经营性道路旅客运输驾驶员")
    expect(page.locator("#number-verdict")).to_contain_text(mask_id(HOLDER))
    expect(page.locator("#number-verdict")).not_to_contain_text(HOLDER)  # the number typed is the ID
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_label("姓名").fill("李四")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".verdict-word")).to_have_text("查无此证")
    expect(page.locator(".verdict-reason")).to_have_text("没有该证号和姓名的电子证照。")
    page.locator("#try-legacy").click()
    expect(page).to_have_url(re.compile(r"/legacy\?number=.+&name="))

    page.goto(f"{live_server}/check?number={issued.number}&name=张三明&lang=en")
    expect(page.locator(".verdict-word")).to_have_text("Currently valid")
    expect(page.locator("#number-facts dt").first).to_have_text("Issuing authority")
    context.close()
