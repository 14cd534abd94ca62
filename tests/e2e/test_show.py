"""The holder's show screen on a 360 px phone: a QR that decodes to a presentation that verifies,
refreshing, and an honest message when offline with an expired code."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import zxingcpp
from flask import Flask
from PIL import Image
from playwright.sync_api import Browser, expect

from app.db import get_session
from app.services import certificates as certs
from app.services import holders
from signing import KeySet, Verifier

from ..helpers import id_number
from ..registry import Province

HOLDER = id_number()
PASSWORD = "holder password"


def holder_with_certificate(app: Flask, province: Province) -> int:
    with app.app_context():
        session = get_session()
        admin = province.actor(session, "jinan_admin")
        cert = certs.issue(session, province.context, admin, certs.IssueRequest(HOLDER, "张三明", [1, 2]))
        session.commit()
        code = holders.new_activation_code(session, cert.certificate.practitioner, admin)
        session.commit()
        holders.activate(session, HOLDER, code, PASSWORD)
        session.commit()
        return cert.certificate.id


def sign_in(browser: Browser, live_server: str, clock_off: float = 0):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        viewport={"width": 360, "height": 780}, locale="zh-CN", device_scale_factor=2
    )
    page = context.new_page()
    page.clock.install(time=dt.datetime.now() + dt.timedelta(seconds=clock_off))
    page.goto(live_server + "/me/login")
    page.fill("#id_number", HOLDER)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    return context, page


def test_show_screen_qr_verifies(
    app: Flask, browser: Browser, live_server: str, province: Province, tmp_path: Path
) -> None:
    shots = tmp_path
    certificate_id = holder_with_certificate(app, province)
    context, page = sign_in(browser, live_server)
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if r.url.endswith("/presentation") else None)
    page.goto(f"{live_server}/me/show/{certificate_id}")
    expect(page.locator("#qr")).to_be_visible()
    assert page.locator("#show-status").inner_text() == "正常"
    assert page.locator("#qr-time").inner_text() != ""
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot = Image.open(io.BytesIO(page.locator("#qr").screenshot()))
    (symbol,) = zxingcpp.read_barcodes(shot, formats=zxingcpp.BarcodeFormat.QRCode)
    assert symbol.text.startswith("https://rtc.example.cn/v/")
    verified = Verifier(KeySet(province.context.keys.published(now=2_000_000_000))).verify(symbol.text)
    assert verified.holder["name"] == "张*明"
    assert len(fetched) == 1
    with page.expect_request(lambda r: r.url.endswith("/presentation")):
        page.clock.fast_forward(31_000)  # the page refreshes its presentation every 30 s
    expect(page.locator("#qr")).to_be_visible()
    page.screenshot(path=str(shots / "show-360.png"), full_page=True)
    context.close()


def test_offline_with_expired_code_says_so(
    app: Flask, browser: Browser, live_server: str, province: Province
) -> None:
    certificate_id = holder_with_certificate(app, province)
    context, page = sign_in(browser, live_server)
    page.goto(f"{live_server}/me/show/{certificate_id}")
    expect(page.locator("#qr")).to_be_visible()
    context.set_offline(True)
    page.clock.fast_forward(200_000)
    expect(page.locator("#qr-offline")).to_be_visible()
    expect(page.locator("#qr")).to_be_hidden()
    assert "没有网络连接" in page.locator("#qr-offline").inner_text()
    context.close()


def test_without_a_presentation_key_the_screen_says_why(
    app: Flask, browser: Browser, live_server: str, province: Province
) -> None:
    from app.services import keys as key_service
    from signing import Purpose

    certificate_id = holder_with_certificate(app, province)
    with app.app_context():
        session = get_session()
        store = province.context.keys
        (key,) = [info for info in store.infos() if info.purpose == Purpose.PRESENTATION]
        key_service.retire(store, session, actor="test", kid=key.kid, compromised=True, reason="leaked")
        session.commit()
    context, page = sign_in(browser, live_server)
    page.goto(f"{live_server}/me/show/{certificate_id}")
    expect(page.locator("#qr-problem")).to_have_text("本服务目前没有可签署二维码的密钥，请联系系统管理员。")
    expect(page.locator("#qr")).to_be_hidden()
    expect(page.locator("#qr-offline")).to_be_hidden()
    context.close()


def test_refresh_and_show_timing_on_a_phone_whose_clock_is_off(
    app: Flask, browser: Browser, live_server: str, province: Province
) -> None:
    """The phone counts on the server's clock: 10 minutes fast, it still shows the code, asks for a
    new one 30 s after the last (not sooner), and offline shows the last one until 5 s before its
    60 s lifetime ends (a code on screen verifies even on an inspector's phone 25 s fast)."""
    certificate_id = holder_with_certificate(app, province)
    context, page = sign_in(browser, live_server, clock_off=600)
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if r.url.endswith("/presentation") else None)
    with page.expect_response(lambda r: r.url.endswith("/presentation")):
        page.goto(f"{live_server}/me/show/{certificate_id}")
    expect(page.locator("#qr")).to_be_visible()
    page.clock.fast_forward(28_000)
    expect(page.locator("#qr")).to_be_visible()
    assert len(fetched) == 1
    with page.expect_response(lambda r: r.url.endswith("/presentation")):
        page.clock.fast_forward(3_000)
    assert len(fetched) == 2
    expect(page.locator("#qr-countdown")).to_have_text(re.compile(r"^(29|30)$"))
    context.set_offline(True)
    page.clock.fast_forward(50_000)  # 50 s after the last code was signed: still shown
    expect(page.locator("#qr")).to_be_visible()
    page.clock.fast_forward(8_000)  # 58 s: past its show_until (55 s)
    expect(page.locator("#qr")).to_be_hidden()
    expect(page.locator("#qr-offline")).to_be_visible()
    context.close()
