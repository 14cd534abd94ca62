"""Checking certificates over HTTP: the scanner's page, the JSON API and the legacy look-up."""

from __future__ import annotations

import re
import time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import get_session
from app.models import AuditEvent
from app.services import certificates as certs
from app.services import legacy
from signing import CertificateFacts, Purpose, mask_id, sign_credential, sign_presentation, status_list_size

from ..helpers import decimal_decode, decimal_encode, id_number
from ..helpers import facts as sample_facts
from ..registry import Province
from .admin_client import login

HOLDER = id_number()


def issue(session: Session, province: Province):  # type: ignore[no-untyped-def]
    admin = province.actor(session, "jinan_admin")
    issued = certs.issue(session, province.context, admin, certs.IssueRequest(HOLDER, "张三明", [1, 2]))
    session.commit()
    return issued.certificate


def presentation(session: Session, province: Province, cert, at: int | None = None) -> str:  # type: ignore[no-untyped-def]
    version = certs.current_version(cert)
    from signing import Identifier

    facts = CertificateFacts(
        identifier=Identifier.parse(version.identifier),
        number=cert.number,
        holder_name=version.holder_name,
        holder_id=HOLDER,
        categories=tuple(version.categories),
        issuer_name=cert.authority.name,
        first_issued=cert.first_issued,
        issued=version.issued,
        valid_from=version.valid_from,
        valid_until=version.valid_until,
        status_index=version.status_index,
    )
    now = int(time.time()) if at is None else at
    signer = province.context.keys.signer(Purpose.PRESENTATION, now=now)
    return sign_presentation(facts, signer, now=now)


def test_valid_then_suspended(client: FlaskClient, session: Session, province: Province) -> None:
    cert = issue(session, province)
    payload = presentation(session, province, cert)
    page = client.get(f"/v/{payload}").get_data(as_text=True)
    assert '<h1 class="verdict-word">有效</h1>' in page
    assert "张*明" in page and mask_id(HOLDER) in page and HOLDER not in page
    api = client.post("/api/v1/verify", json={"payload": f"https://rtc.example.cn/v/{payload}"}).json
    assert api["valid"] is True and api["status"] == "valid" and api["holder"]["name"] == "张*明"
    certs.perform(
        session,
        province.context,
        province.actor(session, "jinan_admin"),
        "suspend",
        cert.id,
        certs.ActionInput(reason="违章"),
    )
    session.commit()
    page = client.get(f"/v/{payload}").get_data(as_text=True)
    assert "证件已被暂扣。" in page and "无效" in page
    assert client.post("/api/v1/verify", json={"payload": payload}).json["reason"] == "suspended"


def test_screenshot_tampering_and_junk(client: FlaskClient, session: Session, province: Province) -> None:
    cert = issue(session, province)
    stale = presentation(session, province, cert, at=int(time.time()) - 600)
    assert "二维码已过期（可能是截图），请持证人在手机上刷新后重新出示。" in client.get(
        f"/v/{stale}"
    ).get_data(as_text=True)
    raw = bytearray(decimal_decode(presentation(session, province, cert)))
    raw[-1] ^= 1
    page = client.get(f"/v/{decimal_encode(bytes(raw))}").get_data(as_text=True)
    assert "签名不匹配：证件可能被伪造或篡改。" in page
    page = client.get("/v/hello/world").get_data(as_text=True)
    assert "无法识别此二维码：它不是本服务的证照二维码。" in page
    page = client.get(f"/v/{presentation(session, province, cert, at=int(time.time()) + 900)}")
    assert "二维码的生成时间晚于本设备时间，请检查本设备的时钟。" in page.get_data(as_text=True)


def test_credential_through_the_api_is_masked(
    client: FlaskClient, session: Session, province: Province
) -> None:
    cert = issue(session, province)
    api = client.post("/api/v1/verify", json={"payload": certs.current_version(cert).credential}).json
    assert api["valid"] is True and api["kind"] == "credential"
    assert api["holder"] == {"name": "张*明", "id": mask_id(HOLDER)} and "number" not in api


