"""Who owns a graduation certificate: a number belongs to its first owner (a partner system, or the
bureau for a backfill), a partner pushes only for the schools it is registered for, and no push takes
away what a holder sees.

The attack these tests reproduce: a second partner pushed an existing number with another student;
the push became the current revision and the original holder's PDF answered 404."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from app.db import get_session
from app.models import BUREAU, AuditEvent, GraduationCertificate
from app.services import graduation, partners
from app.services.errors import PermissionDenied

from ..registry import Province
from .graduation_data import JINAN_SCHOOL, QINGDAO_SCHOOL, XIAO, ZHANG, add_schools, holder_account
from .graduation_data import push as backfill
from .partner_helpers import client_with, metadata, pdf, push, token
from .test_graduation_pages import holder_client

WRITE = ["graduation:write", "graduation:read"]
STATE = "/api/v1/graduation-certificates/JN-001"


def zhang(**changes: Any) -> dict[str, Any]:
    """JN-001 of 张三明 at the Jinan school, with ``changes``."""
    fields = {
        "certificate_number": "JN-001",
        "student_id_number": ZHANG,
        "name": "张三明",
        "sex": "M",
        "school_credit_code": JINAN_SCHOOL,
        "period_start": "2024-09-01",
        "period_end": "2025-03-10",
        "completed_on": "2025-03-10",
    }
    return metadata(**{**fields, **changes})


def xiao(**changes: Any) -> dict[str, Any]:
    """The same number with another student (张小红)."""
    return zhang(**{"student_id_number": XIAO, "name": "张小红", "sex": "F", **changes})


def stored(app: Flask) -> list[tuple[str, int, str, bool, str]]:
    """(number, revision, ID number, current, owner) of every stored revision."""
    with app.app_context():
        rows = get_session().scalars(select(GraduationCertificate).order_by(GraduationCertificate.id))
        return [(r.number, r.revision, r.practitioner.id_number, r.current, r.owner) for r in rows]


def refusals(app: Flask) -> list[tuple[str, str, str | None]]:
    """(actor, target, reason) of the audited refused pushes."""
    with app.app_context():
        events = get_session().scalars(
            select(AuditEvent).filter_by(action="graduation.refused").order_by(AuditEvent.seq)
        )
        return [(e.actor, e.target_id, e.reason) for e in events]


def partner(http: FlaskClient, app: Flask, *schools: str) -> tuple[str, dict[str, str]]:
    """A new partner system registered for ``schools``: (client ID, its Authorization header)."""
    client_id, secret = client_with(app, WRITE, schools=schools)
    access = token(http, client_id, secret).get_json()["access_token"]
    return client_id, {"Authorization": f"Bearer {access}"}


def current_id(app: Flask) -> int:
    """The id of JN-001's current revision."""
    with app.app_context():
        query = select(GraduationCertificate.id).filter_by(number="JN-001", current=True)
        return get_session().scalars(query).one()


def backfill_zhang(app: Flask, completed_on: str = "2025-03-10") -> bytes:
    """JN-001 of 张三明 imported by the bureau; its PDF."""
    return backfill(
        app,
        "JN-001",
        id_no=ZHANG,
        name="张三明",
        sex="M",
        training_type="A2",
        school=JINAN_SCHOOL,
        completed_on=completed_on,
    )[1]


def holder_of_jn001(app: Flask, province: Province) -> tuple[str, FlaskClient]:
    """张三明's account, once JN-001 is stored: (the URL of his PDF, his signed-in phone)."""
    holder_account(app, province, ZHANG)
    phone = holder_client(app, ZHANG)
    url = f"/me/graduation-certificates/{current_id(app)}.pdf"
    assert phone.get(url).status_code == 200
    return url, phone


def refused_with(response: TestResponse, code: str) -> bool:
    """Whether ``response`` is the 409 refusal ``code``."""
    return response.status_code == 409 and response.get_json()["error"] == code


