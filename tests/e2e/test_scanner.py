"""The inspector's scanner in Chromium with a fake camera showing a holder's QR code (the phone's
presentation, or the printed certificate's code): the right verdict online, and again with the
network cut (page from the service worker, keys and status lists from this device's cache)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from playwright.sync_api import Browser, Playwright, expect

from app.db import get_session
from app.renderers.qr import png, presentation_qr
from app.services import certificates as certs
from app.services.presentations import present, printed_code

from ..helpers import id_number
from ..registry import Province
from .conftest import CHROMIUM, FLAGS


def write_y4m(qr_png: bytes, path: Path) -> None:
    """One 640x480 frame (4:2:0) with the QR in the middle; Chromium loops it as a camera."""
    import io

    frame = Image.new("L", (640, 480), 255).convert("RGB")
    code = Image.open(io.BytesIO(qr_png)).convert("RGB")
    code.thumbnail((440, 440))
    frame.paste(code, ((640 - code.width) // 2, (480 - code.height) // 2))
    y, u, v = frame.convert("YCbCr").split()
    with path.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\nFRAME\n")
        out.write(y.tobytes() + u.resize((320, 240)).tobytes() + v.resize((320, 240)).tobytes())


@pytest.fixture(params=["presentation", "printed"])
def camera_browser(
    app: Flask, province: Province, tmp_path: Path, playwright: Playwright, request: pytest.FixtureRequest
) -> Iterator[Browser]:
    with app.app_context():
        session = get_session()
        admin = province.actor(session, "jinan_admin")
        cert = certs.issue(
            session, province.context, admin, certs.IssueRequest(id_number(), "张三明", [1])
        ).certificate
        session.commit()
        if request.param == "presentation":
            url = present(province.context, cert, 600).url
        else:
            url = printed_code(province.context, cert, certs.current_version(cert))
    video = tmp_path / "camera.y4m"
    write_y4m(png(presentation_qr(url), scale=4), video)
    flags = [
        *FLAGS,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=flags)
    yield browser
    browser.close()


def test_scan_online_then_offline(camera_browser: Browser, live_server: str) -> None:
    context = camera_browser.new_context(viewport={"width": 360, "height": 780}, locale="zh-CN")
    context.grant_permissions(["camera"], origin=live_server)
    page = context.new_page()
    page.goto(live_server + "/scan")
    expect(page.locator("#verdict-word")).to_have_text("有效", timeout=20_000)
    expect(page.locator("#verdict-holder")).to_contain_text("张*明")  # masked, for the printed code too
    expect(page.locator("#verdict-server")).to_have_text("服务器核验结果一致。", timeout=10_000)
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now controlled by the service worker
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    context.set_offline(True)
    page.reload()
    expect(page.locator("#verdict-word")).to_have_text("有效", timeout=20_000)
    expect(page.locator("#verdict-server")).to_have_text("已在本设备离线核验。")
    expect(page.locator("#cache-age")).to_contain_text("分钟前")
    context.close()
