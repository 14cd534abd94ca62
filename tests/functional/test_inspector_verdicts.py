"""What a check shows when the code is genuine but the certificate is not valid now: the public
sees the verdict and masks; a signed-in inspector sees whose certificate it is, the day of the
event and its reason, with revoked and cancelled told apart, and each of his views is audited and
listed in his checks today. On a valid check his full record comes first."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEvent, Certificate
from app.services import certificates as certs
from app.services import legacy, queries
from app.services.clock import CHINA
from app.services.presentations import printed_code
from signing import mask_id

from ..helpers import id_number
from ..registry import Province
from .admin_client import login

HOLDER = id_number("37010219800101001")
NAME = "王五华"
ISSUER = "jinan_admin"


def _issue(session: Session, province: Province, valid_from: dt.date | None = None) -> Certificate:
    admin = province.actor(session, ISSUER)
    request = certs.IssueRequest(HOLDER, NAME, [1], valid_from=valid_from)
    cert = certs.issue(session, province.context, admin, request).certificate
    session.commit()
    return cert


def _act(session: Session, province: Province, cert: Certificate, name: str, **given: str) -> None:
    certs.perform(
        session, province.context, province.actor(session, ISSUER), name, cert.id, certs.ActionInput(**given)
    )
    session.commit()


def _path(session: Session, province: Province, cert: Certificate, version: int | None = None) -> str:
    """The path of the certificate's printed code (of ``version``, default the current one)."""
    chosen = next(v for v in cert.versions if v.version == (version or cert.current_version))
    url = printed_code(province.context, cert, chosen)
    return "/v/" + url.split("/v/", 1)[1]


def _card(page: str, card: str) -> str:
    found = re.search(rf'<section class="card" id="{card}">(.*?)</section>', page, re.S)
    assert found, page
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))


def _zh(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _today() -> str:
    return _zh(dt.datetime.now(CHINA).date())


def _english(app: Flask, client: FlaskClient, path: str) -> str:
    """The page in English (in its own application context: the session fixture's holds the
    language the first request chose), the choice then forgotten."""
    with app.app_context():
        page = client.get(path + ("&" if "?" in path else "?") + "lang=en").get_data(as_text=True)
    client.delete_cookie("lang")  # the next page in Chinese again
    return page


def _views(session: Session) -> list[AuditEvent]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == "verification.full_view").order_by(AuditEvent.seq)
        )
    )


# (action, its input, the verdict in Chinese, the state, the day's label, the reason, the explanation)
ENDED = {
    "suspended": (
        "suspend",
        {"reason": "酒后驾驶调查中"},
        "证件已被暂扣。",
        "暂扣",
        "暂扣日期",
        "酒后驾驶调查中",
        "暂扣：作为处罚暂时扣留",
    ),
    "revoked": (
        "revoke",
        {"reason": "伪造从业记录"},
        "证件已被吊销或注销。",
        "吊销",
        "吊销日期",
        "伪造从业记录",
        "吊销：因违法违规被依法收回的处罚",
    ),
    "cancelled": (
        "cancel",
        {"cancel_reason": "own_request"},
        "证件已被吊销或注销。",
        "注销",
        "注销日期",
        "持证人申请注销",
        "注销：非处罚性终止",
    ),
}


@pytest.mark.parametrize("state", sorted(ENDED))
def test_an_ended_certificate_public_and_inspector(
    app: Flask, client: FlaskClient, session: Session, province: Province, state: str
) -> None:
    action, given, verdict, word, label, reason, explained = ENDED[state]
    cert = _issue(session, province)
    path = _path(session, province, cert)
    _act(session, province, cert, action, **given)

    public = client.get(path).get_data(as_text=True)
    assert '<h1 class="verdict-word">无效</h1>' in public and verdict in public
    assert 'id="full-record"' not in public and HOLDER not in public and NAME not in public
    assert _views(session) == []
    public = _english(app, client, path)
    assert '<h1 class="verdict-word">Not valid</h1>' in public and 'id="full-record"' not in public
    assert {
        "suspended": "The certificate is suspended.",
        "revoked": "The certificate has been revoked or cancelled.",
        "cancelled": "The certificate has been revoked or cancelled.",
    }[state] in public
    assert HOLDER not in public and NAME not in public

    login(client, "jinan_inspector")
    page = client.get(path).get_data(as_text=True)
    assert verdict in page
    record = _card(page, "full-record")
    assert NAME in record and HOLDER in record and cert.authority.name in record
    assert f"状态 {word}" in record and f"{label} {_today()}" in record
    assert f"原因 {reason}" in record and explained in record
    other = {"revoked": "注销", "cancelled": "吊销"}.get(state)
    assert other is None or other not in record  # revoked and cancelled are told apart
    views = _views(session)
    assert [(v.actor, v.target_id, v.reason) for v in views] == [
        ("jinan_inspector", str(cert.id), "suspended" if state == "suspended" else "revoked")
    ]

    english = _english(app, client, path)
    record = _card(english, "full-record")
    assert {
        "suspended": "Suspended on",
        "revoked": "Revoked on",
        "cancelled": "Cancelled on",
    }[state] in record
    assert {
        "suspended": "Suspended: held back for a time as a penalty.",
        "revoked": "Revoked: taken away as a penalty for a violation.",
        "cancelled": "Cancelled: ended without a penalty, for example at the holder's request",
    }[state] in record
    if state == "cancelled":
        assert "Reason At the holder's own request" in record