@pytest.mark.parametrize("first_owner", ["bureau", "partner"])
def test_another_owner_cannot_re_point_a_number_to_another_student(
    app: Flask, client: FlaskClient, province: Province, first_owner: str
) -> None:
    """The attack: a second partner (registered for the same school) pushes an existing number,
    backfilled or pushed, with another student. Refused; the holder's PDF keeps answering."""
    add_schools(app)
    if first_owner == "bureau":
        owner, body = BUREAU, backfill_zhang(app)
    else:
        owner, first = partner(client, app, JINAN_SCHOOL)
        body = pdf("JN-001 张三明")
        assert push(client, first, zhang(), body).status_code == 201
    url, phone = holder_of_jn001(app, province)

    attacker, second = partner(client, app, JINAN_SCHOOL)
    for attempt in (xiao(), zhang()):  # another student, or the very same certificate
        response = push(client, second, attempt, pdf("JN-001 被改"))
        assert refused_with(response, "number_taken")
        assert response.get_json()["message"] == (
            "这个证书编号属于另一个合作系统或本局自行导入的记录，不能在此推送。"
        )
    english = push(client, {**second, "Accept-Language": "en"}, xiao(), pdf())
    assert english.get_json()["message"] == (
        "This certificate number belongs to another partner system or to the bureau's own records; "
        "it cannot be pushed here."
    )

    assert stored(app) == [("JN-001", 1, ZHANG, True, owner)]
    shown = phone.get(url)
    assert shown.status_code == 200 and shown.data == body
    assert "JN-001" in phone.get("/me?lang=en").get_data(as_text=True)
    assert client.get(STATE, headers=second).status_code == 404  # nor may it read the certificate
    assert refusals(app) == [(f"partner:{attacker}", "JN-001", "number_taken")] * 3


