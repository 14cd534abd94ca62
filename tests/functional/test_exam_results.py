"""Exam results: who may record them, a result typed by staff (every problem named; the same exam
again updates it), and the exam centre's file imported all or nothing — CSV in UTF-8 with a
byte-order mark or in GBK, and a real XLSX — with every bad row listed in words."""

from __future__ import annotations

import datetime as dt
import io
import re

from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEvent, ExamResult
from app.models.enums import Role, ServiceItem, Stage
from app.services import authorities
from app.services.applications import prerequisites

from ..helpers import id_number
from ..registry import PASSWORD, Province
from .admin_client import csrf, login

A = id_number("37010219900307123")
B = id_number("37010219850611002")
HEADER = "身份证号码,姓名,考试类别,考试日期,成绩,是否合格\r\n"


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def enter(client: FlaskClient, **fields: object):  # type: ignore[no-untyped-def]
    token = csrf(client.get("/admin/exam-results").get_data(as_text=True))
    data = {"id_number": A, "name": "王小明", "category": "1", "exam_date": "2026-03-01", "score": "88"}
    return client.post(
        "/admin/exam-results",
        data={"csrf_token": token, **data, "passed": "合格", **fields},
        follow_redirects=True,
    )


def upload(client: FlaskClient, data: bytes, filename: str):  # type: ignore[no-untyped-def]
    token = csrf(client.get("/admin/exam-results").get_data(as_text=True))
    return client.post(
        "/admin/exam-results/import",
        data={"csrf_token": token, "confirm": "y", "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def stored(session: Session) -> list[tuple[str, int, dt.date, int, bool, str]]:
    session.expire_all()
    return [
        (r.id_number, r.category, r.exam_date, r.score, r.passed, r.source)
        for r in session.scalars(
            select(ExamResult).order_by(ExamResult.exam_date.desc(), ExamResult.category)
        )
    ]


def test_who_may_record_exam_results(client: FlaskClient, session: Session, province: Province) -> None:
    jinan = province.body(session, "jinan")
    for name, stage in (
        ("acceptor", Stage.ACCEPT),
        ("reviewer", Stage.REVIEW),
        ("concluder", Stage.CONCLUDE),
    ):
        authorities.create_staff(
            session,
            username=name,
            display_name=name,
            password=PASSWORD,
            authority=jinan,
            role=Role.CLERK,
            permissions=[(ServiceItem.ISSUE, stage)],
        )
    session.commit()
    for user, allowed in (
        ("province", True),
        ("qingdao_admin", True),
        ("acceptor", True),
        ("reviewer", True),
        ("concluder", False),
        ("jinan_clerk", False),  # issue and renew at the conclude stage
    ):
        login(client, user)
        page = client.get("/admin/exam-results")
        assert page.status_code == (200 if allowed else 403), user
        dashboard = client.get("/admin/").get_data(as_text=True)
        assert ('href="/admin/exam-results"' in dashboard) == allowed, user
    login(client, "jinan_inspector")
    assert client.get("/admin/exam-results").status_code == 403


def test_staff_enter_a_result_and_the_same_exam_again_updates_it(
    client: FlaskClient, session: Session, province: Province
) -> None:
    login(client, "jinan_admin")
    saved = enter(client)
    assert "考试成绩已保存。" in visible(saved.get_data(as_text=True))
    assert stored(session) == [(A, 1, dt.date(2026, 3, 1), 88, True, "entered")]
    corrected = enter(client, score="58", passed="不合格")
    text = visible(corrected.get_data(as_text=True))
    assert "考试成绩已更新。" in text and "不合格" in text and A in text
    assert stored(session) == [(A, 1, dt.date(2026, 3, 1), 58, False, "entered")]
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action.in_(["exam_result.create", "exam_result.update"]), AuditEvent.target_id == A
        )
    ).all()
    assert [(e.action, e.before) for e in events] == [
        ("exam_result.create", None),
        ("exam_result.update", {"name": "王小明", "score": 88, "passed": True}),
    ]
    # What the prerequisites of an application find: the latest passed exam (none now).
    assert [p.met for p in prerequisites.check(session, A, [1], dt.date(2026, 4, 1))][:1] == [False]
    searched = visible(client.get(f"/admin/exam-results?q={B}").get_data(as_text=True))
    assert "该身份证号码没有考试成绩。" in searched
    assert session.scalars(
        select(AuditEvent.target_id).where(AuditEvent.action == "exam_result.search")
    ).all()


