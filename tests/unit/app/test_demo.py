"""``flask demo load``: a Hainan province with valid credit codes, where 海口's approval bureau
implements the issuing items and its transport bureau the others."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cli import demo
from app.models import Authority, Staff, TrainingSchool
from app.models.enums import Role, ServiceItem
from app.services import authorities
from signing import is_credit_code


def test_every_demo_credit_code_is_valid_and_of_its_region() -> None:
    bodies = [demo.PROVINCE, *demo.BODIES]
    for body in bodies:
        assert is_credit_code(body.credit_code), body.name
        assert body.credit_code[2:8] == body.region_code, body.name
        assert body.region_code.startswith("46"), body.name  # Hainan
    for name, code, region in demo.SCHOOLS:
        assert is_credit_code(code) and code[2:8] == region, name
    codes = [body.credit_code for body in bodies] + [code for _, code, _ in demo.SCHOOLS]
    assert len(set(codes)) == len(codes)
    assert [region for _, _, region in demo.SCHOOLS] == [body.region_code for body in demo.ISSUERS]


def test_demo_province(app: Flask, runner: FlaskCliRunner, session: Session) -> None:
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    session.rollback()
    names = {a.credit_code: a.name for a in session.scalars(select(Authority))}
    assert names["11460000MB0000019H"] == "海南省道路运输局"
    assert len(names) == 7 and all(is_credit_code(code) for code in names)
    assert authorities.conflicts(session) == []
    # 海口: the approval bureau issues, renews, reissues, changes and cancels; the transport bureau
    # suspends, revokes and imports paper certificates
    for item in ServiceItem:
        body = authorities.implementing_authority(session, "460100", item)
        expected = "海口市行政审批服务局" if item in demo.APPROVAL_ITEMS else "海口市交通运输局"
        assert body.name == expected, item
        assert authorities.implementing_authority(session, "460200", item).name == "三亚市交通运输局"
    accounts = {s.username: s for s in session.scalars(select(Staff))}
    clerk = accounts["haikou_approval_clerk"]
    assert clerk.authority.name == "海口市行政审批服务局" and clerk.role == Role.CLERK
    assert {p.item for p in clerk.permissions} == {"issue", "renew", "reissue", "change"}
    assert {p.item for p in accounts["haikou_clerk"].permissions} == {"suspend"}
    assert accounts["yangpu_inspector"].authority.name == "洋浦经济开发区交通运输局"
    assert "yangpu_clerk" not in accounts and "haikou_approval_inspector" not in accounts
    assert accounts["province"].role == Role.PROVINCE_ADMIN
    schools = session.scalars(select(TrainingSchool)).all()
    assert len(schools) == 4 and all(is_credit_code(s.credit_code) for s in schools)
    for code in demo.DEMO_ISSUERS:
        assert f"/status/{code}" in result.output


def test_demo_applications_hold_every_stage(app: Flask, runner: FlaskCliRunner, session: Session) -> None:
    from app.cli import demo_applications
    from app.models import Application, ExamResult, PlatformMessage
    from app.models.enums import CaseStage
    from app.services.applications import time_left
    from app.services.applications.prerequisites import check
    from app.services.container import services

    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    session.rollback()
    cases = session.scalars(select(Application)).all()
    assert {c.stage for c in cases} == {s.value for s in CaseStage}
    assert demo_applications.every_stage_held(list(cases))
    today = services().clock.today()
    overdue = [c for c in cases if (time_left(c, today) or 0) < 0]
    assert len(overdue) >= 2
    connected = [c for c in cases if c.connected]
    assert len(connected) == 2 and all(c.item == "issue" for c in connected)
    assert authorities.assignment(session, "460200", ServiceItem.ISSUE).connected
    assert session.scalars(select(PlatformMessage)).all()  # the connected cases told the platform
    granted = next(c for c in cases if c.stage == CaseStage.GRANTED)
    assert granted.certificate_id is not None
    assert all(p.met for p in check(session, granted.applicant_id_number, [2], today))  # graduation
    assert session.scalars(select(ExamResult)).all()
    accounts = {s.username: s for s in session.scalars(select(Staff))}
    for suffix, stage in (("accept", "accept"), ("review", "review"), ("conclude", "conclude")):
        assert {p.stage for p in accounts[f"sanya_{suffix}"].permissions} == {stage}
        assert f"sanya_{suffix}" in result.output
    assert "/progress (case number " in result.output
    again = runner.invoke(args=["demo", "load"])  # idempotent: no new cases
    assert again.exit_code == 0, again.output
    session.rollback()
    assert len(session.scalars(select(Application)).all()) == len(cases)