def test_the_owner_cannot_move_its_certificate_to_another_student(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    """Another ID number is another certificate: even the owner's push of it is refused. A revision
    for the same student (a corrected name, a new PDF) is the owner's to make."""
    add_schools(app)
    owner, headers = partner(client, app, JINAN_SCHOOL)
    first = pdf("JN-001 张三明")
    assert push(client, headers, zhang(), first).status_code == 201
    url, phone = holder_of_jn001(app, province)

    moved = push(client, headers, xiao(), pdf("JN-001 张小红"))
    assert refused_with(moved, "different_student")
    assert moved.get_json()["message"] == (
        "这个证书编号是另一名学员（身份证号码不同）的证书。证书不能改给另一名学员，请用这份证书自己的编号推送。"
    )
    assert phone.get(url).data == first
    assert refusals(app) == [(f"partner:{owner}", "JN-001", "different_student")]

    corrected = pdf("JN-001 张三明 更正")
    revised = push(client, headers, zhang(name="张三名"), corrected)
    assert revised.status_code == 201 and revised.get_json()["revision"] == 2
    assert [row[1:4] for row in stored(app)] == [(1, ZHANG, False), (2, ZHANG, True)]
    assert phone.get(f"/me/graduation-certificates/{current_id(app)}.pdf").data == corrected


def test_the_bureau_cannot_move_a_backfilled_certificate_to_another_student(
    app: Flask, province: Province
) -> None:
    """The same rule binds the bureau's own imports."""
    add_schools(app)
    body = backfill_zhang(app)
    url, phone = holder_of_jn001(app, province)
    with pytest.raises(PermissionDenied) as refused:
        backfill(
            app,
            "JN-001",
            id_no=XIAO,
            name="张小红",
            sex="F",
            training_type="A2",
            school=JINAN_SCHOOL,
            completed_on="2025-03-10",
        )
    assert refused.value.code == "different_student"
    assert phone.get(url).data == body


def test_a_partner_pushes_only_for_its_schools(app: Flask, client: FlaskClient) -> None:
    add_schools(app)
    client_id, headers = partner(client, app, JINAN_SCHOOL)
    at_qingdao = zhang(school_credit_code=QINGDAO_SCHOOL)

    refused = push(client, headers, at_qingdao, pdf())
    assert refused.status_code == 422 and refused.get_json()["error"] == "invalid_fields"
    assert refused.get_json()["fields"] == {
        "school_credit_code": {
            "code": "not_registered_for_school",
            "message": f"本合作系统未登记可为培训机构 {QINGDAO_SCHOOL} 推送。"
            "每个合作系统可为哪些培训机构推送，由省级管理员登记。",
        }
    }
    # with the other problems at once, and before the PDF is read (no file needed to learn it)
    several = push(client, headers, {**at_qingdao, "sex": "F"}, None)
    assert {name: f["code"] for name, f in several.get_json()["fields"].items()} == {
        "school_credit_code": "not_registered_for_school",
        "sex": "sex_mismatch",
        "file": "required",
    }
    english = push(client, {**headers, "Accept-Language": "en"}, at_qingdao, pdf())
    assert english.get_json()["fields"]["school_credit_code"]["message"] == (
        f"This partner system is not registered for the training school {QINGDAO_SCHOOL}. "
        "The province administrator registers the schools each partner system may push for."
    )
    assert stored(app) == []

    # registered for it now: the same token works (the schools are read with each push)
    with app.app_context():
        session = get_session()
        partners.add_schools(session, client_id, [QINGDAO_SCHOOL], actor="test")
        session.commit()
    assert push(client, headers, at_qingdao, pdf()).status_code == 201
    # and no longer: what it pushed stays its own, its new pushes for the school are refused
    with app.app_context():
        session = get_session()
        partners.remove_schools(session, client_id, [QINGDAO_SCHOOL], actor="test")
        session.commit()
    again = push(client, headers, {**at_qingdao, "name": "张三名"}, pdf())
    assert again.get_json()["fields"]["school_credit_code"]["code"] == "not_registered_for_school"
    assert client.get(STATE, headers=headers).get_json()["school_credit_code"] == QINGDAO_SCHOOL


def test_a_partner_without_schools_cannot_push(app: Flask, client: FlaskClient) -> None:
    """A partner registered before schools existed (the migration gives it none) is refused until the
    province administrator registers its schools."""
    _, headers = partner(client, app)
    refused = push(client, headers, metadata(), pdf())
    assert refused.status_code == 422
    assert refused.get_json()["fields"]["school_credit_code"]["code"] == "not_registered_for_school"
    assert stored(app) == []


def test_a_handed_over_number_is_the_new_owners(app: Flask, client: FlaskClient, province: Province) -> None:
    """Only the bureau moves a number to a partner (explicitly, audited); the partner then revises it
    (for the same student) and reads it back, and the bureau's own import of it is refused."""
    add_schools(app)
    backfill_zhang(app)
    url, phone = holder_of_jn001(app, province)
    client_id, headers = partner(client, app, JINAN_SCHOOL)
    assert refused_with(push(client, headers, zhang(), pdf()), "number_taken")  # not by pushing it

    with app.app_context():
        session = get_session()
        to = partners.find(session, client_id)
        assert graduation.hand_over(session, to=to, numbers=["JN-001"], actor="province") == ["JN-001"]
        session.commit()
    assert client.get(STATE, headers=headers).get_json()["revision"] == 1
    assert refused_with(push(client, headers, xiao(), pdf()), "different_student")
    revised = push(client, headers, zhang(), pdf("JN-001 平台版"))
    assert revised.status_code == 201 and revised.get_json()["revision"] == 2
    assert [row[4] for row in stored(app)] == [client_id, client_id]
    assert phone.get(url).status_code == 404  # superseded by its owner's revision, for him:
    assert phone.get(f"/me/graduation-certificates/{current_id(app)}.pdf").status_code == 200
    with pytest.raises(PermissionDenied) as refused:
        backfill_zhang(app, completed_on="2025-03-11")
    assert refused.value.code == "number_taken"
