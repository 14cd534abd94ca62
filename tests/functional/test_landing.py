"""Where each user lands after signing in, and what staff are offered: an inspector's page (scan,
paper check, his checks today), a holder's certificates, and a staff member's own items and stages,
with only the actions he may take offered on a certificate's page."""

from __future__ import annotations

import datetime as dt
import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models.enums import Role, ServiceItem, Stage
from app.services import authorities, holders, queries
from app.services import certificates as certs

from ..helpers import id_number
from ..registry import PASSWORD as STAFF_PASSWORD
from ..registry import Province
from .admin_client import login, post_form
from .test_verify import HOLDER, issue, presentation

HOLDER_PASSWORD = "holder password"


def test_an_inspector_lands_on_his_page_with_his_checks_today(
    client: FlaskClient, session: Session, province: Province
) -> None:
    cert = issue(session, province)
    assert login(client, "jinan_inspector").headers["Location"] == "/inspect"
    page = client.get("/inspect").get_data(as_text=True)
    assert "<h1>执法检查</h1>" in page
    assert re.search(r'id="scan" href="/scan">[^<]*扫', page)
    assert 'href="/legacy"' in page
    assert "我今天的核验" in page and "今天还没有核验。" in page
    client.get(f"/v/{presentation(session, province, cert)}")
    page = client.get("/inspect").get_data(as_text=True)
    checks = re.search(r'<section class="card" id="checks-today">.*?</section>', page, re.S)
    assert (
        checks and "张三明" in checks.group(0) and cert.number in checks.group(0) and "(1)" in checks.group(0)
    )
    assert "今天还没有核验。" not in page
    inspector = province.actor(session, "jinan_inspector")
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=2)
    assert queries.checks_on(session, inspector, yesterday) == []
    other = province.actor(session, "qingdao_inspector")
    assert queries.checks_on(session, other, dt.datetime.now(dt.UTC).date()) == []


def test_the_inspector_page_in_english(client: FlaskClient, province: Province) -> None:
    login(client, "jinan_inspector")
    english = client.get("/inspect?lang=en").get_data(as_text=True)
    assert "<h1>Inspection</h1>" in english and "My checks today" in english
    assert "Scan a certificate" in english and "No checks yet today." in english


def test_the_inspector_page_is_for_inspectors(client: FlaskClient, province: Province) -> None:
    assert client.get("/inspect").headers["Location"].startswith("/admin/login")
    login(client, "jinan_clerk")
    assert client.get("/inspect").status_code == 403


def test_a_holder_lands_on_his_certificates(
    client: FlaskClient, session: Session, province: Province
) -> None:
    cert = issue(session, province)
    code = holders.new_activation_code(session, cert.practitioner, province.actor(session, "jinan_admin"))
    holders.activate(session, HOLDER, code, HOLDER_PASSWORD)
    session.commit()
    landed = post_form(client, "/me/login", "/me/login", {"id_number": HOLDER, "password": HOLDER_PASSWORD})
    assert landed.request.path == "/me/" or landed.request.path == "/me"
    assert cert.number in landed.get_data(as_text=True)


def _certificate_page(client: FlaskClient, cert_id: int) -> str:
    return client.get(f"/admin/certificates/{cert_id}").get_data(as_text=True)


def test_a_clerk_is_offered_only_what_he_may_do(
    client: FlaskClient, session: Session, province: Province
) -> None:
    cert = issue(session, province)
    login(client, "jinan_clerk")  # issue and renew, at the conclude stage
    page = _certificate_page(client, cert.id)
    for action in ("suspend", "revoke", "lift"):
        assert f"/{cert.id}/{action}" not in page
    assert "<summary>暂扣</summary>" not in page and "<summary>吊销</summary>" not in page
    assert "item=cancel" not in page
    assert 'href="/admin/me"' in page and "我的事项与环节" in page


def test_a_clerk_granted_suspension_is_offered_suspension_only(
    client: FlaskClient, session: Session, province: Province
) -> None:
    cert = issue(session, province)
    authorities.create_staff(
        session,
        username="jinan_enforcer",
        display_name="执法科员",
        password=STAFF_PASSWORD,
        authority=province.body(session, "jinan"),
        role=Role.CLERK,
        permissions=[(ServiceItem.SUSPEND, Stage.CONCLUDE)],
    )
    session.commit()
    login(client, "jinan_enforcer")
    page = _certificate_page(client, cert.id)
    assert "<summary>暂扣</summary>" in page and f"/{cert.id}/suspend" in page
    assert "<summary>吊销</summary>" not in page and f"/{cert.id}/revoke" not in page
    mine = client.get("/admin/me").get_data(as_text=True)
    assert "从业资格证暂扣" in mine and "办结" in mine and "从业资格证吊销" not in mine


