"""Graduation certificates in a real browser: the staff list on a tablet-sized screen and the
holder's list on a 360 px phone, both without sideways scrolling."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Browser, expect

from ..functional.graduation_data import HOLDER_PASSWORD, XIAO, holder_account, standard_set
from ..registry import PASSWORD, Province


def test_staff_list_and_holder_list_fit_the_screen(
    app: Flask, browser: Browser, live_server: str, province: Province
) -> None:
    pushed = standard_set(app)
    holder_account(app, province, XIAO)

    staff = browser.new_page(viewport={"width": 768, "height": 1024}, locale="zh-CN")
    staff.goto(live_server + "/admin/login")
    staff.fill("#username", "province")
    staff.fill("#password", PASSWORD)
    staff.click("button[type=submit]")
    staff.goto(live_server + "/admin/graduation-certificates?lang=en")
    expect(staff.locator("h1")).to_have_text("Graduation certificates")
    rows = staff.locator("table.graduations tbody tr")
    expect(rows).to_have_count(4)
    expect(staff.locator("tr.flagged")).to_contain_text("ZB-001")
    expect(staff.locator("tr.flagged .badge.warn")).to_be_visible()
    assert staff.evaluate("document.documentElement.scrollWidth") <= 768
    staff.select_option("select[name=type]", "B2")
    staff.click("button:has-text('Search')")
    expect(rows).to_have_count(2)
    assert staff.evaluate("document.documentElement.scrollWidth") <= 768
    staff.click("text=JN-002")
    expect(staff.locator("table.revisions tbody tr")).to_have_count(2)
    assert staff.evaluate("document.documentElement.scrollWidth") <= 768
    staff.close()

    context = browser.new_context(
        viewport={"width": 360, "height": 780}, locale="zh-CN", device_scale_factor=2
    )
    phone = context.new_page()
    phone.goto(live_server + "/me/login")
    phone.fill("#id_number", XIAO)
    phone.fill("#password", HOLDER_PASSWORD)
    phone.click("button[type=submit]")
    phone.goto(live_server + "/me?lang=en")
    card = phone.locator("section.graduation")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("JN-002")
    link = card.locator("a", has_text="Graduation certificate (PDF)")
    assert link.get_attribute("href") == f"/me/graduation-certificates/{pushed.ids['JN-002']}.pdf"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