def test_index_past_the_published_list_is_refused(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    # Signed by Jinan's own key, but its index lies past the end of Jinan's published list: the
    # list never said it is valid, so it is not (it was read as valid before).
    with app.app_context():  # not held open across the requests: each gets its own language
        jinan = province.body(get_session(), "jinan").credit_code
    now = int(time.time())
    signer = province.context.keys.signer(Purpose.CERTIFICATE, now=now, issuer=jinan)
    beyond = sample_facts(issuer=jinan, status_index=status_list_size(0))
    token = sign_credential(beyond, signer, status_uri=province.context.status_uri(jinan), now=now)
    api = client.post("/api/v1/verify", json={"payload": token}, headers={"Accept-Language": "en"}).json
    assert api["valid"] is False and api["reason"] == "status_out_of_bounds" and api["step"] == 6
    assert api["message"] == "The issuer's status list has no entry for this certificate: do not accept it."
    page = client.get(f"/v/{token}").get_data(as_text=True)
    assert "发证机关的状态列表中没有该证件的条目：请勿采信。" in page and "无效" in page


def test_api_bad_body(client: FlaskClient) -> None:
    response = client.post("/api/v1/verify", data="nope", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 400
    assert response.json["message"] == '请发送 JSON，例如 {"payload": "<二维码内容>"}。'


def test_inspector_sees_the_full_record_and_it_is_logged(
    client: FlaskClient, session: Session, province: Province
) -> None:
    cert = issue(session, province)
    payload = presentation(session, province, cert)
    login(client, "jinan_inspector")
    page = client.get(f"/v/{payload}").get_data(as_text=True)
    assert 'id="full-record"' in page and HOLDER in page
    views = session.scalars(select(AuditEvent).where(AuditEvent.action == "verification.full_view")).all()
    assert [v.actor for v in views] == ["jinan_inspector"]


def test_legacy_lookup(client: FlaskClient, session: Session, province: Province) -> None:
    body = "证号,姓名,身份证号码,从业资格类别,发证日期,有效期至,发证机关,介质\n"
    body += f"P1,张三明,{HOLDER},cargo,2020-05-01,2099-04-30,济南市运管处,纸质\n"
    legacy.import_file(
        session, province.context.clock, province.actor(session, "jinan_admin"), "old.csv", body.encode()
    )
    session.commit()
    page = client.get("/legacy?number=P1&name=张三明").get_data(as_text=True)
    assert '<p class="verdict-word">有效</p>' in page and "张*明" in page and HOLDER not in page
    facts = re.search(r'<dl class="facts" id="legacy-facts">(.*?)</dl>', page, re.S)
    assert facts, page
    words = re.sub(r"<[^>]+>", " ", facts.group(1)).split()
    assert words[:6] == [
        "发证机关",
        "济南市运管处",
        "介质",
        "纸质",
        "从业资格类别",
        "经营性道路货物运输驾驶员",
    ], words
    assert "没有该证号和姓名的证书。" in client.get("/legacy?number=P1&name=李四").get_data(as_text=True)


def test_public_checks_are_rate_limited(client: FlaskClient) -> None:
    for _ in range(60):
        client.get("/v/123")
    response = client.get("/v/123")
    assert response.status_code == 429
    assert "操作过于频繁，请稍候再试。" in response.get_data(as_text=True)


def test_inspector_photo_only_through_a_verified_code(
    app, client: FlaskClient, session: Session, province: Province, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import io
    import re

    from PIL import Image

    from app.models import HolderAccount
    from app.services import photos
    from app.web import verify

    cert = issue(session, province)
    account = HolderAccount(
        practitioner_id=cert.practitioner_id, created_at=cert.updated_at, password_hash="x"
    )
    session.add(account)
    session.commit()
    out = io.BytesIO()
    Image.new("RGB", (400, 500), (1, 2, 3)).save(out, "JPEG")
    photo = photos.upload(session, account, out.getvalue())
    photos.review(session, photo, province.actor(session, "jinan_admin"), approve=True)
    session.commit()
    guessed = f"/v-photo/{cert.practitioner_id}.jpg"  # the old, guessable address
    login(client, "jinan_inspector")
    assert client.get(guessed).status_code == 404  # an inspector without a verified code: nothing
    page = client.get(f"/v/{presentation(session, province, cert)}").get_data(as_text=True)
    (url,) = re.findall(r'src="(/v-photo/[^"]+\.jpg)"', page)
    assert url != guessed and client.get(url).mimetype == "image/jpeg"
    viewed = session.scalars(select(AuditEvent).where(AuditEvent.action == "verification.photo_view")).all()
    assert [(e.actor, e.target_id) for e in viewed] == [("jinan_inspector", str(cert.practitioner_id))]
    assert client.get(url.replace(".jpg", "x.jpg")).status_code == 404  # a forged link
    other = app.test_client()
    login(other, "qingdao_inspector")
    assert other.get(url).status_code == 404  # the link is bound to the inspector who verified
    assert app.test_client().get(url).status_code == 404  # and useless to anyone not signed in
    monkeypatch.setattr(verify, "PHOTO_GRANT_SECONDS", -1)
    assert client.get(url).status_code == 404  # and it expires


def test_check_by_number(client: FlaskClient, session: Session, province: Province) -> None:
    """The scanner's fallback: number and name typed in; the state in words, the holder masked."""
    cert = issue(session, province)
    url = f"/check?number={cert.number}&name=张三明"
    page = client.get(url).get_data(as_text=True)
    assert '<p class="verdict-word">有效</p>' in page and f"张*明 · {mask_id(HOLDER)}" in page
    assert cert.authority.name in page and "经营性道路旅客运输驾驶员、经营性道路货物运输驾驶员" in page
    wrong = client.get(f"/check?number={cert.number}&name=张三").get_data(as_text=True)
    assert '<p class="verdict-word">查无此证</p>' in wrong and "没有该证号和姓名的电子证照。" in wrong
    assert mask_id(HOLDER) not in wrong  # the number alone tells nothing
    admin = province.actor(session, "jinan_admin")
    certs.perform(session, province.context, admin, "suspend", cert.id, certs.ActionInput(reason="违章"))
    session.commit()
    assert '<p class="verdict-word">暂扣</p>' in client.get(url).get_data(as_text=True)
    certs.perform(session, province.context, admin, "revoke", cert.id, certs.ActionInput(reason="违章"))
    session.commit()
    assert '<p class="verdict-word">吊销</p>' in client.get(url).get_data(as_text=True)


def test_check_by_number_is_rate_limited(client: FlaskClient) -> None:
    for _ in range(60):
        client.get("/check?number=1&name=x")
    response = client.get("/check?number=1&name=x")
    assert response.status_code == 429
    assert "操作过于频繁，请稍候再试。" in response.get_data(as_text=True)
