"""A window application in Chromium, from the counter to the holder's phone: a clerk registers it
and takes it through acceptance, review and conclusion (as one person holding all three stages,
and as three people), the holder activates the account and opens the show screen — on a 360 px
phone and on a laptop, never wider than the screen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from app.db import get_session
from app.models.enums import Role, ServiceItem, Stage
from app.services import authorities

from ..helpers import id_number
from ..registry import PASSWORD, Province

HOLDER = id_number("37010219900307123")
HOLDER_PASSWORD = "holder password"
SIZES = [(360, 740), (1280, 800)]
PDF = b"%PDF-1.4\n% a scanned application form\n"


def clerks(app: Flask, province: Province) -> None:
    with app.app_context():
        session = get_session()
        for name, stages in (
            ("desk", list(Stage)),
            ("acceptor", [Stage.ACCEPT]),
            ("reviewer", [Stage.REVIEW]),
            ("concluder", [Stage.CONCLUDE]),
        ):
            authorities.create_staff(
                session,
                username=name,
                display_name=name,
                password=PASSWORD,
                authority=province.body(session, "jinan"),
                role=Role.CLERK,
                permissions=[(ServiceItem.ISSUE, stage) for stage in stages],
            )
        session.commit()


def fits(page: Page, width: int, shots: Path, name: str) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll} px wide at {width} px"
    page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)


def sign_in(browser: Browser, base: str, user: str, size: tuple[int, int]) -> Page:
    page = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN").new_page()
    page.goto(base + "/admin/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    return page


def register(page: Page, base: str, width: int, shots: Path, tmp: Path) -> str:
    """Fill the intake form from the queue page; the case page's address."""
    page.goto(base + "/admin/applications/queue")
    fits(page, width, shots, "queue")
    page.click("text=从业资格证核发")
    page.fill("#name", "张三明")
    page.fill("#id_number", HOLDER)
    page.fill("#phone", "13800138000")
    page.check("text=出租汽车驾驶员")
    form = tmp / "申请表.pdf"
    form.write_bytes(PDF)
    page.set_input_files("input[name=material_application_form]", str(form))
    page.check("#confirm")
    fits(page, width, shots, "intake")
    page.click("#register")
    expect(page.locator(".flash.success")).to_contain_text("申请已登记")
    expect(page.locator("#case-stage")).to_have_text("待受理")
    return page.url


def take(page: Page, url: str, step: str, words: str, width: int, shots: Path) -> None:
    page.goto(url)
    expect(page.locator(f"#step-{step}")).to_be_visible()
    fits(page, width, shots, f"case-{step}")
    page.locator(f"#step-{step} button").click()
    expect(page.locator(".flash.success").first).to_contain_text(words)


def activate_and_show(browser: Browser, base: str, code: str, size: tuple[int, int], shots: Path) -> None:
    phone = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN").new_page()
    phone.goto(base + "/me/activate")
    phone.fill("#id_number", HOLDER)
    phone.fill("#code", code)
    phone.fill("#password", HOLDER_PASSWORD)
    phone.fill("#again", HOLDER_PASSWORD)
    phone.click("main button[type=submit]")
    expect(phone.locator(".flash.success")).to_contain_text("账号已开通。")
    phone.locator("a[href^='/me/show/']").first.click()
    expect(phone.locator("#qr")).to_be_visible()
    expect(phone.locator("#show-status")).to_have_text("正常")
    fits(phone, size[0], shots, "show")
    phone.context.close()


def code_on(page: Page) -> str:
    found = re.search(r"([2-9A-Z]{5}-[2-9A-Z]{5})", page.locator(".flash.info").inner_text())
    assert found
    return found.group(1)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: str(s[0]))
def test_one_clerk_with_all_three_stages(
    app: Flask, browser: Browser, live_server: str, province: Province, size: tuple[int, int], tmp_path: Path
) -> None:
    clerks(app, province)
    page = sign_in(browser, live_server, "desk", size)
    url = register(page, live_server, size[0], tmp_path, tmp_path)
    take(page, url, "accept", "申请已受理。", size[0], tmp_path)
    take(page, url, "approve", "审核通过。", size[0], tmp_path)
    take(page, url, "grant", "已办结：准予许可。", size[0], tmp_path)
    expect(page.locator("h1")).to_contain_text("张三明")  # the certificate's page
    fits(page, size[0], tmp_path, "certificate")
    activate_and_show(browser, live_server, code_on(page), size, tmp_path)
    page.context.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: str(s[0]))
def test_three_people_acceptor_reviewer_concluder(
    app: Flask, browser: Browser, live_server: str, province: Province, size: tuple[int, int], tmp_path: Path
) -> None:
    clerks(app, province)
    acceptor = sign_in(browser, live_server, "acceptor", size)
    url = register(acceptor, live_server, size[0], tmp_path, tmp_path)
    take(acceptor, url, "accept", "申请已受理。", size[0], tmp_path)
    acceptor.context.close()
    reviewer = sign_in(browser, live_server, "reviewer", size)
    reviewer.click("nav >> text=我的待办")
    reviewer.locator(".case-row a.case-number").first.click()
    assert reviewer.url == url
    take(reviewer, url, "approve", "审核通过。", size[0], tmp_path)
    reviewer.context.close()
    concluder = sign_in(browser, live_server, "concluder", size)
    take(concluder, url, "grant", "已办结：准予许可。", size[0], tmp_path)
    code = code_on(concluder)
    concluder.goto(url)
    expect(concluder.locator("#case-stage")).to_have_text("已办结（准予许可）")
    expect(concluder.locator("#history")).to_contain_text("acceptor")
    expect(concluder.locator("#history")).to_contain_text("reviewer")
    fits(concluder, size[0], tmp_path, "case-granted")
    concluder.context.close()
    activate_and_show(browser, live_server, code, size, tmp_path)
