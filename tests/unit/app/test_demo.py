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
