"""The public progress page: a case found by its number and the applicant's ID number together,
shown masked, in words, with no staff names; a wrong number and a wrong ID number get the same
answer; the look-ups are rate-limited; Chinese first, English on request."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from ..helpers import id_number
from ..registry import Province
from .admin_client import csrf
from .case_data import APPLICANT_ID, DAY, new_case, passed_exam, take

NOT_FOUND = "未找到该办件：请核对办件编号和身份证号码后重试。"


def look(client: FlaskClient, case_number: str, id_text: str, lang: str = "") -> tuple[int, str]:
    page = client.get(f"/progress{lang}").get_data(as_text=True)
    response = client.post(
        "/progress", data={"csrf_token": csrf(page), "case_number": case_number, "id_number": id_text}
    )
    return response.status_code, response.get_data(as_text=True)


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_an_applicant_follows_the_case_in_words_without_staff_names(
    client: FlaskClient, session: Session, province: Province
) -> None:
    admin = province.actor(session, "jinan_admin")
    passed_exam(session)
    case = new_case(session, province, admin)
    take(session, province, admin, case, "accept")
    take(session, province, admin, case, "notify", opinion="体检证明已过期", missing=["health_certificate"])
    session.commit()
    status, html = look(client, case.case_number, APPLICANT_ID.lower())  # a lower-case x is the same
    text = visible(html)
    assert status == 200
    for expected in (
        "待补齐补正材料",
        "从业资格证核发",
        case.case_number,
        "王*明",
        "3701**********" + APPLICANT_ID[-4:],
        "济南市交通运输局",
        "登记申请",
        "受理",
        "一次性告知补齐补正材料",
        "体检合格证明",
        "体检证明已过期",
        "自受理之日起5个工作日",
        "补齐补正材料前，办理时限暂停计算。",
    ):
        assert expected in text, expected
    for hidden in ("王小明", APPLICANT_ID, "jinan_admin", admin.display_name):
        assert hidden not in text, hidden


def test_the_time_limit_and_the_due_date_are_shown_while_the_clock_runs(
    client: FlaskClient, session: Session, province: Province
) -> None:
    admin = province.actor(session, "jinan_admin")
    passed_exam(session)
    case = new_case(session, province, admin)
    take(session, province, admin, case, "accept")
    take(session, province, admin, case, "approve", opinion="内部意见")
    session.commit()
    status, html = look(client, case.case_number, APPLICANT_ID)
    text = visible(html)
    assert status == 200 and "待办结" in text and "审核通过" in text
    assert "内部意见" not in text  # a review's opinion is for the staff
    due = case.due
    assert due is not None and f"{due.year}年{due.month}月{due.day}日" in text
    assert "个工作日" in text


def _verdict(html: str) -> str:
    match = re.search(r'id="progress-stage">(.*?)</section>', html, re.S)
    assert match, "no answer on the page"
    return visible(match.group(1)).strip()


def test_a_wrong_number_and_a_wrong_id_number_get_the_same_answer(
    client: FlaskClient, session: Session, province: Province
) -> None:
    admin = province.actor(session, "jinan_admin")
    case = new_case(session, province, admin)
    session.commit()
    last = "0" if case.case_number[-1] != "0" else "1"
    answers = [
        look(client, case.case_number, id_number("37010219850611002")),  # another person's ID number
        look(client, case.case_number[:-1] + last, APPLICANT_ID),  # another number
        look(client, "x" * 40, "y"),
    ]
    for status, html in answers:
        assert status == 404
        assert _verdict(html) == NOT_FOUND
        assert "王*明" not in html and "济南市交通运输局" not in html


def test_empty_fields_are_named(client: FlaskClient) -> None:
    status, html = look(client, "", "")
    assert status == 422
    assert visible(html).count("该字段是必填字段。") == 2
    assert NOT_FOUND not in visible(html)


def test_english_on_request(client: FlaskClient, session: Session, province: Province) -> None:
    admin = province.actor(session, "jinan_admin")
    case = new_case(session, province, admin, day=DAY)
    take(session, province, admin, case, "refuse", day=DAY, opinion="不属于本机关职权范围")
    session.commit()
    status, html = look(client, case.case_number, APPLICANT_ID, lang="?lang=en")
    text = visible(html)
    assert status == 200
    for expected in (
        "Not accepted",
        "Issue of a qualification certificate",
        "Application registered",
        "不属于本机关职权范围",
    ):
        assert expected in text, expected
    assert "Check the progress of an application" in text


def test_look_ups_are_rate_limited_with_a_message(client: FlaskClient) -> None:
    statuses = [look(client, f"37010020260302{n:06d}", APPLICANT_ID)[0] for n in range(10)]
    assert statuses == [404] * 10
    status, html = look(client, "370100202603020000011", APPLICANT_ID)
    assert status == 429
    assert "操作过于频繁，请稍候再试。" in visible(html)
