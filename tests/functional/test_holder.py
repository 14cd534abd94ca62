"""The holder's account: activation code from the clerk, activation, sign-in, own data only."""

from __future__ import annotations

import datetime as dt
import io
import re

from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import update

from app.models import HolderAccount

from ..helpers import id_number, running_job
from ..registry import Province
from .admin_client import csrf, login, post_form, window_issue

A, B = id_number("37010219900307123"), id_number("11010519491231002")


def issue_with_code(client: FlaskClient, holder: str, name: str, key: str) -> str:
    """Issue at the clerk's window (accepted and concluded at once) and return the activation
    code it shows."""
    login(client, "jinan_admin")
    page = window_issue(client, holder, name, ["4"], key).get_data(as_text=True)
    match = re.search(r"：([2-9A-Z]{5}-[2-9A-Z]{5})（", page)
    assert match, page
    return match.group(1)


def activate(client: FlaskClient, holder: str, code: str, password: str = "holder password"):  # type: ignore[no-untyped-def]
    return post_form(
        client,
        "/me/activate",
        "/me/activate",
        {"id_number": holder, "code": code, "password": password, "again": password},
    )


def test_activate_sign_in_and_see_only_own(app, client: FlaskClient, province: Province) -> None:  # type: ignore[no-untyped-def]
    code_a = issue_with_code(client, A, "张三明", "k1")
    issue_with_code(client, B, "李四", "k2")
    phone = app.test_client()
    wrong = activate(phone, A, "23456-23456")
    assert "身份证号码或激活码错误。" in wrong.get_data(as_text=True)
    page = activate(phone, A, code_a.lower().replace("-", " ")).get_data(as_text=True)
    assert "账号已开通。" in page and "张三明" in page and "李四" not in page
    own = re.search(r"/me/certificates/(\d+)\.pdf", page)
    assert own
    text = PdfReader(io.BytesIO(phone.get(own.group(0)).data)).pages[0].extract_text()
    assert A in text
    other_id = int(own.group(1)) + 1
    assert phone.get(f"/me/certificates/{other_id}.pdf").status_code == 404
    assert "身份证号码或激活码错误。" in activate(app.test_client(), A, code_a).get_data(
        as_text=True
    )  # used up
    token = csrf(phone.get("/me").get_data(as_text=True))
    phone.post("/me/logout", data={"csrf_token": token})
    assert phone.get("/me").headers["Location"].startswith("/me/login")
    again = post_form(phone, "/me/login", "/me/login", {"id_number": A, "password": "holder password"})
    assert "我的证书" in again.get_data(as_text=True)
    assert "身份证号码或密码错误。" in post_form(
        app.test_client(), "/me/login", "/me/login", {"id_number": A, "password": "nope"}
    ).get_data(as_text=True)


def test_expired_code_and_short_password(app, client: FlaskClient, province: Province) -> None:  # type: ignore[no-untyped-def]
    code = issue_with_code(client, A, "张三明", "k3")
    phone = app.test_client()
    assert "字段长度必须介于 8 到 200 个字符之间。" in activate(phone, A, code, "short7!").get_data(
        as_text=True
    )
    with app.app_context():
        from app.db import get_session

        session = get_session()
        session.execute(
            update(HolderAccount).values(activation_expires=dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
        )
        session.commit()
    page = activate(phone, A, code).get_data(as_text=True)
    assert "激活码已过期，请向发证窗口重新申请。" in page


def test_staff_pages_refuse_holders(app, client: FlaskClient, province: Province) -> None:  # type: ignore[no-untyped-def]
    code = issue_with_code(client, A, "张三明", "k4")
    phone = app.test_client()
    activate(phone, A, code)
    assert phone.get("/admin/").status_code == 403


def test_show_endpoints_only_for_the_owner(app, client: FlaskClient, province: Province) -> None:  # type: ignore[no-untyped-def]
    code = issue_with_code(client, A, "张三明", "k5")
    issue_with_code(client, B, "李四", "k6")
    phone = app.test_client()
    page = activate(phone, A, code).get_data(as_text=True)
    own = int(re.search(r"/me/certificates/(\d+)\.pdf", page).group(1))  # type: ignore[union-attr]
    fresh = phone.get(f"/me/show/{own}/presentation")
    assert fresh.headers["Cache-Control"] == "no-store"
    assert fresh.json["url"].startswith("https://rtc.example.cn/v/") and fresh.json["status"] == "valid"
    assert fresh.json["expires_at"] - fresh.json["issued_at"] == 60
    assert fresh.json["show_until"] == fresh.json["expires_at"] - 5
    image = phone.get(f"/me/show/{own}/qr.png")
    assert image.mimetype == "image/png" and image.headers["Cache-Control"] == "no-store"
    import zxingcpp
    from PIL import Image

    (symbol,) = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(image.data)), formats=zxingcpp.BarcodeFormat.QRCode
    )
    assert symbol.text.startswith("https://rtc.example.cn/v/") and symbol.extra["Version"] == "10"
    for path in (f"/me/show/{own + 1}", f"/me/show/{own + 1}/presentation", f"/me/show/{own + 1}/qr.png"):
        assert phone.get(path).status_code == 404
    assert '<noscript><img src="/me/show/' in phone.get(f"/me/show/{own}").get_data(as_text=True)


