"""The holder's show screen on a 360 px phone: one screen that reads as the certificate (title,
photo, details, status colour, a moving watermark with the time, the largest QR that fits), a QR
that decodes to a presentation that verifies, refreshing, and an honest message when offline with
an expired code."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from pathlib import Path

import zxingcpp
from flask import Flask
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, FloatRect, Page, expect

from app.db import get_session
from app.services import certificates as certs
from app.services import holders, photos
from signing import CATEGORIES_BY_CODE, KeySet, Verifier

from ..helpers import id_number
from ..registry import Province

HOLDER = id_number()
PASSWORD = "holder password"


def holder_with_certificate(app: Flask, province: Province, *, photo: bool = False) -> int:
    """A certificate issued to HOLDER, whose account is activated; with ``photo``, an approved
    photo of him."""
    with app.app_context():
        session = get_session()
        admin = province.actor(session, "jinan_admin")
        cert = certs.issue(session, province.context, admin, certs.IssueRequest(HOLDER, "张三明", [1, 2]))
        session.commit()
        code = holders.new_activation_code(session, cert.certificate.practitioner, admin)
        session.commit()
        account = holders.activate(session, HOLDER, code, PASSWORD)
        session.commit()
        if photo:
            picture = Image.new("RGB", (390, 480), (222, 233, 245))
            drawing = ImageDraw.Draw(picture)
            drawing.ellipse((120, 70, 270, 250), fill=(226, 190, 160))  # a head
            drawing.ellipse((60, 260, 330, 560), fill=(40, 60, 90))  # shoulders
            out = io.BytesIO()
            picture.save(out, "JPEG")
            photos.review(session, photos.upload(session, account, out.getvalue()), admin, approve=True)
            session.commit()
        return cert.certificate.id


def sign_in(  # type: ignore[no-untyped-def]
    browser: Browser,
    live_server: str,
    clock_off: float = 0,
    *,
    width: int = 360,
    height: int = 740,
    locale: str = "zh-CN",
):
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale=locale, device_scale_factor=2
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
    assert page.locator("#show-band").inner_text() == "正常 · 有效"
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


SCREEN = (360, 740)
ON_ONE_SCREEN = (
    "#show-title",
    "#show-band",
    "#show-photo",
    "#show-name",
    "#show-number",
    "#show-categories",
    "#show-validity",
    "#show-issuer",
    "#show-watermark",
    "#qr",
)
"""Everything the show screen must hold without scrolling."""
BEFORE = 226
"""CSS px of code the screen drew on a 360 px phone before it was laid out as one screen."""


def inside(page: Page, selector: str, width: int, height: int) -> FloatRect:
    """``selector`` is visible and wholly inside the first screen (no scrolling)."""
    target = page.locator(selector)
    expect(target).to_be_visible()
    box = target.bounding_box()
    assert box is not None, selector
    assert box["x"] >= 0 and box["y"] >= 0, (selector, box)
    assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height, (selector, box)
    return box


def screen_qr(page: Page) -> tuple[str, float]:
    """The QR read from a screenshot of the screen as it is (not of the whole page): its text and
    the side of its code in CSS px."""
    shot = Image.open(io.BytesIO(page.screenshot()))
    (symbol,) = zxingcpp.read_barcodes(shot, formats=zxingcpp.BarcodeFormat.QRCode)
    corners = symbol.position
    side = math.dist((corners.top_left.x, corners.top_left.y), (corners.top_right.x, corners.top_right.y))
    return symbol.text, side / 2  # screenshots are at device_scale_factor 2


def watermark_over_two_seconds(page: Page) -> tuple[list[str], float]:
    """The watermark's texts over 2 s and how far apart its places were (CSS px)."""
    mark = page.locator("#show-watermark")
    texts: list[str] = []
    places: list[tuple[float, float]] = []
    for _ in range(5):
        texts.append(mark.inner_text())
        box = mark.bounding_box()
        assert box is not None
        places.append((box["x"], box["y"]))
        page.wait_for_timeout(500)
    return texts, max(math.dist(a, b) for a in places for b in places)


