"""Photo review: the reviewer sees whose photo it is, the new photo beside the one approved before,
and rejects with a reason in words; the holder sees that the photo waits, or why it was rejected.
Only the holder's issuing authority (and the province) decides; each queue view is audited."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from app.db import get_session
from app.models import AuditEvent, HolderPhoto
from signing import mask_id

from ..registry import Province
from .admin_client import csrf, login, post_form
from .test_holder import A, B, activate, issue_with_code
from .test_words import seen

QUEUE = "/admin/photos"


def jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 800), colour).save(out, "JPEG")
    return out.getvalue()


def upload(phone: FlaskClient, colour: tuple[int, int, int]) -> str:
    """The holder sends a photo from his photo page; the page he lands on, as text."""
    token = csrf(phone.get("/me/photo").get_data(as_text=True))
    return phone.post(
        "/me/photo",
        data={"csrf_token": token, "photo": (io.BytesIO(jpeg(colour)), "me.jpg")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)


def holder_phone(app: Flask, client: FlaskClient, holder: str, name: str, key: str) -> FlaskClient:
    """A certificate issued by 济南 (``client`` signs in as its administrator) and its holder
    signed in on his phone."""
    phone = app.test_client()
    activate(phone, holder, issue_with_code(client, holder, name, key))
    return phone


def pending_ids(app: Flask) -> list[int]:
    with app.app_context():
        return list(get_session().scalars(select(HolderPhoto.id).filter_by(state="pending")))


def decide(client: FlaskClient, photo_id: int, **data: str) -> str:
    return seen(post_form(client, QUEUE, f"{QUEUE}/{photo_id}", data).get_data(as_text=True))


def events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(
            get_session().scalars(select(AuditEvent).filter_by(action=action).order_by(AuditEvent.seq))
        )


def test_the_queue_shows_whose_photo_and_the_photo_approved_before(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    phone = holder_phone(app, client, A, "张三明", "r1")
    upload(phone, (10, 120, 200))
    (first,) = pending_ids(app)
    page = client.get(QUEUE).get_data(as_text=True)
    text = seen(page)
    assert "张三明" in text and mask_id(A) in text and A not in page
    # the certificate number is the ID number: masked too
    assert f"证照 {mask_id(A)} · 道路危险货物运输装卸管理人员 · 济南市交通运输局" in text
    assert "尚无通过审核的照片" in text and "共 1 张照片待审核" in text
    assert re.findall(r'<img src="(/admin/photos/\d+\.jpg)" width="390"', page) == [f"{QUEUE}/{first}.jpg"]
    english = seen(client.get(f"{QUEUE}?lang=en").get_data(as_text=True))
    assert f"Certificate {mask_id(A)} · Dangerous goods loading manager · 济南市交通运输局" in english
    assert "No approved photo yet" in english and "Blurred or out of focus" in english
    assert "照片模糊" not in english and "Reject with this reason" in english
    assert "照片模糊、不清晰" in text and "光线太暗或不均匀" in text  # the reasons, in words

    client.get(f"{QUEUE}?lang=zh_CN")
    assert "照片已通过审核。" in decide(client, first, decision="approve")
    assert "我的证书" in seen(phone.get("/me").get_data(as_text=True))
    upload(phone, (200, 30, 30))
    (second,) = pending_ids(app)
    page = client.get(QUEUE).get_data(as_text=True)
    assert re.findall(r'<img src="(/admin/photos/\d+\.jpg)" width="390"', page) == [
        f"{QUEUE}/{second}.jpg",
        f"{QUEUE}/{first}.jpg",
    ]
    assert "此前通过审核的照片" in seen(page) and "尚无通过审核的照片" not in seen(page)
    for photo_id in (first, second):
        image = client.get(f"{QUEUE}/{photo_id}.jpg")
        assert image.mimetype == "image/jpeg" and "no-store" in image.headers["Cache-Control"]


def test_another_authority_neither_sees_nor_decides(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    phone = holder_phone(app, client, A, "张三明", "r2")
    upload(phone, (10, 120, 200))
    (photo_id,) = pending_ids(app)
    other = app.test_client()
    login(other, "qingdao_admin")
    text = seen(other.get(QUEUE).get_data(as_text=True))
    assert "张三明" not in text and "无。" in text
    assert other.get(f"{QUEUE}/{photo_id}.jpg").status_code == 404
    token = csrf(other.get(QUEUE).get_data(as_text=True))
    refused = other.post(f"{QUEUE}/{photo_id}", data={"csrf_token": token, "decision": "approve"})
    assert refused.status_code == 404 and pending_ids(app) == [photo_id]
    assert events(app, "photo.review_view") == []  # nothing of the holder was shown
    decide(client, photo_id, decision="approve")
    assert other.get(f"{QUEUE}/{photo_id}.jpg").status_code == 404  # nor the approved one
    assert client.get(f"{QUEUE}/{photo_id}.jpg").status_code == 404  # nothing waits beside it now
    province_admin = app.test_client()
    login(province_admin, "province")
    upload(phone, (1, 2, 3))
    assert "张三明" in seen(province_admin.get(QUEUE).get_data(as_text=True))


def test_rejecting_needs_a_reason_and_the_holder_reads_it(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    phone = holder_phone(app, client, A, "张三明", "r3")
    home = seen(phone.get("/me").get_data(as_text=True))
    assert "等待审核" not in home and "未通过审核" not in home
    upload(phone, (10, 120, 200))
    home = seen(phone.get("/me").get_data(as_text=True))
    assert "您的新照片正在等待审核" in home and "发证窗口审核通过后将显示在证件上" in home
    assert "Your new photo is waiting for review" in seen(phone.get("/me?lang=en").get_data(as_text=True))
    assert "您的新照片正在等待审核" in seen(phone.get("/me/photo?lang=zh_CN").get_data(as_text=True))
    (photo_id,) = pending_ids(app)

    assert "请选择照片不通过的原因。" in decide(client, photo_id, decision="reject", reason_code="")
    assert "请选择照片不通过的原因。" in decide(client, photo_id, decision="reject", reason_code="ugly")
    assert "请在备注中写明照片存在的问题。" in decide(
        client, photo_id, decision="reject", reason_code="other", note="  "
    )
    english = post_form(
        client, f"{QUEUE}?lang=en", f"{QUEUE}/{photo_id}", {"decision": "reject", "reason_code": ""}
    )
    assert "Choose why the photo is rejected." in seen(english.get_data(as_text=True))
    client.get(f"{QUEUE}?lang=zh_CN")
    assert pending_ids(app) == [photo_id] and events(app, "photo.reject") == []

    done = decide(client, photo_id, decision="reject", reason_code="blurred", note="请对准面部重拍")
    assert "照片未通过审核。" in done and pending_ids(app) == []
    home = phone.get("/me").get_data(as_text=True)
    assert "您的照片未通过审核" in seen(home) and "原因：照片模糊、不清晰" in seen(home)
    assert "发证窗口的说明：请对准面部重拍" in seen(home) and 'href="/me/photo"' in home
    english = seen(phone.get("/me?lang=en").get_data(as_text=True))
    assert "Your photo was not accepted" in english and "Reason: Blurred or out of focus" in english
    assert "Upload a new photo" in english and "blurred" not in english
    own = phone.get("/me/photo?lang=zh_CN").get_data(as_text=True)
    assert "原因：照片模糊、不清晰" in seen(own) and 'type="file"' in own
    assert "照片已收到" in upload(phone, (200, 30, 30))
    home = seen(phone.get("/me").get_data(as_text=True))
    assert "您的新照片正在等待审核" in home and "未通过审核" not in home
    (again,) = pending_ids(app)
    assert "照片已通过审核。" in decide(client, again, decision="approve", reason_code="blurred")
    home = seen(phone.get("/me").get_data(as_text=True))
    assert "等待审核" not in home and "未通过审核" not in home
    with app.app_context():
        approved = get_session().get_one(HolderPhoto, again)
        assert approved.state == "approved" and approved.reason_code is None


def test_reviews_and_queue_views_are_audited(app: Flask, client: FlaskClient, province: Province) -> None:
    phone = holder_phone(app, client, A, "张三明", "r4")
    other_phone = holder_phone(app, client, B, "李四", "r5")
    upload(phone, (10, 120, 200))
    upload(other_phone, (1, 2, 3))
    first, second = pending_ids(app)
    client.get(QUEUE)
    viewed = events(app, "photo.review_view")
    with app.app_context():
        holders = {
            str(p.practitioner_id): p.id
            for p in get_session().scalars(select(HolderPhoto).filter_by(state="pending"))
        }
    assert sorted((e.actor, e.target_type, e.target_id, e.after["photo"]) for e in viewed) == sorted(
        ("jinan_admin", "practitioner", holder, photo) for holder, photo in holders.items()
    )
    decide(client, first, decision="reject", reason_code="other", note="戴了帽子")
    decide(client, second, decision="approve")
    (rejected,) = events(app, "photo.reject")
    assert rejected.actor == "jinan_admin" and rejected.reason == "other"
    assert rejected.after["note"] == "戴了帽子" and rejected.after["photo"] == first
    (approved,) = events(app, "photo.approve")
    assert approved.after["photo"] == second and approved.reason is None
    history = seen(client.get(f"/admin/certificates?q={A}").get_data(as_text=True))
    assert "photo." not in history


def test_a_long_queue_is_paged(
    app: Flask, client: FlaskClient, province: Province, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.services.queries.PAGE_SIZE", 1)
    for holder, name, key in ((A, "张三明", "p1"), (B, "李四", "p2")):
        upload(holder_phone(app, client, holder, name, key), (10, 120, 200))
    first = seen(client.get(QUEUE).get_data(as_text=True))
    assert "张三明" in first and "李四" not in first and "第 1 页，共 2 页" in first
    second = client.get(f"{QUEUE}?page=2").get_data(as_text=True)
    assert "李四" in seen(second) and "张三明" not in seen(second)
    photo_id = int(re.search(r'action="/admin/photos/(\d+)\?page=2"', second).group(1))  # type: ignore[union-attr]
    token = csrf(second)
    back = client.post(f"{QUEUE}/{photo_id}?page=2", data={"csrf_token": token, "decision": "approve"})
    assert back.headers["Location"] == f"{QUEUE}?page=2"
