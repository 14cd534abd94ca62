"""Finding graduation certificates: the staff search (each filter, region scoping, the warning for
an unregistered school, bad input), a certificate with its revisions, the PDF streamed inline, and
the holder's own list and PDFs."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import get_session
from app.models import AuditEvent, Authority, Practitioner
from app.models.enums import Role
from app.services import authorities, graduation, holders, partners
from app.services import certificates as certs

from ..helpers import id_number
from ..registry import PASSWORD, Province
from .admin_client import login, post_form
from .graduation_data import (
    HOLDER_PASSWORD,
    JINAN_SCHOOL,
    LI,
    QINGDAO_SCHOOL,
    XIAO,
    ZHANG,
    holder_account,
    push,
    standard_set,
)

LIST = "/admin/graduation-certificates"
NUMBERS = ("JN-001", "JN-002", "QD-001", "ZB-001")
OTHER = id_number("37010219800101001")


def certs_of(session: Session, id_no: str) -> Practitioner:
    """The practitioner with ``id_no``."""
    return session.scalars(select(Practitioner).filter_by(id_number=id_no)).one()


def listed(page: str) -> list[str]:
    """Certificate numbers in the result table, in order."""
    return re.findall(r'href="/admin/graduation-certificates/\d+">([A-Z]{2}-\d{3})</a>', page)


def search(client: FlaskClient, **args: str) -> tuple[int, str]:
    response = client.get(LIST, query_string={"lang": "en", **args})
    return response.status_code, response.get_data(as_text=True)


def test_search_by_each_filter(app: Flask, client: FlaskClient, province: Province) -> None:
    standard_set(app)
    login(client, "province")
    status, page = search(client)
    assert status == 200
    assert "Graduation certificates" in page and "4 found" in page
    assert listed(page) == ["JN-002", "QD-001", "JN-001", "ZB-001"]  # newest completion first
    assert "2025-06-01" in page and "历下驾校" in page and ZHANG in page
    assert listed(search(client, q="张")[1]) == ["JN-002", "JN-001"]  # part of a name
    assert listed(search(client, q=LI)[1]) == ["QD-001"]  # ID number
    assert listed(search(client, q="ZB-001")[1]) == ["ZB-001"]  # certificate number
    assert listed(search(client, school=QINGDAO_SCHOOL)[1]) == ["QD-001"]
    assert listed(search(client, school=JINAN_SCHOOL.lower())[1]) == ["JN-002", "JN-001"]
    assert listed(search(client, type="B2")[1]) == ["JN-002", "QD-001"]
    assert listed(search(client, type="general_cargo")[1]) == ["ZB-001"]
    assert listed(search(client, **{"from": "2025-05-01"})[1]) == ["JN-002", "QD-001"]
    assert listed(search(client, to="2025-02-01")[1]) == ["ZB-001"]
    assert listed(search(client, **{"from": "2025-03-01", "to": "2025-05-31"})[1]) == ["QD-001", "JN-001"]
    assert listed(search(client, warnings="1")[1]) == ["ZB-001"]
    status, page = search(client, q="nobody")
    assert status == 200 and "0 found" in page and listed(page) == []
    # the form shows what was searched for, and the chosen type stays selected
    page = search(client, q="张", type="B2")[1]
    assert 'value="张"' in page and '<option value="B2" selected>' in page


def test_chinese_page_and_nav_link(app: Flask, client: FlaskClient, province: Province) -> None:
    standard_set(app)
    login(client, "jinan_clerk")
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert f'href="{LIST}"' in dashboard
    page = client.get(LIST).get_data(as_text=True)
    assert 'lang="zh-CN"' in page
    assert "2025年6月1日" in page and "2025年3月10日" in page  # dates as Chinese readers write them
    assert "A2 驾驶培训" in page and "B2 驾驶培训" in page  # training-type names from the setting


def test_region_scoping(app: Flask, province: Province) -> None:
    pushed = standard_set(app)
    jinan, qingdao, whole = app.test_client(), app.test_client(), app.test_client()
    login(jinan, "jinan_admin")
    login(qingdao, "qingdao_clerk")
    login(whole, "province")
    assert sorted(listed(search(jinan)[1])) == ["JN-001", "JN-002"]  # a county school is in the city
    assert listed(search(qingdao)[1]) == ["QD-001"]
    assert sorted(listed(search(whole)[1])) == sorted(NUMBERS)  # unregistered schools too
    assert listed(search(jinan, q=LI)[1]) == []
    assert listed(search(jinan, warnings="1")[1]) == []
    for url in (f"{LIST}/{pushed.ids['QD-001']}", f"{LIST}/{pushed.ids['QD-001']}.pdf"):
        assert jinan.get(url).status_code == 404
        assert qingdao.get(url).status_code == 200
    for url in (f"{LIST}/{pushed.ids['ZB-001']}", f"{LIST}/{pushed.ids['ZB-001']}.pdf"):
        assert jinan.get(url).status_code == 404
        assert whole.get(url).status_code == 200
    assert jinan.get(f"{LIST}/999999").status_code == 404


def test_province_staff_who_are_not_the_administrator_see_the_province(
    app: Flask, province: Province
) -> None:
    standard_set(app)
    with app.app_context():
        session = get_session()
        authorities.create_staff(
            session,
            username="province_clerk",
            display_name="省厅窗口",
            password=PASSWORD,
            authority=session.get(Authority, province.authority["province"]),
            role=Role.CLERK,
        )
        session.commit()
    clerk = app.test_client()
    login(clerk, "province_clerk")
    assert sorted(listed(search(clerk)[1])) == sorted(NUMBERS)


def test_only_staff(app: Flask, client: FlaskClient, province: Province) -> None:
    pushed = standard_set(app)
    assert client.get(LIST).headers["Location"].startswith("/admin/login")
    assert client.get(f"{LIST}/{pushed.ids['JN-001']}.pdf").status_code == 302
    login(client, "jinan_inspector")
    assert client.get(LIST).status_code == 403


def test_warning_for_unregistered_school(app: Flask, client: FlaskClient, province: Province) -> None:
    pushed = standard_set(app)
    login(client, "province")
    page = search(client)[1]
    rows = re.findall(r"<tr( class=\"flagged\")?>\s*<td><a href=\"[^\"]+\">([A-Z]{2}-\d{3})</a>", page)
    assert [number for flag, number in rows if flag] == ["ZB-001"]
    flagged = page[page.index("ZB-001") :]
    assert "Unregistered training school" in flagged[: flagged.index("</tr>")]
    assert page.count("⚠ Unregistered training school") == 1  # on that row only
    detail = client.get(f"{LIST}/{pushed.ids['ZB-001']}?lang=en").get_data(as_text=True)
    assert re.search(r'class="flash error" role="alert">⚠ Unregistered training school', detail)
    known = client.get(f"{LIST}/{pushed.ids['JN-001']}?lang=en").get_data(as_text=True)
    assert "Unregistered training school" not in known


def test_detail_with_two_revisions(app: Flask, client: FlaskClient, province: Province) -> None:
    pushed = standard_set(app)
    login(client, "jinan_admin")
    page = client.get(f"{LIST}/{pushed.ids['JN-002']}?lang=en").get_data(as_text=True)
    assert "Graduation certificate JN-002" in page
    assert "张小红 · Female" in page and XIAO in page and "历下驾校" in page
    assert "2024-09-01 – 2025-06-01" in page
    table = page[page.index('class="revisions"') :]
    rows = re.findall(r"<tr( class=\"shown\"[^>]*)?>(.*?)</tr>", table, re.S)[1:]  # skip the header
    assert len(rows) == 2
    (shown_flag, newest), (old_flag, oldest) = rows
    assert shown_flag and not old_flag
    assert re.search(r"<td>2\s*<span class=\"badge\">current</span>", newest)
    assert "2025-06-01" in newest and f"{LIST}/{pushed.ids['JN-002']}.pdf" in newest
    assert re.search(r">1</a>\s*<span class=\"muted\">superseded</span>", oldest)
    assert "2025-05-30" in oldest and f"{LIST}/{pushed.ids['JN-002@1']}.pdf" in oldest
    # the search lists the number once, at its current revision
    assert listed(search(client, q="JN-002")[1]) == ["JN-002"]
    assert f'{LIST}/{pushed.ids["JN-002"]}"' in search(client, q="JN-002")[1]
    # the old revision's own page says it is superseded and leads to the current one
    old = client.get(f"{LIST}/{pushed.ids['JN-002@1']}?lang=en").get_data(as_text=True)
    assert "This is revision 1, which has been superseded." in old
    assert f'href="{LIST}/{pushed.ids["JN-002"]}">Show the current revision' in old
    assert client.get(f"{LIST}/{pushed.ids['JN-002@1']}.pdf").data == pushed.pdfs["JN-002@1"]


def test_detail_names_the_owner_and_who_stored_it(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    pushed = standard_set(app)  # stored by the bureau, as a backfill does
    with app.app_context():
        session = get_session()
        platform, _ = partners.register(
            session, name="驾培计时平台", scopes=["graduation:write"], actor="test", schools=[QINGDAO_SCHOOL]
        )
        graduation.hand_over(session, to=platform, numbers=["QD-001"], actor="province")
        session.commit()
        client_id = platform.client_id
    login(client, "province")
    imported = client.get(f"{LIST}/{pushed.ids['JN-001']}?lang=en").get_data(as_text=True)
    assert (
        "<dt>Owner</dt><dd>The bureau (its own import): only the bureau revises it or hands it over"
        in imported
    )
    assert "Pushed by the timing platform · test</dd>" in imported  # who stored it
    handed = client.get(f"{LIST}/{pushed.ids['QD-001']}?lang=zh_CN").get_data(as_text=True)
    assert f"<dt>所有方</dt><dd>驾培计时平台 · <code>{client_id}</code></dd>" in handed


def test_pdf_is_streamed_inline(app: Flask, client: FlaskClient, province: Province) -> None:
    pushed = standard_set(app)
    login(client, "jinan_admin")
    response = client.get(f"{LIST}/{pushed.ids['JN-001']}.pdf")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'inline; filename="graduation-JN-001-r1.pdf"'
    assert response.headers["Content-Length"] == str(len(pushed.pdfs["JN-001"]))
    assert response.data == pushed.pdfs["JN-001"]
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert "Graduation certificate JN-001" in text
    with app.app_context():
        opened = get_session().scalars(select(AuditEvent).filter_by(action="graduation.pdf")).all()
        assert [(e.actor, e.target_id) for e in opened] == [("jinan_admin", "JN-001#1")]


def test_bad_filters_are_explained(app: Flask, client: FlaskClient, province: Province) -> None:
    standard_set(app)
    login(client, "province")
    status, page = search(client, **{"from": "2025-02-30"})
    assert status == 400
    assert "Completed from: “2025-02-30” is not a valid date. Use the form 2025-06-30." in page
    assert listed(page) == [] and "found" not in page
    assert 'value="2025-02-30"' in page  # the form keeps what was typed
    page = search(client, **{"from": "2025-06-01", "to": "2025-01-01"})[1]
    assert "The “from” date is after the “to” date." in page
    assert "Unknown training type: C1." in search(client, type="C1")[1]
    assert "“123” is not a unified social credit code" in search(client, school="123")[1]
    assert "at most 50 characters" in search(client, q="x" * 51)[1]
    # typed with slashes, full-width digits or 年月日, a real date is understood
    assert listed(search(client, to="２０２５/２/１")[1]) == ["ZB-001"]
    assert listed(search(client, to="2025年2月1日")[1]) == ["ZB-001"]
    # the Chinese page does not break either
    response = client.get(LIST, query_string={"to": "not a date", "lang": "zh_CN"})
    assert response.status_code == 400 and "not a date" in response.get_data(as_text=True)


def test_pager_keeps_the_filters(app: Flask, client: FlaskClient, province: Province) -> None:
    standard_set(app)
    pdf = None
    for n in range(21):
        _, pdf = push(
            app,
            f"JN-{100 + n}",
            id_no=ZHANG,
            name="张三明",
            sex="M",
            training_type="A2",
            school=JINAN_SCHOOL,
            completed_on=f"2025-04-{n + 1:02d}",
            pdf=pdf,
        )
    login(client, "jinan_admin")
    first = search(client, type="A2")[1]
    assert "22 found" in first and len(listed(first)) == 20 and "Page 1 of 2" in first
    following = re.search(r'href="([^"]+)">Next<', first)
    assert following
    link = following.group(1).replace("&amp;", "&")
    assert "type=A2" in link and "page=2" in link
    second = client.get(link).get_data(as_text=True)
    assert listed(second) == ["JN-100", "JN-001"] and "Page 2 of 2" in second and ">Previous<" in second


def holder_client(app: Flask, id_no: str) -> FlaskClient:
    phone = app.test_client()
    page = post_form(phone, "/me/login", "/me/login", {"id_number": id_no, "password": HOLDER_PASSWORD})
    assert page.status_code == 200
    return phone


def test_holder_sees_own_list_and_pdfs(app: Flask, province: Province) -> None:
    pushed = standard_set(app)
    holder_account(app, province, XIAO)
    holder_account(app, province, LI)
    phone = holder_client(app, XIAO)
    page = phone.get("/me?lang=en").get_data(as_text=True)
    assert "My graduation certificates" in page
    assert "JN-002" in page and "B2 驾驶培训" in page and "历下驾校" in page
    assert "2025-06-01" in page and "2024-09-01 – 2025-06-01" in page
    assert "QD-001" not in page and "JN-001" not in page
    own = f"/me/graduation-certificates/{pushed.ids['JN-002']}.pdf"
    assert f'href="{own}"' in page
    response = phone.get(own)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert response.data == pushed.pdfs["JN-002"]
    assert "JN-002" in PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    for other in ("QD-001", "JN-001", "JN-002@1"):  # someone else's, and the own superseded revision
        assert phone.get(f"/me/graduation-certificates/{pushed.ids[other]}.pdf").status_code == 404
    assert phone.get("/me/graduation-certificates/999999.pdf").status_code == 404
    # a holder is not staff
    assert phone.get(f"{LIST}/{pushed.ids['JN-002']}.pdf").status_code == 403
    # the other holder sees theirs only; the Chinese page shows Chinese dates
    other = holder_client(app, LI)
    chinese = other.get("/me?lang=zh_CN").get_data(as_text=True)
    assert "QD-001" in chinese and "2025年5月20日" in chinese and "JN-002" not in chinese
    assert other.get(own).status_code == 404
    # signed out: to the sign-in page
    anonymous = app.test_client()
    assert anonymous.get(own).headers["Location"].startswith("/me/login")


def test_holder_without_graduation_certificates(app: Flask, province: Province) -> None:
    standard_set(app)
    with app.app_context():
        session = get_session()
        admin = province.actor(session, "jinan_admin")
        certs.issue(session, province.context, admin, certs.IssueRequest(OTHER, "赵六", [1]))
        session.commit()
        code = holders.new_activation_code(session, certs_of(session, OTHER), admin)
        session.commit()
        holders.activate(session, OTHER, code, HOLDER_PASSWORD)
        session.commit()
    page = holder_client(app, OTHER).get("/me?lang=en").get_data(as_text=True)
    assert "My certificates" in page and "赵六" in page
    assert "My graduation certificates" not in page and "graduation-certificates" not in page
