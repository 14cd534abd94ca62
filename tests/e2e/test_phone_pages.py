"""Every public, holder and inspector page on a 360 px phone in Chromium, page by page: nothing is
wider than the screen, the main buttons are big enough to tap and do their job, and every signed-in
page has a sign-out that ends the session."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, Locator, Page, expect

from ..functional.admin_client import csrf, login, post_form, window_issue
from ..helpers import id_number
from ..registry import PASSWORD as STAFF_PASSWORD
from ..registry import Province

WIDTH = 360
TAP = 44  # px: the smallest comfortable touch target
HOLDER = id_number("37010219900307123")
HOLDER_PASSWORD = "holder password"
LEGACY_CSV = (
    "证号,姓名,身份证号码,从业资格类别,发证日期,有效期至,发证机关,介质\n"
    f"P1,张三明,{HOLDER},cargo,2020-05-01,2099-04-30,济南市运管处,纸质\n"
)


@dataclass
class World:
    """What the pages show: the holder's certificate and the path a scanner would open."""

    certificate_id: int
    verify_path: str


@pytest.fixture
def world(app: Flask, province: Province) -> World:
    """A certificate issued on the clerk's page, its holder's account activated, and a paper
    certificate imported, all through the service's own forms."""
    office = app.test_client()
    login(office, "jinan_admin")
    issued = window_issue(office, HOLDER, "张三明", ["1", "9"], "k1").get_data(as_text=True)
    code = re.search(r"：([2-9A-Z]{5}-[2-9A-Z]{5})（", issued)
    assert code, issued
    token = csrf(office.get("/admin/legacy").get_data(as_text=True))
    imported = office.post(
        "/admin/legacy",
        data={"csrf_token": token, "confirm": "y", "file": (io.BytesIO(LEGACY_CSV.encode()), "old.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "已导入 1 本证书。" in imported.get_data(as_text=True)
    phone = app.test_client()
    home = post_form(
        phone,
        "/me/activate",
        "/me/activate",
        {"id_number": HOLDER, "code": code.group(1), "password": HOLDER_PASSWORD, "again": HOLDER_PASSWORD},
    ).get_data(as_text=True)
    shown = re.search(r"/me/show/(\d+)", home)
    assert shown, home
    presentation = phone.get(f"/me/show/{shown.group(1)}/presentation").get_json()
    return World(certificate_id=int(shown.group(1)), verify_path=urlsplit(presentation["url"]).path)


def phone_page(browser: Browser) -> Page:
    return browser.new_context(viewport={"width": WIDTH, "height": 740}, locale="zh-CN").new_page()


def fits(page: Page, shots: Path, name: str) -> None:
    """The page is no wider than the phone; a full-page screenshot is kept for a look."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{page.url} is {width} px wide"
    page.screenshot(path=str(shots / f"{name}-{WIDTH}.png"), full_page=True)


def tappable(target: Locator) -> None:
    """Visible, inside the screen, at least a thumb high, and nothing covers it."""
    expect(target).to_be_visible()
    box = target.bounding_box()
    assert box is not None
    assert box["height"] >= TAP - 0.5, f"{box['height']} px high"
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box
    target.click(trial=True)


def sign_out(page: Page) -> Locator:
    return page.locator("form.sign-out button")


def test_public_pages_fit_a_phone(browser: Browser, live_server: str, world: World, tmp_path: Path) -> None:
    page = phone_page(browser)
    page.goto(live_server + "/")
    fits(page, tmp_path, "index")
    for href in ("/me/login", "/me/activate", "/scan", "/legacy", "/admin/login"):
        tappable(page.locator(f"main .doors a[href='{href}']").first)
    expect(page.locator("main a[href='/.well-known/jwks.json']")).to_be_visible()
    expect(sign_out(page)).to_have_count(0)

    for path, name in (
        ("/me/login", "holder-login"),
        ("/me/activate", "activate"),
        ("/admin/login", "staff-login"),
    ):
        page.goto(live_server + path)
        fits(page, tmp_path, name)
        tappable(page.locator("main button[type=submit]"))

    page.goto(live_server + "/legacy")
    fits(page, tmp_path, "legacy")
    page.get_by_label("证号").fill("P1")
    page.get_by_label("姓名").fill("李四")
    tappable(page.locator("main button[type=submit]"))
    page.locator("main button[type=submit]").click()
    expect(page.locator(".verdict-word")).to_have_text("查无此证")
    expect(page.locator(".verdict-reason")).to_have_text("没有该证号和姓名的证书。")
    fits(page, tmp_path, "legacy-not-found")
    page.get_by_label("姓名").fill("张三明")
    page.locator("main button[type=submit]").click()
    expect(page.locator(".verdict-word")).to_have_text("有效")
    fits(page, tmp_path, "legacy-valid")

    page.goto(live_server + world.verify_path)
    expect(page.locator(".verdict-word")).to_have_text("有效")
    fits(page, tmp_path, "verdict")
    tappable(page.locator("main a[href='/scan']"))

    page.goto(live_server + "/no-such-page")
    expect(page.locator("h1")).to_have_text("页面不存在")
    fits(page, tmp_path, "error")
    tappable(page.locator("main a[href='/']"))
    page.context.close()


def test_holder_pages_fit_a_phone_and_sign_out(
    browser: Browser, live_server: str, world: World, tmp_path: Path
) -> None:
    page = phone_page(browser)
    page.goto(live_server + "/me/login")
    page.get_by_label("身份证号码").fill(HOLDER)
    page.get_by_label("密码").fill(HOLDER_PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(live_server + "/me")
    fits(page, tmp_path, "holder-home")
    tappable(page.locator(f"main a[href='/me/show/{world.certificate_id}']"))
    tappable(sign_out(page))

    page.goto(f"{live_server}/me/show/{world.certificate_id}")
    expect(page.locator("#qr")).to_be_visible()
    fits(page, tmp_path, "holder-show")
    tappable(sign_out(page))

    for path, name in (("/me/photo", "holder-photo"), ("/me/password", "holder-password")):
        page.goto(live_server + path)
        fits(page, tmp_path, name)
        tappable(page.locator("main button[type=submit]"))
        tappable(sign_out(page))

    sign_out(page).click()
    expect(page).to_have_url(live_server + "/me/login")
    expect(page.locator(".flash")).to_have_text("您已退出登录。")
    page.goto(f"{live_server}/me/show/{world.certificate_id}")
    expect(page).to_have_url(re.compile(r"/me/login"))
    page.context.close()


def test_inspector_pages_fit_a_phone_and_sign_out(
    browser: Browser, live_server: str, world: World, tmp_path: Path
) -> None:
    page = phone_page(browser)
    page.goto(live_server + "/admin/login")
    page.get_by_label("用户名").fill("jinan_inspector")
    page.get_by_label("密码").fill(STAFF_PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(live_server + "/inspect")  # his own page, not the public home page
    expect(page.locator("h1")).to_have_text("执法检查")
    expect(page.locator("#checks-today")).to_contain_text("今天还没有核验。")
    fits(page, tmp_path, "inspector-home")
    tappable(page.locator("main a#scan[href='/scan']"))
    tappable(page.locator("main a#paper[href='/legacy']"))
    tappable(sign_out(page))

    page.goto(live_server + "/")
    fits(page, tmp_path, "index-inspector")
    tappable(page.locator("main .next a[href='/scan']"))

    page.goto(live_server + "/scan")
    fits(page, tmp_path, "scan")
    tappable(sign_out(page))

    page.goto(live_server + world.verify_path)
    expect(page.locator("#full-record .badge")).to_have_text("有效")
    fits(page, tmp_path, "verdict-inspector")
    tappable(sign_out(page))

    page.goto(live_server + "/inspect")  # the check just made is listed, whose it was and when
    expect(page.locator("#checks-today li")).to_have_count(1)
    expect(page.locator("#checks-today li")).to_contain_text("张三明")
    fits(page, tmp_path, "inspector-home-checked")

    page.goto(live_server + "/legacy?number=P1&name=张三明")
    expect(page.locator(".verdict-word")).to_have_text("有效")
    fits(page, tmp_path, "legacy-inspector")
    tappable(sign_out(page))

    page.goto(live_server + "/admin/password")
    fits(page, tmp_path, "inspector-password")
    tappable(page.locator("main button[type=submit]"))
    expect(page.locator("a[href='/admin/']")).to_have_count(0)  # no staff pages an inspector cannot open

    sign_out(page).click()
    expect(page).to_have_url(live_server + "/admin/login")
    expect(page.locator(".flash")).to_have_text("您已退出登录。")
    page.goto(live_server + world.verify_path)
    expect(page.locator("#full-record")).to_have_count(0)
    page.goto(live_server + "/admin/password")
    expect(page).to_have_url(re.compile(r"/admin/login"))
    page.context.close()


def test_english_pages_fit_a_phone(browser: Browser, live_server: str, world: World, tmp_path: Path) -> None:
    page = phone_page(browser)
    page.goto(live_server + "/?lang=en")  # remembered from here on
    expect(page.locator("h1")).to_have_text("Electronic practitioner qualification certificates")
    fits(page, tmp_path, "en-index")
    for path in (
        "/legacy?number=P1&name=张三明",
        "/me/activate",
        "/admin/login",
        "/no-such-page",
        "/me/login",
    ):
        page.goto(live_server + path)
        fits(page, tmp_path, "en-" + path.strip("/").split("?")[0].replace("/", "-"))
    page.get_by_label("ID number").fill(HOLDER)
    page.get_by_label("Password").fill(HOLDER_PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(live_server + "/me")
    for path in ("/me", f"/me/show/{world.certificate_id}", "/me/photo", "/me/password", "/"):
        page.goto(live_server + path)
        fits(page, tmp_path, "en-holder-" + (path.strip("/").replace("/", "-") or "index"))
        tappable(sign_out(page))
    page.context.close()