def test_an_expired_certificate_public_and_inspector(
    app: Flask, client: FlaskClient, session: Session, province: Province
) -> None:
    started = dt.datetime.now(CHINA).date() - dt.timedelta(days=7 * 366)
    cert = _issue(session, province, valid_from=started)
    path = _path(session, province, cert)
    public = client.get(path).get_data(as_text=True)
    assert "证件已超过有效期。" in public
    assert 'id="full-record"' not in public and HOLDER not in public
    public = _english(app, client, path)
    assert "The certificate&#39;s validity has ended." in public and 'id="full-record"' not in public

    login(client, "jinan_inspector")
    record = _card(client.get(path).get_data(as_text=True), "full-record")
    assert NAME in record and HOLDER in record
    assert f"有效期截止日 {_zh(cert.valid_until)}" in record
    assert (
        "原因 有效期届满，未换证。" in record and "已过期：有效期已届满，持证人须到发证机关换证。" in record
    )
    english = _card(_english(app, client, path), "full-record")
    assert "Last valid day" in english and "Expired: the validity has ended." in english
    assert [v.reason for v in _views(session)] == ["expired", "expired"]


def test_an_old_version_public_and_inspector(
    app: Flask, client: FlaskClient, session: Session, province: Province
) -> None:
    cert = _issue(session, province)
    _act(session, province, cert, "reissue")
    old = _path(session, province, cert, version=1)
    public = client.get(old).get_data(as_text=True)
    assert "这是旧版本证件，已有新版本，请持证人出示最新证件。" in public
    assert 'id="full-record"' not in public and HOLDER not in public
    public = _english(app, client, old)
    assert "This is an old version of the certificate" in public and 'id="full-record"' not in public

    login(client, "jinan_inspector")
    record = _card(client.get(old).get_data(as_text=True), "full-record")
    assert NAME in record and HOLDER in record
    assert f"换发日期 {_today()}" in record and "原因 补发" in record and "已被替代：这是旧版本" in record
    english = _card(_english(app, client, old), "full-record")
    assert "Replaced on" in english and "Reason Reissued" in english
    assert [v.reason for v in _views(session)] == ["superseded", "superseded"]


def test_a_forged_code_shows_no_record_to_an_inspector(
    client: FlaskClient, session: Session, province: Province
) -> None:
    cert = _issue(session, province)
    path = _path(session, province, cert)
    digits = path.removeprefix("/v/")
    forged = digits[:-3] + ("000" if digits[-3:] != "000" else "111")
    login(client, "jinan_inspector")
    page = client.get("/v/" + forged).get_data(as_text=True)
    assert "无效" in page and 'id="full-record"' not in page and HOLDER not in page
    assert _views(session) == []


def test_on_a_valid_check_the_inspector_record_comes_first(
    client: FlaskClient, session: Session, province: Province
) -> None:
    cert = _issue(session, province)
    path = _path(session, province, cert)
    public = client.get(path).get_data(as_text=True)
    assert 'id="masked-record"' in public and 'id="full-record"' not in public
    login(client, "jinan_inspector")
    page = client.get(path).get_data(as_text=True)
    assert page.index('id="full-record"') < page.index('id="masked-record"')
    record = _card(page, "full-record")
    assert "状态 有效" in record and "原因" not in record and HOLDER in record
    check = client.get(f"/check?number={cert.number}&name={NAME}").get_data(as_text=True)
    assert check.index('id="full-record"') < check.index('id="masked-record"')
    assert [v.reason for v in _views(session)] == ["printed", "number"]