def test_my_items_and_stages(client: FlaskClient, province: Province) -> None:
    login(client, "jinan_clerk")
    page = client.get("/admin/me").get_data(as_text=True)
    assert "<h1>我的事项与环节</h1>" in page and "办事员" in page and "济南市交通运输局" in page
    rows = dict(re.findall(r'<tr id="item-(\w+)"><td>(.*?)</td>', page, re.S))
    assert set(rows) == {"issue", "renew"}
    assert "从业资格证核发" in rows["issue"] and "从业资格证换发" in rows["renew"]
    assert page.count("<td>办结</td>") == 2
    english = client.get("/admin/me?lang=en").get_data(as_text=True)
    assert "My items and stages" in english and "Issue of a qualification certificate" in english
    assert "<td>Conclude</td>" in english


def test_an_administrator_holds_every_stage(client: FlaskClient, province: Province) -> None:
    login(client, "jinan_admin")
    page = client.get("/admin/me").get_data(as_text=True)
    assert len(re.findall(r'<tr id="item-', page)) == len(ServiceItem)
    assert page.count("<td>受理、审核、办结</td>") == len(ServiceItem)
    assert "从业资格证吊销" in page and "纸质及IC卡证照导入" in page


def test_an_inspector_holds_no_items(client: FlaskClient, province: Province) -> None:
    login(client, "jinan_inspector")
    assert "您不办理任何事项。" in client.get("/admin/me").get_data(as_text=True)


def test_holders_have_no_items_page(client: FlaskClient, session: Session, province: Province) -> None:
    holder = id_number("37010219850611002")
    admin = province.actor(session, "jinan_admin")
    cert = certs.issue(session, province.context, admin, certs.IssueRequest(holder, "李四", [1])).certificate
    holders.activate(
        session, holder, holders.new_activation_code(session, cert.practitioner, admin), HOLDER_PASSWORD
    )
    session.commit()
    post_form(client, "/me/login", "/me/login", {"id_number": holder, "password": HOLDER_PASSWORD})
    assert client.get("/admin/me").status_code == 403


def test_todays_checks_follow_the_china_day_on_every_database(session: Session, province: Province) -> None:
    """Reproduces a hole: SQLite keeps times as UTC text and dropped the offset of China's
    midnight, so from 00:00 to 08:00 China time the inspector's list was empty (and showed
    yesterday's checks until 08:00)."""
    from app.services.audit import record

    cert = issue(session, province)
    inspector = province.actor(session, "jinan_inspector")
    for at in ("2026-11-29T15:30:00+00:00", "2026-11-29T16:30:00+00:00"):  # 23:30 and 00:30 in China
        record(
            session,
            actor=inspector.username,
            action=queries.CHECK_ACTION,
            target_type="certificate",
            target_id=str(cert.id),
            at=dt.datetime.fromisoformat(at),
        )
    session.flush()
    nov29 = queries.checks_on(session, inspector, dt.date(2026, 11, 29))
    nov30 = queries.checks_on(session, inspector, dt.date(2026, 11, 30))
    assert [c.at.replace(tzinfo=None).hour for c in nov29] == [15]
    assert [c.at.replace(tzinfo=None).hour for c in nov30] == [16]


def test_the_menu_and_the_paper_certificates_page_offer_only_what_he_may_do(
    client: FlaskClient, province: Province
) -> None:
    """A clerk who concludes issues (no acceptance, no legacy import) was offered the window's issue
    form, the import of paper certificates and their renewal is kept for those allowed."""
    login(client, "jinan_clerk")
    page = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/batches"' in page  # he concludes issues
    assert "/admin/applications/new?item=issue" not in page  # he does not accept them
    legacy = client.get("/admin/legacy").get_data(as_text=True)
    assert "从原系统导入" not in legacy and 'enctype="multipart/form-data"' not in legacy
    client.post("/admin/logout")
    login(client, "jinan_admin")
    page = client.get("/admin/").get_data(as_text=True)
    assert "/admin/applications/new?item=issue" in page and 'href="/admin/batches"' in page
    assert "从原系统导入" in client.get("/admin/legacy").get_data(as_text=True)
