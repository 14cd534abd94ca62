"""An administrator's day in a real browser: sign in, issue at the window (accepted and concluded
at once), find, suspend — on a laptop and on a
tablet-sized screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from ..functional.admin_client import login, window_issue
from ..helpers import id_number
from ..registry import PASSWORD, Province

HOLDER = id_number()


def sign_in(page: Page, base: str, user: str) -> None:
    page.goto(base + "/admin/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


@pytest.mark.parametrize("width", [1280, 768])
def test_issue_find_and_suspend(
    browser: Browser, live_server: str, province: Province, width: int, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900}, locale="zh-CN")
    sign_in(page, live_server, "jinan_admin")
    assert page.locator("h1").inner_text() == "工作台"
    page.click("text=核发")
    page.fill("#id_number", HOLDER)
    page.fill("#name", "张三明")
    page.fill("#phone", "13800138000")
    page.check("text=出租汽车驾驶员")
    page.check("#confirm")
    page.click("#fast")
    assert page.locator(".flash.success").inner_text() == f"证书 {HOLDER} 已核发。"
    assert "持证人手机激活码：" in page.locator(".flash.info").inner_text()
    page.click("nav >> text=证书查询")
    page.fill("input[name=q]", "张三")
    page.click("button:has-text('查询')")
    page.click(f"text={HOLDER}")
    page.click("summary:has-text('暂扣')")
    page.locator("details[open] input[name=reason]").fill("交通违法")
    page.locator("details[open] input[name=confirm]").check()
    page.locator("details[open] button").click()
    assert page.locator(".flash").inner_text() == "证书已暂扣。"
    assert page.locator("h1 .badge").inner_text() == "暂扣"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(tmp_path / f"certificate-{width}.png"), full_page=True)
    page.close()


def test_wrong_password(browser: Browser, live_server: str, province: Province) -> None:
    page = browser.new_page(locale="zh-CN")
    page.goto(live_server + "/admin/login")
    page.fill("#username", "jinan_admin")
    page.fill("#password", "nope")
    page.click("button[type=submit]")
    assert page.locator(".flash").inner_text() == "用户名或密码错误。"
    page.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_a_clerk_sees_only_his_actions_and_his_items(
    browser: Browser, live_server: str, app: Flask, province: Province, width: int, tmp_path: Path
) -> None:
    office = app.test_client()
    login(office, "jinan_admin")
    issued = window_issue(office, HOLDER, "张三明", ["1"], "clerk-view")
    certificate = issued.request.path
    assert certificate.startswith("/admin/certificates/"), certificate
    page = browser.new_page(viewport={"width": width, "height": 740 if width == 360 else 800}, locale="zh-CN")
    sign_in(page, live_server, "jinan_clerk")  # granted issue and renew, at the conclude stage
    page.goto(live_server + certificate)
    expect(page.locator("summary:has-text('暂扣')")).to_have_count(0)
    expect(page.locator("summary:has-text('吊销')")).to_have_count(0)
    expect(page.locator("a#apply-cancel")).to_have_count(0)
    page.click("nav >> text=我的事项与环节")
    expect(page.locator("h1")).to_have_text("我的事项与环节")
    expect(page.locator("#item-issue")).to_contain_text("从业资格证核发")
    expect(page.locator("#item-issue")).to_contain_text("办结")
    expect(page.locator("#item-renew")).to_contain_text("从业资格证换发")
    expect(page.locator("#my-items tr[id^=item-]")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(tmp_path / f"mine-{width}.png"), full_page=True)
    page.close()