def test_show_screen_reads_as_the_certificate_on_one_phone_screen(
    app: Flask, browser: Browser, live_server: str, province: Province, tmp_path: Path
) -> None:
    certificate_id = holder_with_certificate(app, province, photo=True)
    with app.app_context():
        issuer = certs.load(get_session(), certificate_id).authority.name
    context, page = sign_in(browser, live_server, clock_off=600)  # the phone's clock 10 minutes fast
    problems: list[str] = []  # a script or style the content security policy refused, say
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    expect(page).to_have_url(live_server + "/me")
    button = page.locator("main a.show-button")  # one big button a certificate, not a small link
    expect(button).to_have_count(page.locator("main section.card").count())
    expect(button).to_have_text("亮证")
    expect(button).to_have_attribute("href", f"/me/show/{certificate_id}")
    box = inside(page, "main a.show-button", *SCREEN)
    assert box["height"] >= 52 and box["width"] >= 280, box  # the card's whole width
    page.screenshot(path=str(tmp_path / "home-360.png"))
    button.click()

    expect(page.locator("#qr")).to_be_visible()
    expect(page.locator("#show-title")).to_have_text("道路运输从业人员从业资格证")
    expect(page.locator("#show-band")).to_have_text("正常 · 有效")
    expect(page.locator("#show-name")).to_have_text("张三明")
    expect(page.locator("#show-number")).to_have_text(HOLDER[:4] + "*" * 10 + HOLDER[-4:])
    expect(page.locator("#show-categories")).to_have_text(
        f"{CATEGORIES_BY_CODE[1].name_zh}、{CATEGORIES_BY_CODE[2].name_zh}"
    )
    day = r"\d{4}年\d+月\d+日"
    expect(page.locator("#show-validity")).to_have_text(re.compile(f"^{day} – {day}$"))
    expect(page.locator("#show-issuer")).to_have_text(issuer)
    assert page.evaluate("document.getElementById('show-photo').naturalWidth") > 0  # the approved photo
    for selector in ON_ONE_SCREEN:
        inside(page, selector, *SCREEN)
    assert inside(page, "#show-photo", *SCREEN)["width"] >= 100
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREEN[0]

    text, side = screen_qr(page)
    assert text.startswith("https://rtc.example.cn/v/")
    print(f"QR code on a 360 x 740 screen: {side:.0f} CSS px (was {BEFORE})")
    assert side >= 300

    texts, moved = watermark_over_two_seconds(page)
    assert len(set(texts)) >= 2, texts  # it ticks
    assert moved >= 10, moved  # and drifts
    # the server's time, not the phone's (10 minutes fast)
    shown = dt.datetime.strptime(texts[-1], "%Y-%m-%d %H:%M:%S")
    assert abs((shown - dt.datetime.now()).total_seconds()) < 5, texts
    page.screenshot(path=str(tmp_path / "show-360.png"))
    assert problems == []
    context.close()


def test_show_screen_in_english_without_a_photo(
    app: Flask, browser: Browser, live_server: str, province: Province, tmp_path: Path
) -> None:
    certificate_id = holder_with_certificate(app, province)
    context, page = sign_in(browser, live_server, locale="en-GB")
    page.goto(f"{live_server}/me?lang=en")
    expect(page.locator("main a.show-button")).to_have_text("Show certificate")
    page.screenshot(path=str(tmp_path / "home-en-360.png"))
    page.locator("main a.show-button").click()
    expect(page).to_have_url(f"{live_server}/me/show/{certificate_id}")
    expect(page.locator("#qr")).to_be_visible()
    expect(page.locator("#show-title")).to_have_text("Road Transport Practitioner Qualification Certificate")
    expect(page.locator("#show-band")).to_have_text("Normal · Active")
    expect(page.locator("#show-categories")).to_have_text(
        f"{CATEGORIES_BY_CODE[1].name_en}, {CATEGORIES_BY_CODE[2].name_en}"
    )
    expect(page.locator("#show-validity")).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d – \d{4}-\d\d-\d\d$"))
    expect(page.locator("#show-photo")).to_have_text("No approved photo")  # a placeholder that says so
    for selector in ON_ONE_SCREEN:
        inside(page, selector, *SCREEN)
    assert inside(page, "#show-photo", *SCREEN)["width"] >= 100
    text, side = screen_qr(page)
    assert text.startswith("https://rtc.example.cn/v/")
    print(f"QR code on a 360 x 740 screen, in English: {side:.0f} CSS px")
    assert side >= BEFORE
    page.screenshot(path=str(tmp_path / "show-en-360.png"))
    context.close()


def test_show_screen_at_a_desk_and_when_suspended(
    app: Flask, browser: Browser, live_server: str, province: Province, tmp_path: Path
) -> None:
    certificate_id = holder_with_certificate(app, province, photo=True)
    with app.app_context():
        session = get_session()
        admin = province.actor(session, "jinan_admin")
        suspend = certs.ActionInput(reason="check")
        certs.perform(session, province.context, admin, "suspend", certificate_id, suspend)
        session.commit()
    context, page = sign_in(browser, live_server, width=1280, height=800)
    page.goto(f"{live_server}/me/show/{certificate_id}")
    expect(page.locator("#qr")).to_be_visible()
    expect(page.locator("#show-band")).to_have_text("异常 · 暂扣")
    band = page.locator("#show-band").evaluate("band => getComputedStyle(band).backgroundColor")
    assert band == "rgb(138, 90, 0)", band  # amber, not the green of a valid certificate
    for selector in ON_ONE_SCREEN:
        inside(page, selector, 1280, 800)
    card = page.locator("#show").bounding_box()
    assert card is not None and card["width"] <= 420 and abs(card["x"] * 2 + card["width"] - 1280) <= 2, card
    text, side = screen_qr(page)
    assert text.startswith("https://rtc.example.cn/v/")
    assert side >= BEFORE
    texts, moved = watermark_over_two_seconds(page)
    assert len(set(texts)) >= 2 and moved >= 10, (texts, moved)
    page.screenshot(path=str(tmp_path / "show-1280.png"))
    context.close()
