"""What people read is words in their language: no raw codes (event, permission, state, reason)
inside the pages, dates and category names in the chosen language, and a language switch that keeps
the page and its query."""

from __future__ import annotations

import io
import re
from html import unescape

from flask import Flask
from flask.testing import FlaskClient

from app.db import get_session

from ..helpers import id_number
from ..registry import Province
from .admin_client import csrf, login, post_form
from .test_verify import issue, presentation

HOLDER = id_number()
TAG = re.compile(r"<[^>]+>")


def seen(page: str) -> str:
    """The text a person sees: the page without its tags, attributes and scripts."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", unescape(TAG.sub(" ", page)))


def issued(app: Flask, province: Province) -> tuple[int, str]:
    """A certificate (categories 1 and 2) and a presentation of it, made outside the requests'
    context (pages in two languages and two signed-in users must not share one ``g``)."""
    with app.app_context():
        session = get_session()
        cert = issue(session, province)
        return cert.id, presentation(session, province, cert)


def history(page: str) -> str:
    start = page.index('id="history"') if 'id="history"' in page else page.index("<ol")
    return seen(page[start:])


def test_the_certificate_history_reads_as_words(app: Flask, client: FlaskClient, province: Province) -> None:
    cert_id, payload = issued(app, province)
    url = f"/admin/certificates/{cert_id}"
    clerk = app.test_client()
    login(clerk, "jinan_clerk")  # may issue and renew, not suspend
    refused = post_form(
        clerk,
        url,
        f"{url}/suspend",
        {"expected_version": 1, "reason": "违章", "confirm": "y", "request_key": "w1"},
    ).get_data(as_text=True)
    assert "您没有办理该事项的权限" in seen(refused)
    inspector = app.test_client()
    login(inspector, "jinan_inspector")
    record = inspector.get(f"/v/{payload}").get_data(as_text=True)
    full = seen(record[record.index('id="full-record"') :])
    assert "状态 有效" in full and "active" not in full  # the inspector's record: the state in words

    login(client, "jinan_admin")
    page = history(client.get(url).get_data(as_text=True))
    assert "暂扣：被拒绝" in page and "执法人员查看完整信息" in page and "核发" in page
    for code in ("certificate.", "verification.", "no_permission", "full_view", "refused ·"):
        assert code not in page, code
    english = history(client.get(f"{url}?lang=en").get_data(as_text=True))
    assert "Suspended: refused" in english and "Full record viewed by an inspector" in english
    assert "You have no permission for this service" in english
    assert "certificate." not in english and "verification." not in english


def test_permissions_on_the_staff_page_are_words(client: FlaskClient, province: Province) -> None:
    login(client, "jinan_admin")
    page = seen(client.get("/admin/staff").get_data(as_text=True))
    assert "从业资格证核发 · 办结" in page and "从业资格证换发 · 办结" in page
    assert not re.search(r"\b(issue|renew|suspend):(accept|review|conclude)\b", page)
    english = seen(client.get("/admin/staff?lang=en").get_data(as_text=True))
    assert "Issue of a qualification certificate · Conclude" in english and "issue:conclude" not in english


def test_a_wrong_check_character_in_an_import_reads_as_words(client: FlaskClient, province: Province) -> None:
    login(client, "jinan_admin")
    wrong = HOLDER[:-1] + ("0" if HOLDER[-1] != "0" else "1")
    body = "证号,姓名,身份证号码,从业资格类别,发证日期,有效期至,发证机关,介质\n"
    body += f"P1,张三明,{wrong},cargo,2020-05-01,2099-04-30,济南市运管处,纸质\n"
    token = csrf(client.get("/admin/legacy").get_data(as_text=True))
    page = client.post(
        "/admin/legacy",
        data={"csrf_token": token, "confirm": "y", "file": (io.BytesIO(body.encode()), "old.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "身份证号码最后一位与前面的号码不符，请检查是否输错。" in seen(page)
    assert "check character" not in page and "does not match" not in page


def test_dates_and_categories_follow_the_language(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    cert_id, _ = issued(app, province)
    login(client, "jinan_admin")
    url = f"/admin/certificates/{cert_id}"
    chinese = seen(client.get(url).get_data(as_text=True))
    assert "经营性道路旅客运输驾驶员、经营性道路货物运输驾驶员" in chinese
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", chinese)
    english = seen(client.get(f"{url}?lang=en").get_data(as_text=True))
    assert "Passenger transport driver, General cargo driver" in english
    assert not re.search(r"[年月日、]", english.replace("中文", ""))
    assert re.search(r"Valid \d{4}-\d{2}-\d{2} – \d{4}-\d{2}-\d{2}", english)
    found = seen(client.get("/admin/certificates?q=张三&lang=en").get_data(as_text=True))
    assert "Passenger transport driver, General cargo driver" in found and "年" not in found


def test_the_language_switch_keeps_the_page_and_its_query(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    issued(app, province)
    login(client, "jinan_admin")
    page = client.get("/admin/certificates?q=张三&page=1").get_data(as_text=True)
    (switch,) = re.findall(r'<a href="([^"]+)" hreflang="en">English</a>', page)
    switch = unescape(switch)
    assert switch.startswith("/admin/certificates?") and "lang=en" in switch
    english = client.get(switch).get_data(as_text=True)
    assert HOLDER in english and "张三明" in english  # the search's results, now in English
    (back,) = re.findall(r'<a href="([^"]+)" hreflang="zh-CN">中文</a>', english)
    back = unescape(back)
    assert "lang=zh_CN" in back and back.count("lang=") == 1
    again = client.get(back).get_data(as_text=True)
    assert HOLDER in again and "共 1 条" in again
