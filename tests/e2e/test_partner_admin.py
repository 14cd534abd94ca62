"""The province administrator registers a partner system in a real browser, gets its secret once,
and the partner exchanges it for a token; rotating the secret ends the old one."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request

from playwright.sync_api import Browser, expect

from ..registry import PASSWORD, Province


def _token_status(live_server: str, client_id: str, secret: str) -> int:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    request = urllib.request.Request(
        live_server + "/oauth/token",
        data=urllib.parse.urlencode({"grant_type": "client_credentials"}).encode(),
        headers={"Authorization": f"Basic {basic}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read())["token_type"] == "Bearer"
            return int(response.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def test_register_and_rotate_a_partner(browser: Browser, live_server: str, province: Province) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page.goto(live_server + "/admin/login")
    page.fill("#username", "province")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.click("nav.admin-nav >> text=合作系统")
    expect(page.locator("h1")).to_have_text("合作系统")
    page.click("button:has-text('登记')")  # nothing filled in: both problems are named
    expect(page.locator(".field-error")).to_have_count(2)
    page.fill("input[name=name]", "驾培计时平台")
    page.check("input[value='graduation:write']")
    page.click("button:has-text('登记')")
    secret = page.locator("#secret").inner_text()
    client_id = page.locator("dd code").first.inner_text()
    expect(page.locator("table")).to_contain_text("驾培计时平台")
    assert _token_status(live_server, client_id, secret) == 200

    page.click("summary:has-text('重新生成密钥')")
    page.check("#confirm-rotate-1")
    page.click("form[action$='/rotate'] button[type=submit]")
    new_secret = page.locator("#secret").inner_text()
    assert new_secret != secret
    assert _token_status(live_server, client_id, secret) == 401
    assert _token_status(live_server, client_id, new_secret) == 200
    page.reload()  # the secret is shown once: not again after a reload
    expect(page.locator("#secret")).to_have_count(0)
    page.close()