@pytest.mark.parametrize("state", ["active", "revoked", "cancelled"])
def test_the_number_check_for_the_public_and_an_inspector(
    app: Flask, client: FlaskClient, session: Session, province: Province, state: str
) -> None:
    cert = _issue(session, province)
    if state == "revoked":
        _act(session, province, cert, "revoke", reason="伪造从业记录")
    elif state == "cancelled":
        _act(session, province, cert, "cancel", cancel_reason="death")
    url = f"/check?number={cert.number}&name={NAME}"
    public = client.get(url).get_data(as_text=True)
    word = {"active": "有效", "revoked": "吊销", "cancelled": "注销"}[state]
    assert f'<p class="verdict-word">{word}</p>' in public
    assert mask_id(HOLDER) in public and 'id="full-record"' not in public
    assert _views(session) == []

    login(client, "jinan_inspector")
    record = _card(client.get(url).get_data(as_text=True), "full-record")
    assert HOLDER in record and NAME in record and f"状态 {word}" in record
    if state == "revoked":
        assert f"吊销日期 {_today()}" in record and "原因 伪造从业记录" in record and "注销" not in record
    if state == "cancelled":
        assert f"注销日期 {_today()}" in record and "原因 持证人死亡" in record and "吊销" not in record
    views = _views(session)
    assert [(v.actor, v.target_type, v.target_id, v.reason) for v in views] == [
        ("jinan_inspector", "certificate", str(cert.id), "number")
    ]
    inspector = province.actor(session, "jinan_inspector")
    today = dt.datetime.now(CHINA).date()
    assert [c.certificate.id for c in queries.checks_on(session, inspector, today) if c.certificate] == [
        cert.id
    ]
    assert client.get(f"/check?number={cert.number}&name=李四").status_code == 200
    assert len(_views(session)) == 1  # nothing found, nothing viewed
    english = _card(_english(app, client, url), "full-record")
    assert {
        "active": "State Active",
        "revoked": "Revoked on",
        "cancelled": "Reason Death of the holder",
    }[state] in english


LEGACY_HEADER = "证号,姓名,身份证号码,从业资格类别,发证日期,有效期至,发证机关,介质\n"


@pytest.mark.parametrize("verdict", ["valid", "expired", "renewed"])
def test_the_paper_check_for_the_public_and_an_inspector(
    app: Flask, client: FlaskClient, session: Session, province: Province, verdict: str
) -> None:
    expires = "2020-04-30" if verdict == "expired" else "2099-04-30"
    row = f"P9,{NAME},{HOLDER},cargo,2014-05-01,{expires},济南市运管处,IC卡\n"
    admin = province.actor(session, ISSUER)
    legacy.import_file(session, province.context.clock, admin, "old.csv", (LEGACY_HEADER + row).encode())
    session.commit()
    replacement = None
    if verdict == "renewed":
        paper = session.scalars(select(legacy.LegacyCertificate).filter_by(number="P9")).one()
        replacement = legacy.renew_electronically(session, province.context, admin, paper.id).certificate
        session.commit()
    url = f"/legacy?number=P9&name={NAME}"
    public = client.get(url).get_data(as_text=True)
    assert 'id="full-record"' not in public and HOLDER not in public and mask_id(HOLDER) in public

    login(client, "jinan_inspector")
    page = client.get(url).get_data(as_text=True)
    record = _card(page, "full-record")
    assert page.index('id="full-record"') < page.index('id="masked-record"')
    assert NAME in record and HOLDER in record and "济南市运管处" in record and "P9" in record
    if verdict == "expired":
        assert "有效期截止日 2020年4月30日" in record and "原因 有效期届满，未换证。" in record
    if verdict == "renewed":
        assert replacement is not None
        assert f"换发日期 {_today()}" in record and f"已换发为电子证照 · {replacement.number}" in record
        assert "该纸质或IC卡证件已不再有效：请持证人出示电子证照。" in record
    views = _views(session)
    assert [(v.actor, v.target_type, v.target_id) for v in views] == [
        ("jinan_inspector", "legacy_certificate", "P9")
    ]
    home = client.get("/inspect").get_data(as_text=True)
    checks = re.search(r'<section class="card" id="checks-today">.*?</section>', home, re.S)
    assert checks and "(1)" in checks.group(0) and NAME in checks.group(0) and "P9" in checks.group(0)
    assert "证照已不在记录中" not in checks.group(0)
    if verdict == "expired":
        english = _card(_english(app, client, url), "full-record")
        assert "Last valid day" in english and "Reason The validity ended without renewal." in english


def test_the_scanner_offers_the_full_record_only_to_an_inspector(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    assert 'id="verdict-record"' not in client.get("/scan").get_data(as_text=True)
    login(client, "jinan_inspector")
    page = client.get("/scan").get_data(as_text=True)
    assert 'id="verdict-record"' in page and "查看完整记录（联网，留痕）" in page
    assert 'data-verdicts="valid expired suspended revoked superseded"' in page
    assert "Open the full record (online, logged)" in _english(app, client, "/scan")