def test_photo_upload_review_and_show(app, client: FlaskClient, province: Province) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    code = issue_with_code(client, A, "张三明", "k7")
    phone = app.test_client()
    activate(phone, A, code)

    def send(body: bytes, name: str = "me.jpg"):  # type: ignore[no-untyped-def]
        token = csrf(phone.get("/me/photo").get_data(as_text=True))
        return phone.post(
            "/me/photo",
            data={"csrf_token": token, "photo": (io.BytesIO(body), name)},
            content_type="multipart/form-data",
            follow_redirects=True,
        )

    bad = send(b"not a photo", "me.txt")
    assert bad.status_code == 422 and "这不是 JPEG 或 PNG 照片，请用手机相机重新拍摄。" in bad.get_data(
        as_text=True
    )
    out = io.BytesIO()
    Image.new("RGB", (600, 800), (10, 120, 200)).save(out, "JPEG")
    assert "照片已收到，发证窗口审核通过后将显示在证件上。" in send(out.getvalue()).get_data(as_text=True)
    assert phone.get("/me/photo.jpg").status_code == 404  # not approved yet
    other = app.test_client()
    login(other, "qingdao_admin")
    assert '<p class="muted">无。</p>' in other.get("/admin/photos").get_data(as_text=True)
    queue = client.get("/admin/photos").get_data(as_text=True)
    photo_id = int(re.search(r"/admin/photos/(\d+)\.jpg", queue).group(1))  # type: ignore[union-attr]
    assert other.get(f"/admin/photos/{photo_id}.jpg").status_code == 404
    post_form(client, "/admin/photos", f"/admin/photos/{photo_id}", {"decision": "approve", "reason": ""})
    assert phone.get("/me/photo.jpg").mimetype == "image/jpeg"
    own = phone.get("/me").get_data(as_text=True)
    certificate_id = int(re.search(r"/me/show/(\d+)", own).group(1))  # type: ignore[union-attr]
    assert 'src="/me/photo.jpg"' in phone.get(f"/me/show/{certificate_id}").get_data(as_text=True)


