"""The audit log page: who sees which events (the province all, an authority's administrator his
authority's, nobody else), the filters, keyset paging, words in Chinese and English, the chain's
verification (a tampered event shows the break), and the view itself recorded."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.db import get_session
from app.models import AuditEvent
from app.services import audit_checkpoints
from app.services import certificates as certs
from app.services import keys as key_service
from app.services.audit import record
from app.web import audit_pages
from signing import Purpose

from ..helpers import id_number
from ..registry import JINAN, QINGDAO, Province
from .admin_client import login
from .test_words import seen

MARCH = dt.datetime(2026, 3, 2, 4, tzinfo=dt.UTC)  # 12:00 in China
HOLDER = id_number()


def event(app: Flask, **fields: object) -> int:
    """One committed event (defaults: a suspension by jinan_admin at 济南); its ``seq``."""
    values: dict[str, object] = {
        "actor": "jinan_admin",
        "action": "certificate.suspend",
        "target_type": "certificate",
        "target_id": "999",
        "authority": JINAN,
        "reason": "违章",
        **fields,
    }
    at = values.pop("at", MARCH)
    with app.app_context():
        session = get_session()
        record(session, at=at, **values)  # type: ignore[arg-type]
        session.commit()
        seq = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
        assert seq is not None
        return seq


def rows(page: str) -> list[int]:
    """The sequence numbers of the events the page lists, in order."""
    return [int(s) for s in re.findall(r'<tr data-seq="(\d+)"', page)]


def signed_in(app: Flask, who: str) -> FlaskClient:
    client = app.test_client()
    login(client, who)
    return client


def test_nobody_is_sent_to_sign_in_and_other_roles_are_kept_out(app: Flask, province: Province) -> None:
    answer = app.test_client().get("/admin/audit/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    for who in ("jinan_clerk", "jinan_inspector"):
        client = signed_in(app, who)
        assert client.get("/admin/audit/").status_code == 403
        assert client.get("/admin/audit/events.csv").status_code == 403
    clerk_home = signed_in(app, "jinan_clerk").get("/admin/me").get_data(as_text=True)
    assert 'id="nav-audit"' not in clerk_home


def test_an_authority_sees_its_own_events_the_province_all(app: Flask, province: Province) -> None:
    ours = event(app)
    theirs = event(app, actor="qingdao_admin", authority=QINGDAO)
    nobody = event(app, actor="somebody", action="staff.login_failed", target_type="staff", authority=None)
    jinan = signed_in(app, "jinan_admin")
    page = jinan.get("/admin/audit/").get_data(as_text=True)
    assert 'id="nav-audit"' in page
    assert ours in rows(page) and theirs not in rows(page) and nobody not in rows(page)
    # asking for the other authority by its code does not widen what he sees
    other = jinan.get(f"/admin/audit/?authority={QINGDAO}").get_data(as_text=True)
    assert rows(other) == []
    everything = rows(signed_in(app, "province").get("/admin/audit/").get_data(as_text=True))
    assert {ours, theirs, nobody} <= set(everything)
    by_qingdao = signed_in(app, "province").get(f"/admin/audit/?authority={QINGDAO}").get_data(as_text=True)
    assert theirs in rows(by_qingdao) and ours not in rows(by_qingdao)


def test_filters_by_actor_action_outcome_and_target(app: Flask, province: Province) -> None:
    from .test_verify import issue

    with app.app_context():
        session = get_session()
        cert = issue(session, province)  # 济南 issues: an event on the certificate's id
        number, cert_id = cert.number, cert.id
    suspended = event(app, target_id=str(cert_id))
    refused = event(app, actor="jinan_clerk", action="certificate.suspend.refused", reason="no_permission")
    other = event(app, action="staff.create", target_type="staff", target_id="new_clerk", reason=None)
    client = signed_in(app, "jinan_admin")

    def found(query: str) -> list[int]:
        return rows(client.get(f"/admin/audit/?{query}").get_data(as_text=True))

    by_name = found("actor=办事")  # the clerk's display name is 办事员
    assert refused in by_name and suspended not in by_name
    assert refused in found("actor=jinan_clerk") and suspended not in found("actor=jinan_clerk")
    both = found("action=certificate.suspend")
    assert suspended in both and refused in both and other not in both
    assert found("action=certificate.suspend&outcome=refused") == [refused]
    assert refused not in found("outcome=done") and other in found("outcome=done")
    by_number = found(f"target={number}")  # the certificate number finds events recorded by its id
    assert suspended in by_number and refused not in by_number
    assert by_number[-1] < suspended  # its issue too, older
    assert found("target=new_clerk") == [other]


def test_dates_are_days_in_china(app: Flask, province: Province) -> None:
    """17:30 UTC on 1 March is 01:30 on 2 March in China: it belongs to 2 March."""
    late = event(app, at=dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC))
    client = signed_in(app, "jinan_admin")
    day = client.get("/admin/audit/?since=2026-03-02&until=2026-03-02").get_data(as_text=True)
    assert rows(day) == [late]
    assert late not in rows(client.get("/admin/audit/?until=2026-03-01").get_data(as_text=True))
    wrong = client.get("/admin/audit/?since=2026-13-40").get_data(as_text=True)
    assert "请用 2026-11-22 这样的日期格式。" in seen(wrong)


def test_pages_are_newest_first_and_do_not_overlap(app: Flask, province: Province) -> None:
    made = [event(app, target_id=str(n)) for n in range(audit_pages_size() + 5)]
    client = signed_in(app, "jinan_admin")
    first = client.get("/admin/audit/?action=certificate.suspend").get_data(as_text=True)
    assert rows(first) == sorted(made, reverse=True)[: audit_pages_size()]
    older = re.search(r'href="([^"]+)" id="older"', first)
    assert older
    second = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert rows(second) == sorted(made, reverse=True)[audit_pages_size() :]
    assert 'id="older"' not in second


def audit_pages_size() -> int:
    from app.services.audit_log import PAGE_SIZE

    return PAGE_SIZE


def test_the_rows_read_as_words_in_chinese_and_in_english(app: Flask, province: Province) -> None:
    event(app, actor="jinan_clerk", action="certificate.suspend.refused", reason="no_permission")
    event(app, action="application.accept", target_type="application", target_id="HN0001", reason=None)
    client = signed_in(app, "jinan_admin")
    chinese = seen(client.get("/admin/audit/").get_data(as_text=True))
    assert "暂扣：被拒绝" in chinese
    assert "被拒绝：您没有办理该事项的权限" in chinese
    assert "办件已受理" in chinese and "办件 HN0001" in chinese
    assert "办事员 (jinan_clerk)" in chinese and "济南市交通运输局" in chinese
    table = chinese[chinese.index("时间 操作人") :]
    assert "certificate.suspend" not in table.split("记录的操作")[0]
    english = seen(client.get("/admin/audit/?lang=en").get_data(as_text=True))
    assert "Suspended: refused" in english
    assert "Refused: You have no permission for this service." in english
    assert "Case accepted" in english and "The audit chain is intact" in english


def test_the_chain_is_verified_and_a_tampered_event_shows_the_break(app: Flask, province: Province) -> None:
    first = event(app)
    tampered = event(app, reason="原因")
    event(app)
    client = signed_in(app, "province")
    intact = seen(client.get("/admin/audit/").get_data(as_text=True))
    assert "审计链完整" in intact and "刚刚校验了第 1 至" in intact
    with app.app_context():
        session = get_session()
        session.execute(update(AuditEvent).where(AuditEvent.seq == tampered).values(reason="改过的"))
        session.commit()
    page = client.get("/admin/audit/").get_data(as_text=True)
    words = seen(page)
    assert "审计链已断裂" in words
    assert f"第 {tampered} 条事件： 该事件写入后被修改：其哈希值与内容不符。" in words
    assert f'<tr data-seq="{tampered}" class="broken">' in page
    assert f'<tr data-seq="{first}" class="broken">' not in page
    english = seen(client.get("/admin/audit/?lang=en").get_data(as_text=True))
    assert f"Event {tampered}: This event was changed after it was written" in english


def test_older_events_are_checked_a_window_at_a_time(
    app: Flask, province: Province, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_pages, "CHAIN_WINDOW", 3)
    made = [event(app, target_id=str(n)) for n in range(6)]
    old = made[1]
    with app.app_context():
        session = get_session()
        session.execute(update(AuditEvent).where(AuditEvent.seq == old).values(actor="someone_else"))
        session.commit()
    client = signed_in(app, "province")
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert "审计链完整" in seen(page)  # the newest three are intact
    link = re.search(r'href="([^"]+)" id="chain-older"', page)
    assert link and "校验第" in seen(page)
    below = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "审计链已断裂" in seen(below) and f"第 {old} 条事件" in seen(below)


def test_the_newest_signed_checkpoint_is_compared(
    app: Flask, province: Province, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "checkpoints"
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_DIR", str(folder))
    client = signed_in(app, "province")
    assert "还没有签名检查点" in seen(client.get("/admin/audit/").get_data(as_text=True))
    event(app)
    with app.app_context():
        session = get_session()
        store = key_service.app_keystore(app)
        key_service.generate(store, session, actor="test", purpose=Purpose.AUDIT, now=1)
        session.commit()
        audit_checkpoints.write(session, store, folder, now=int(MARCH.timestamp()))
        seq = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    checked = seen(client.get("/admin/audit/").get_data(as_text=True))
    assert f"已将最新的签名检查点（第 {seq} 条事件" in checked and "审计链完整" in checked
    with app.app_context():  # a rewrite with recomputed hashes: the chain alone cannot tell
        session = get_session()
        from app.models.audit import AuditHead
        from app.services.audit import event_hash

        row = session.get(AuditEvent, seq)
        assert row is not None
        row.reason = "伪造"
        row.hash = event_hash(row.prev_hash, row)
        session.execute(update(AuditHead).values(hash=row.hash))
        session.commit()
    forged = client.get("/admin/audit/").get_data(as_text=True)
    assert f"第 {seq} 条事件： 链被改写：该事件与签名检查点不符。" in seen(forged)


def test_viewing_and_exporting_are_recorded(app: Flask, province: Province) -> None:
    event(app)
    client = signed_in(app, "jinan_admin")
    client.get("/admin/audit/?actor=jinan_admin")
    csv = client.get("/admin/audit/events.csv?action=certificate.suspend")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.get_data(as_text=True)
    assert text.startswith("\ufeff事件,时间,操作人") and "暂扣" in text and "济南市交通运输局" in text
    with app.app_context():
        views = (
            get_session()
            .execute(
                select(AuditEvent.action, AuditEvent.actor, AuditEvent.authority, AuditEvent.after).where(
                    AuditEvent.action.in_(("audit.view", "audit.export"))
                )
            )
            .all()
        )
    viewed = ("audit.view", "jinan_admin", JINAN, {"search": {"actor": "jinan_admin"}})
    assert viewed in [tuple(v) for v in views]
    assert any(v.action == "audit.export" and v.after["rows"] == 1 for v in views)


def test_a_holder_recorded_by_his_id_number_is_named(app: Flask, province: Province) -> None:
    """Some events name a holder by his ID number, others by his row: the page once cast every
    run of digits to a row id, which PostgreSQL refused (a 500 for the whole page)."""
    with app.app_context():
        session = get_session()
        admin = province.actor(session, "jinan_admin")
        certs.issue(session, province.context, admin, certs.IssueRequest(HOLDER, "李四明", [1]))
        session.commit()
    refused = {"action": "certificate.issue.refused", "target_type": "practitioner", "reason": "role"}
    event(app, target_id=HOLDER, **refused)
    event(app, target_id="3" + "0" * 17, **refused)
    page = signed_in(app, "jinan_admin").get("/admin/audit/")
    assert page.status_code == 200
    assert f"{HOLDER} · 李四明" in seen(page.get_data(as_text=True))


@pytest.mark.parametrize(
    "query",
    [
        "below=99999999999999999999",
        "below=-1",
        "below=abc",
        "chain_below=99999999999999999999",
        "since=9999-12-31&until=9999-12-31",
        "since=0001-01-01",
        "since=2026-13-45",
        "target=99999999999999999999",
        "target=%25_%25",
        "actor=%00",
        "authority=99999999999999999999",
        "action=nope&outcome=zzz",
    ],
)
def test_odd_searches_get_an_answer_not_an_error(app: Flask, province: Province, query: str) -> None:
    """Numbers beyond a BIGINT and the day after 9999-12-31 once answered 500 on PostgreSQL."""
    event(app)
    client = signed_in(app, "province")
    for url in ("/admin/audit/", "/admin/audit/events.csv"):
        assert client.get(f"{url}?{query}").status_code in (200, 400, 422), (url, query)
    if "since=" in query:
        assert "日期" in seen(client.get(f"/admin/audit/?{query}").get_data(as_text=True))


def test_the_export_shows_a_typed_formula_as_text(app: Flask, province: Province) -> None:
    """A reason or a name typed by someone else must not run when the export is opened."""
    event(app, actor="=cmd|' /C calc'!A0", reason="违章")
    client = signed_in(app, "province")
    body = client.get("/admin/audit/events.csv").get_data().decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
    assert "'=cmd|' /C calc'!A0" in cells and not any(c.startswith("=") for c in cells)
