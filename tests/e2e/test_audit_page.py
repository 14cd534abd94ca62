"""The audit log in a browser, on a laptop and on a phone: an authority's administrator finds it in
the navigation, searches a refused suspension by action and outcome in words, opens its details,
and sees the chain break once an event was changed behind the service's back; the page never gets
wider than the screen (the table scrolls inside its box)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect
from sqlalchemy import update

from app.db import get_session
from app.models import AuditEvent

from ..functional.test_audit_page import event
from ..registry import Province
from .test_admin_pages import sign_in


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (360, 740)])
def test_search_details_and_a_broken_chain(
    browser: Browser,
    live_server: str,
    app: Flask,
    province: Province,
    width: int,
    height: int,
    tmp_path: Path,
) -> None:
    event(app)
    refused = event(app, actor="jinan_clerk", action="certificate.suspend.refused", reason="no_permission")
    event(app, action="staff.create", target_type="staff", target_id="new_clerk", reason=None)
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    sign_in(page, live_server, "jinan_admin")
    page.click("#nav-audit")
    expect(page.locator("h1")).to_have_text("审计日志")
    expect(page.locator(".chain-verdict")).to_have_text("审计链完整")
    page.select_option("select[name=action]", label="暂扣")
    page.select_option("select[name=outcome]", label="被拒绝")
    page.click("form.audit-search button[type=submit]")
    rows = page.locator("table.audit-events tbody tr")
    expect(rows).to_have_count(1)
    row = page.locator(f'tr[data-seq="{refused}"]')
    expect(row.locator(".event-action")).to_have_text("暂扣：被拒绝")
    expect(row.locator(".event-outcome")).to_contain_text("您没有办理该事项的权限")
    expect(row).to_contain_text("办事员 (jinan_clerk)")
    row.locator("summary").click()
    expect(row.locator(".event-details")).to_be_visible()
    expect(row.locator(".event-details")).to_contain_text("certificate.suspend.refused")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(tmp_path / f"audit-{width}.png"), full_page=True)

    with app.app_context():  # someone with access to the database changes the refusal's reason
        session = get_session()
        session.execute(update(AuditEvent).where(AuditEvent.seq == refused).values(reason="role"))
        session.commit()
    page.reload()
    expect(page.locator(".chain-verdict")).to_have_text("审计链已断裂")
    expect(page.locator(".chain-problems")).to_contain_text(f"第 {refused} 条事件")
    expect(page.locator(f'tr[data-seq="{refused}"].broken')).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.close()