def test_fifty_megabyte_photo_is_refused(app, client: FlaskClient, province: Province) -> None:  # type: ignore[no-untyped-def]
    code = issue_with_code(client, A, "张三明", "k8")
    phone = app.test_client()
    activate(phone, A, code)
    token = csrf(phone.get("/me/photo").get_data(as_text=True))
    response = phone.post(
        "/me/photo",
        data={"csrf_token": token, "photo": (io.BytesIO(b"x" * 50 * 2**20), "big.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "提交的内容超过了本服务允许的大小。" in response.get_data(as_text=True)


def test_activation_notice_pdf(app, client: FlaskClient, province: Province) -> None:  # type: ignore[no-untyped-def]
    login(client, "jinan_admin")
    page = window_issue(client, A, "张三明", ["1"], "n1").get_data(as_text=True)
    code = re.search(r'name="code" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    action = re.search(r'action="(/admin/certificates/\d+/activation-notice\.pdf)"', page).group(1)  # type: ignore[union-attr]
    token = csrf(page)
    notice = client.post(
        action, data={"csrf_token": token, "code": code, "confirm": "y", "expected_version": 1}
    )
    assert notice.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(notice.data)).pages[0].extract_text()
    assert code in text and "张三明" in text and "/me/activate" in text and A not in text
    forged = client.post(
        action, data={"csrf_token": token, "code": "AAAAA-AAAAA", "confirm": "y", "expected_version": 1}
    )
    assert forged.status_code == 400
    assert 'id="activation"' not in client.get(action.replace("/activation-notice.pdf", "")).get_data(
        as_text=True
    )


SIGN_OUT = re.compile(
    r'<form method="post" action="(/[a-z/]+)" class="sign-out">\s*'
    r'<input type="hidden" name="csrf_token" value="[^"]+">'
)


def test_every_holder_page_signs_out(app, client: FlaskClient, province: Province) -> None:  # type: ignore[no-untyped-def]
    code = issue_with_code(client, A, "张三明", "so1")
    phone = app.test_client()
    home = activate(phone, A, code).get_data(as_text=True)
    certificate_id = int(re.search(r"/me/show/(\d+)", home).group(1))  # type: ignore[union-attr]
    pages = ("/me", f"/me/show/{certificate_id}", "/me/photo", "/me/password", "/", "/legacy")
    for path in pages:
        assert SIGN_OUT.findall(phone.get(path).get_data(as_text=True)) == ["/me/logout"], path
    assert phone.get("/me/logout").status_code == 405  # a link cannot sign anyone out
    signed_out = post_form(phone, "/me/photo", "/me/logout", {})
    page = signed_out.get_data(as_text=True)
    assert signed_out.request.path == "/me/login" and "您已退出登录。" in page
    assert SIGN_OUT.search(page) is None
    for path in pages[:4]:
        assert phone.get(path).headers["Location"].startswith("/me/login"), path


def test_holder_sign_out_needs_the_pages_token(app, client: FlaskClient, province: Province) -> None:  # type: ignore[no-untyped-def]
    code = issue_with_code(client, A, "张三明", "so2")
    phone = app.test_client()
    activate(phone, A, code)
    forged = phone.post("/me/logout", data={"csrf_token": "forged"})
    assert forged.status_code == 400
    assert "无法理解该请求，请检查提交的内容。" in forged.get_data(as_text=True)
    assert phone.get("/me").status_code == 200  # still signed in


def test_signing_out_after_the_session_ended_says_so(app) -> None:  # type: ignore[no-untyped-def]
    expired = app.test_client()  # the phone kept the page; the session cookie is gone
    response = expired.post("/me/logout", data={"csrf_token": "from-an-old-page"}, follow_redirects=True)
    assert response.request.path == "/me/login"
    assert "您已退出登录。" in response.get_data(as_text=True)


def test_a_holder_cannot_open_a_certificate_of_an_unpublished_batch(
    app, client: FlaskClient, province: Province
) -> None:  # type: ignore[no-untyped-def]
    """The holder's own new certificate, still pending in a batch: not listed, no PDF, no code."""
    from flask import current_app
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.db import get_session
    from app.models import Certificate
    from app.services import certificates as certs

    code = issue_with_code(client, A, "张三明", "k1")
    phone = app.test_client()
    activate(phone, A, code)
    with app.app_context():
        session = get_session()
        admin = province.actor(session, "jinan_admin")
        first = session.scalars(select(Certificate)).one()
        certs.perform(
            session,
            province.context,
            admin,
            "cancel",
            first.id,
            certs.ActionInput(reason="本人申请", cancel_reason="own_request"),
        )
        job = running_job(session, admin.id, province.context.clock.now())
        session.commit()
        opened = []

        def written(chunk_session: Session, _count: int) -> None:
            pending = chunk_session.scalars(select(Certificate).where(Certificate.state == "pending")).one()
            for path in (f"/me/certificates/{pending.id}.pdf", f"/me/show/{pending.id}"):
                opened.append((path, phone.get(path).status_code))
            listed = phone.get("/me").get_data(as_text=True)
            opened.append(("/me", f"/me/show/{pending.id}" in listed or f"/{pending.id}.pdf" in listed))

        run = certs.BatchRun(job.id, admin.id, [certs.IssueRequest(A, "张三明", [2], row=2)])
        outcome = certs.run_batch(
            current_app.extensions["db_sessionmaker"], province.context, run, written=written
        )
    assert outcome.issued == 1
    assert [result for _, result in opened] == [404, 404, False]


def test_the_show_screen_says_the_one_shown_state(app, client: FlaskClient, province: Province) -> None:  # type: ignore[no-untyped-def]
    """The show screen's colour band: normal or abnormal and the state people see everywhere
    (expired derived from the dates; revoked and cancelled told apart)."""
    from sqlalchemy import select

    from app.db import get_session
    from app.models import Certificate
    from app.services import certificates as certs

    screens = {}
    for holder, name, key in ((A, "张三明", "k1"), (B, "李四", "k2")):
        phone = app.test_client()
        page = activate(phone, holder, issue_with_code(client, holder, name, key)).get_data(as_text=True)
        screens[holder] = (phone, re.search(r"/me/show/\d+", page).group(0))  # type: ignore[union-attr]

    def band(holder: str) -> str:
        phone, path = screens[holder]
        page = phone.get(path).get_data(as_text=True)
        found = re.search(r'class="show state-(\w+)".*?<p class="show-band"[^>]*>(.*?)</p>', page, re.S)
        assert found, page
        return found.group(1) + ": " + re.sub(r"<[^>]+>", "", found.group(2))

    def act(holder: str, action: str, given: certs.ActionInput) -> None:
        with app.app_context():
            session = get_session()
            target = session.scalars(select(Certificate).where(Certificate.number == holder)).one()
            certs.perform(
                session, province.context, province.actor(session, "jinan_admin"), action, target.id, given
            )
            session.commit()

    assert band(A) == "active: 正常 · 有效"
    with app.app_context():
        session = get_session()
        target = session.scalars(select(Certificate).where(Certificate.number == A)).one()
        kept, target.valid_until = target.valid_until, province.context.clock.today() - dt.timedelta(days=1)
        session.commit()
        assert band(A) == "expired: 异常 · 已过期"
        target.valid_until = kept
        session.commit()
    act(A, "suspend", certs.ActionInput(reason="核查"))
    assert band(A) == "suspended: 异常 · 暂扣"
    act(A, "revoke", certs.ActionInput(reason="违法"))
    assert band(A) == "revoked: 异常 · 吊销"
    act(B, "cancel", certs.ActionInput(reason="本人申请", cancel_reason="own_request"))
    assert band(B) == "cancelled: 异常 · 注销"
