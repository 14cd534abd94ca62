"""The front and error pages in a real browser, at a phone's width."""

from __future__ import annotations

from playwright.sync_api import Browser


def test_front_page_fits_a_phone_and_switches_language(browser: Browser, live_server: str) -> None:
    page = browser.new_page(viewport={"width": 360, "height": 740}, locale="zh-CN")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(live_server + "/")
    assert page.locator("h1").inner_text() == "道路运输从业人员从业资格电子证照"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("link", name="English").click()
    assert page.locator("h1").inner_text() == "Electronic practitioner qualification certificates"
    assert errors == []
    page.goto(live_server + "/missing")
    assert page.locator("h1").inner_text() == "Page not found"
    page.close()
