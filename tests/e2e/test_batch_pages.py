"""Batch issuance in a real browser on a 360 x 740 phone: upload a file with a row already expired,
read the check, confirm the warned row, see every row's outcome, print the activation notices."""

from __future__ import annotations

import io
from pathlib import Path

from playwright.sync_api import Browser, expect
from pypdf import PdfReader

from ..helpers import id_number
from ..registry import Province
from .test_admin_pages import sign_in

A, B = id_number("37010219900307123"), id_number("11010519491231002")


def test_upload_check_confirm_result_and_notices_on_a_phone(
    browser: Browser, live_server: str, province: Province, tmp_path: Path
) -> None:
    upload = tmp_path / "list.csv"
    rows = f"身份证号码,姓名,从业资格类别,有效期起\n{A},张三明,cargo,2010-01-01\n{B},李四,cargo,\n"
    upload.write_text(rows, encoding="utf-8")
    phone = {"width": 360, "height": 740}
    context = browser.new_context(viewport=phone, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    sign_in(page, live_server, "jinan_clerk")
    page.goto(live_server + "/admin/batches")
    expect(page.locator("#batch-template")).to_be_visible()
    page.set_input_files("input[type=file]", str(upload))
    page.click("button:has-text('上传并检查')")

    expect(page.locator("#batch-state")).to_have_text("已检查，等待确认")
    expect(page.locator("#batch-warned")).to_have_text("有 1 行带有警告：确认之前请先查看下表。")
    expect(page.locator("tr.warned")).to_contain_text("证书核发即已过期")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(tmp_path / "batch-check-360.png"), full_page=True)
    # Without ticking the warned row's box nothing is issued, and the page says why.
    page.click("#batch-confirm button")
    expect(page.locator(".flash.error")).to_contain_text("未核发任何证书：有 1 行带有警告。")
    page.check("#accept_warnings")
    expect(page.locator("label:has(#accept_warnings)")).to_contain_text("1 行核发的证书将已过期；仍然核发")
    page.click("#batch-confirm button")

    expect(page.locator("#batch-result")).to_have_text(
        "已核发 2 本证书；0 行不予核发；0 行未核发。", timeout=30_000
    )
    expect(page.locator("tr.outcome-issued")).to_have_count(2)
    expect(page.locator(f"tr.outcome-issued a:has-text('{A}')")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(tmp_path / "batch-result-360.png"), full_page=True)

    page.check("#notices input[name=confirm]")
    page.click("#notices-generate")
    expect(page.locator(".notices-pdf")).to_be_visible(timeout=30_000)  # the page reloads until ready
    with page.expect_download() as download:
        page.click(".notices-csv")
    assert "张三明" in Path(download.value.path()).read_text(encoding="utf-8-sig")
    pdf = page.request.get(live_server + (page.locator(".notices-pdf").get_attribute("href") or ""))
    reader = PdfReader(io.BytesIO(pdf.body()))
    assert len(reader.pages) == 2 and "李四" in reader.pages[1].extract_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(tmp_path / "batch-notices-360.png"), full_page=True)
    context.close()
