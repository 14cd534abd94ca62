"""Photo review in Chromium, on a 360 px phone and at a desk: the holder uploads a new photo, the
reviewer rejects it with a reason, the holder reads the reason and uploads again, and the reviewer
approves it with the photo approved before shown beside the new one."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from playwright.sync_api import Browser, Locator, Page, expect

from ..functional.admin_client import csrf, login, post_form, window_issue
from ..helpers import id_number
from ..registry import PASSWORD, Province

HOLDER = id_number("37010219900307123")
HOLDER_PASSWORD = "holder password"
SIZES = [(360, 740), (1280, 800)]


def jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 800), colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def holder_with_photo(app: Flask, province: Province) -> None:
    """A certificate from 济南, its holder's account, and a grey photo of his already approved."""
    office = app.test_client()
    login(office, "jinan_admin")
    issued = window_issue(office, HOLDER, "张三明", ["9"], "e1").get_data(as_text=True)
    code = re.search(r"：([2-9A-Z]{5}-[2-9A-Z]{5})（", issued)
    assert code, issued
    phone = app.test_client()
    post_form(
        phone,
        "/me/activate",
        "/me/activate",
        {"id_number": HOLDER, "code": code.group(1), "password": HOLDER_PASSWORD, "again": HOLDER_PASSWORD},
    )
    token = csrf(phone.get("/me/photo").get_data(as_text=True))
    phone.post(
        "/me/photo",
        data={"csrf_token": token, "photo": (io.BytesIO(jpeg((128, 128, 128))), "grey.jpg")},
        content_type="multipart/form-data",
    )
    queue = office.get("/admin/photos").get_data(as_text=True)
    photo_id = re.search(r'action="/admin/photos/(\d+)"', queue)
    assert photo_id, queue
    post_form(office, "/admin/photos", f"/admin/photos/{photo_id.group(1)}", {"decision": "approve"})


def new_page(browser: Browser, size: tuple[int, int]) -> Page:
    return browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN").new_page()


def fits(page: Page, width: int, shots: Path, name: str) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll} px wide at {width} px"
    page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)


def upload(page: Page, base: str, picture: Path) -> None:
    page.goto(base + "/me/photo")
    page.set_input_files("input[type=file]", str(picture))
    page.locator("main button[type=submit]").click()
    expect(page.locator(".flash.success")).to_contain_text("照片已收到")


def loaded(image: Locator) -> dict[str, float]:
    """The image's box, once it has loaded (its natural width is known)."""
    expect(image).to_be_visible()
    image.evaluate("i => i.complete || new Promise(done => i.addEventListener('load', done))")
    assert image.evaluate("i => i.naturalWidth") == 390
    box = image.bounding_box()
    assert box is not None
    return box


def colour_of(image: Locator) -> tuple[int, ...]:
    """The colour seen in the middle of ``image`` on the screen."""
    image.scroll_into_view_if_needed()
    box = loaded(image)
    shot = Image.open(io.BytesIO(image.page.screenshot())).convert("RGB")
    scale = shot.width / image.page.viewport_size["width"]  # type: ignore[index]
    middle = (box["x"] + box["width"] / 2) * scale, (box["y"] + box["height"] / 2) * scale
    return tuple(shot.getpixel((int(middle[0]), int(middle[1]))))  # type: ignore[arg-type]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_reject_with_reason_then_approve_beside_the_previous_photo(
    browser: Browser, live_server: str, holder_with_photo: None, tmp_path: Path, size: tuple[int, int]
) -> None:
    width = size[0]
    blue, red = tmp_path / "blue.jpg", tmp_path / "red.jpg"
    blue.write_bytes(jpeg((10, 120, 200)))
    red.write_bytes(jpeg((200, 30, 30)))

    holder = new_page(browser, size)
    holder.goto(live_server + "/me/login")
    holder.get_by_label("身份证号码").fill(HOLDER)
    holder.get_by_label("密码").fill(HOLDER_PASSWORD)
    holder.locator("main button[type=submit]").click()
    expect(holder).to_have_url(live_server + "/me")
    upload(holder, live_server, blue)
    holder.goto(live_server + "/me")
    expect(holder.locator("#photo-status")).to_contain_text("您的新照片正在等待审核")
    fits(holder, width, tmp_path, "holder-waiting")

    reviewer = new_page(browser, size)
    reviewer.goto(live_server + "/admin/login")
    reviewer.fill("#username", "jinan_admin")
    reviewer.fill("#password", PASSWORD)
    reviewer.click("button[type=submit]")
    reviewer.goto(live_server + "/admin/photos")
    card = reviewer.locator(".photo-review")
    expect(card).to_have_count(1)
    expect(card.locator("h2")).to_contain_text("张三明")
    expect(card.locator("h2")).to_contain_text(HOLDER[:4] + "*" * 10 + HOLDER[-4:])
    expect(card.locator(".photo-certificate")).to_contain_text("出租汽车驾驶员 · 济南市交通运输局")
    new = loaded(card.locator(".photo-new img"))
    previous = loaded(card.locator(".photo-previous img"))
    text_box = card.bounding_box()
    assert text_box is not None
    if width == 360:  # the new photo fills the card's width; the one before follows below it
        assert new["width"] >= text_box["width"] - 2 * 20 - 1 and previous["y"] >= new["y"] + new["height"]
    else:  # large, and the one before beside it
        assert new["width"] >= 240 and previous["x"] >= new["x"] + new["width"]
        assert abs(previous["y"] - new["y"]) < 1
    fits(reviewer, width, tmp_path, "review-queue")
    card.get_by_label("不通过的原因").select_option(label="照片模糊、不清晰")
    card.get_by_label("给持证人的说明（选填）").fill("请在光线充足处对准面部重拍")
    card.get_by_role("button", name="按此原因不通过").click()
    expect(reviewer.locator(".flash.success")).to_have_text("照片未通过审核。")
    expect(reviewer.locator("main")).to_contain_text("无。")

    holder.goto(live_server + "/me")
    status = holder.locator("#photo-status")
    expect(status).to_contain_text("您的照片未通过审核")
    expect(status).to_contain_text("原因：照片模糊、不清晰")
    expect(status).to_contain_text("发证窗口的说明：请在光线充足处对准面部重拍")
    fits(holder, width, tmp_path, "holder-rejected")
    status.get_by_role("link", name="重新上传照片").click()
    expect(holder).to_have_url(live_server + "/me/photo")
    expect(holder.locator("#photo-status")).to_contain_text("原因：照片模糊、不清晰")
    fits(holder, width, tmp_path, "holder-photo-rejected")
    upload(holder, live_server, red)
    expect(holder.locator("#photo-status")).to_contain_text("您的新照片正在等待审核")

    reviewer.goto(live_server + "/admin/photos")
    card = reviewer.locator(".photo-review")
    loaded(card.locator(".photo-new img"))
    expect(card.locator(".photo-previous figcaption")).to_have_text("此前通过审核的照片")
    assert colour_of(card.locator(".photo-new img")) == pytest.approx((200, 30, 30), abs=3)
    assert colour_of(card.locator(".photo-previous img")) == pytest.approx((128, 128, 128), abs=3)
    card.get_by_role("button", name="通过", exact=True).click()
    expect(reviewer.locator(".flash.success")).to_have_text("照片已通过审核。")
    expect(reviewer.locator("main")).to_contain_text("无。")

    holder.goto(live_server + "/me")
    expect(holder.locator("#photo-status")).to_have_count(0)
    holder.context.close()
    reviewer.context.close()