def test_every_problem_of_a_typed_result_is_named(
    client: FlaskClient, session: Session, province: Province
) -> None:
    login(client, "jinan_admin")
    response = enter(client, id_number="370102199003071230", exam_date="2999-01-01", score="101", name=" ")
    assert response.status_code == 422
    text = visible(response.get_data(as_text=True))
    for expected in (
        "成绩未保存：请检查下面标出的各项。",
        "身份证号码最后一位与前面的号码不符，请检查是否输错。",
        "这个日期在将来。",
        "此项必填。",
        "成绩须为0到100的整数。",
    ):
        assert expected in text, expected
    assert stored(session) == []


def test_a_file_with_any_bad_row_changes_nothing_and_lists_every_problem(
    client: FlaskClient, session: Session, province: Province
) -> None:
    login(client, "jinan_admin")
    enter(client)  # stored before: the file must not touch it
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["身份证号码", "姓名", "考试类别", "考试日期", "成绩", "是否合格"])
    sheet.append([B, "李四", "道路危险货物运输驾驶员", dt.date(2026, 2, 1), 91, "合格"])
    sheet.append(
        [A, "王小明", "经营性道路旅客运输驾驶员", "2026-03-01", 95, "合格"]
    )  # updates the stored one
    sheet.append(["12345", "赵六", "飞行员", "明天", 120, "也许"])
    sheet.append([B, "李四", "3", "2026/02/01", 60, "合格"])  # row 2 again
    out = io.BytesIO()
    book.save(out)
    response = upload(client, out.getvalue(), "exams.xlsx")
    assert response.status_code == 422
    text = visible(response.get_data(as_text=True))
    assert "未导入任何成绩：发现 6 个问题，见下表。" in text
    rows = re.findall(
        r"<tr><td>(\d+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", response.get_data(as_text=True)
    )
    assert rows == [
        ("4", "成绩", "成绩须为0到100的整数。"),
        ("4", "是否合格", "请填写考试是否合格：合格或不合格。"),
        ("4", "考试日期", "请用 2026-11-22 这样的日期格式。"),
        ("4", "考试类别", "未知的从业资格类别：飞行员。"),
        ("4", "身份证号码", "身份证号码应为18位：17位数字，最后一位为数字或X。"),
        ("5", "身份证号码", "与第2行的身份证号码、类别和考试日期相同。"),
    ]
    assert stored(session) == [(A, 1, dt.date(2026, 3, 1), 88, True, "entered")]  # nothing changed


def test_the_exam_centres_file_in_utf8_with_bom_or_gbk_and_the_template(
    client: FlaskClient, session: Session, province: Province
) -> None:
    login(client, "jinan_admin")
    enter(client)
    body = (
        HEADER + f"{B},李四,道路危险货物运输驾驶员,2026-02-01,91,合格\r\n{A},王小明,1,2026-03-01,95,合格\r\n"
    )
    first = upload(client, "\ufeff".encode() + body.encode("utf-8"), "exams.csv")
    assert "考试成绩已导入：新增1条，更新1条。" in visible(first.get_data(as_text=True))
    assert stored(session) == [
        (A, 1, dt.date(2026, 3, 1), 95, True, "imported"),
        (B, 3, dt.date(2026, 2, 1), 91, True, "imported"),
    ]
    gbk = HEADER + f"{B},李四,道路危险货物运输押运人员,2026年2月3日,55,不合格\r\n"
    second = upload(client, gbk.encode("gbk"), "exams-gbk.csv")
    assert "考试成绩已导入：新增1条，更新0条。" in visible(second.get_data(as_text=True))
    assert (B, 5, dt.date(2026, 2, 3), 55, False, "imported") in stored(session)
    template = client.get("/admin/exam-results/template.csv")
    assert template.mimetype == "text/csv" and template.data.startswith("\ufeff".encode())
    assert template.get_data(as_text=True).lstrip("\ufeff").startswith(HEADER)
    third = upload(client, template.data, "template.csv")  # the template's example is A's exam
    assert "考试成绩已导入：新增0条，更新1条。" in visible(third.get_data(as_text=True))
    imported = session.scalars(select(AuditEvent).where(AuditEvent.target_id == B)).all()
    assert [e.action for e in imported] == ["exam_result.create", "exam_result.create"]


def test_an_unreadable_file_is_named(client: FlaskClient, province: Province) -> None:
    login(client, "jinan_admin")
    response = upload(client, b"\x00\x01 not a workbook", "exams.xlsx")
    assert response.status_code == 422
    assert "无法读取该文件" in visible(response.get_data(as_text=True))
