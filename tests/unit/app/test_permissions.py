"""The permission matrix: every role × every action × own or another authority's certificate,
and the one-body-per-item rule."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Certificate
from app.models.enums import Role, ServiceItem, Stage
from app.services import access, authorities
from app.services import certificates as certs
from app.services.errors import PermissionDenied, RuleViolation
from signing import Purpose

from ...helpers import id_number, on_day
from ...registry import Province

ACTIONS = ["issue", "renew", "reissue", "change", "suspend", "lift", "revoke", "cancel"]
ROLES = ["province", "admin", "clerk", "inspector"]
CLERK_MAY = {"issue", "renew"}


def expected(role: str, action: str, own: bool) -> str:
    if role in ("province", "inspector"):
        return "role"
    if not own and action in ("renew", "reissue", "change", "cancel"):
        return "other_authority"  # only the issuer renews, reissues, changes and cancels
    if not own and action in ("suspend", "lift", "revoke"):
        return "not_implementing"  # penalties: the body that implements them in the issuer's region
    if role == "clerk" and action not in CLERK_MAY:
        return "no_permission"
    return "ok"


def attempt(session: Session, province: Province, actor_name: str, action: str) -> str:
    ctx = province.context
    owner = province.actor(session, "jinan_admin")
    cert = certs.issue(session, ctx, owner, certs.IssueRequest(id_number(), "张三明", [1])).certificate
    if action == "lift":
        certs.perform(session, province.context, owner, "suspend", cert.id, certs.ActionInput(reason="setup"))
    actor = province.actor(session, actor_name)
    in_window = on_day(ctx, cert.valid_until - dt.timedelta(days=3))
    calls = {
        "issue": lambda: certs.issue(
            session, ctx, actor, certs.IssueRequest(id_number("11010519491231002"), "李四", [2])
        ),
        "renew": lambda: certs.perform(session, in_window, actor, "renew", cert.id),
        "reissue": lambda: certs.perform(
            session, ctx, actor, "reissue", cert.id, certs.ActionInput(reason="lost")
        ),
        "change": lambda: certs.perform(
            session, ctx, actor, "change", cert.id, certs.ActionInput(reason="r", holder_name="张三")
        ),
        "suspend": lambda: certs.perform(
            session, province.context, actor, "suspend", cert.id, certs.ActionInput(reason="r")
        ),
        "lift": lambda: certs.perform(
            session, province.context, actor, "lift", cert.id, certs.ActionInput(reason="r")
        ),
        "revoke": lambda: certs.perform(
            session, province.context, actor, "revoke", cert.id, certs.ActionInput(reason="r")
        ),
        "cancel": lambda: certs.perform(
            session, province.context, actor, "cancel", cert.id, certs.ActionInput(cancel_reason="death")
        ),
    }
    try:
        calls[action]()
    except PermissionDenied as exc:
        return exc.code
    return "ok"


@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_matrix(session: Session, province: Province, role: str, action: str, own: bool) -> None:
    city = "jinan" if own else "qingdao"
    actor_name = "province" if role == "province" else f"{city}_{role}"
    assert attempt(session, province, actor_name, action) == expected(role, action, own)


def test_two_bodies_for_one_item_suspends_that_item(session: Session, province: Province) -> None:
    jinan, qingdao = province.body(session, "jinan"), province.body(session, "qingdao")
    admin = province.actor(session, "jinan_admin")
    cert = certs.issue(
        session, province.context, admin, certs.IssueRequest(id_number(), "张三明", [1])
    ).certificate
    authorities.assign_item(session, jinan.region_code, ServiceItem.SUSPEND, qingdao)
    session.commit()
    (conflict,) = authorities.conflicts(session)
    assert conflict.region_code == "370100" and conflict.item == "suspend"
    assert conflict.authorities == sorted([jinan.name, qingdao.name])
    with pytest.raises(RuleViolation) as caught:
        certs.perform(session, province.context, admin, "suspend", cert.id, certs.ActionInput(reason="r"))
    assert caught.value.code == "item_conflict"
    certs.perform(
        session,
        province.context,
        admin,
        "revoke",
        cert.id,
        certs.ActionInput(reason="other items still work"),
    )
    authorities.unassign_item(session, jinan.region_code, ServiceItem.SUSPEND, qingdao)
    session.commit()
    assert authorities.conflicts(session) == []


def test_unassigned_item(session: Session, province: Province) -> None:
    jinan = province.body(session, "jinan")
    authorities.unassign_item(session, jinan.region_code, ServiceItem.ISSUE, jinan)
    session.commit()
    with pytest.raises(RuleViolation) as caught:
        certs.issue(
            session,
            province.context,
            province.actor(session, "jinan_admin"),
            certs.IssueRequest(id_number(), "张三明", [1]),
        )
    assert caught.value.code == "item_unassigned"


def test_not_the_implementing_body(session: Session, province: Province) -> None:
    jinan, qingdao = province.body(session, "jinan"), province.body(session, "qingdao")
    authorities.unassign_item(session, jinan.region_code, ServiceItem.ISSUE, jinan)
    authorities.assign_item(session, jinan.region_code, ServiceItem.ISSUE, qingdao)
    session.commit()
    with pytest.raises(PermissionDenied) as caught:
        certs.issue(
            session,
            province.context,
            province.actor(session, "jinan_admin"),
            certs.IssueRequest(id_number(), "张三明", [1]),
        )
    assert caught.value.code == "not_implementing"


GRANTED = {(ServiceItem.ISSUE, Stage.CONCLUDE), (ServiceItem.RENEW, Stage.CONCLUDE)}


@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize("item", list(ServiceItem))
@pytest.mark.parametrize("who", ["jinan_admin", "jinan_clerk", "jinan_inspector", "province"])
def test_every_item_and_stage(
    session: Session, province: Province, who: str, item: ServiceItem, stage: Stage
) -> None:
    """Role × service item × stage: administrators of the implementing body may do every item at
    every stage, clerks what they were granted, inspectors and the province nothing."""
    refusal = access.decide(session, province.actor(session, who), item, stage=stage)
    expected = {
        "jinan_admin": None,
        "jinan_clerk": None if (item, stage) in GRANTED else "no_permission",
        "jinan_inspector": "role",
        "province": "role",
    }[who]
    assert (refusal.code if refusal else None) == expected


def test_a_deactivated_account_may_do_nothing(session: Session, province: Province) -> None:
    admin = province.actor(session, "jinan_admin")
    admin.active = False
    refusal = access.decide(session, admin, ServiceItem.ISSUE)
    assert refusal is not None and refusal.code == "inactive"
    assert not access.may_enter(admin, access.Area.CERTIFICATES)


def test_where_an_approval_bureau_issues_the_transport_bureau_suspends_and_revokes(
    session: Session, province: Province
) -> None:
    """Haikou's case: the approval bureau issues, renews and cancels; the transport bureau of the same
    region suspends and revokes those certificates (and sees them), but renews none of them."""
    jinan = province.body(session, "jinan")
    approval = authorities.create_authority(
        session,
        name="济南市行政审批服务局",
        credit_code="11370100MB00000108",
        region_code="370100",
        level="city",
    )
    for item in (ServiceItem.ISSUE, ServiceItem.RENEW, ServiceItem.CANCEL):
        authorities.unassign_item(session, "370100", item, jinan)
        authorities.assign_item(session, "370100", item, approval)
    issuer = authorities.create_staff(
        session,
        username="approval_admin",
        display_name="审批局管理员",
        password="correct horse battery",
        authority=approval,
        role=Role.AUTHORITY_ADMIN,
    )
    session.flush()
    province.context.keys.generate("EdDSA", Purpose.CERTIFICATE, now=1, issuer=approval.credit_code)
    cert = certs.issue(
        session, province.context, issuer, certs.IssueRequest(id_number(), "张三明", [1])
    ).certificate
    bureau = province.actor(session, "jinan_admin")
    assert access.sees_certificate(session, bureau, cert)
    assert cert.id in session.scalars(access.visible_certificates(select(Certificate.id), bureau)).all()
    assert access.allowed_actions(session, bureau, cert, certs.ACTIONS) == {"suspend", "lift", "revoke"}
    certs.perform(session, province.context, bureau, "suspend", cert.id, certs.ActionInput(reason="违章"))
    with pytest.raises(PermissionDenied) as refused:
        certs.perform(
            session, province.context, bureau, "cancel", cert.id, certs.ActionInput(cancel_reason="death")
        )
    assert refused.value.code == "other_authority"
    qingdao = province.actor(session, "qingdao_admin")
    assert not access.sees_certificate(session, qingdao, cert)
