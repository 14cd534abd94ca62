"""The permission matrix: every role × every action × own or another authority's certificate,
and the one-body-per-item rule."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from sqlalchemy.orm import Session

from app.models.enums import ServiceItem
from app.services import authorities
from app.services import certificates as certs
from app.services.errors import PermissionDenied, RuleViolation

from ...helpers import id_number
from ...registry import Province

ACTIONS = ["issue", "renew", "reissue", "change", "suspend", "lift", "revoke", "cancel"]
ROLES = ["province", "admin", "clerk", "inspector"]
CLERK_MAY = {"issue", "renew"}


def expected(role: str, action: str, own: bool) -> str:
    if role in ("province", "inspector"):
        return "role"
    if not own and action != "issue":
        return "other_authority"
    if role == "clerk" and action not in CLERK_MAY:
        return "no_permission"
    return "ok"


def attempt(session: Session, province: Province, actor_name: str, action: str) -> str:
    ctx = province.context
    owner = province.actor(session, "jinan_admin")
    cert = certs.issue(session, ctx, owner, id_number=id_number(), name="张三明", categories=[1]).certificate
    if action == "lift":
        certs.suspend(session, owner, cert.id, reason="setup")
    actor = province.actor(session, actor_name)
    calls = {
        "issue": lambda: certs.issue(
            session, ctx, actor, id_number=id_number("11010519491231002"), name="李四", categories=[2]
        ),
        "renew": lambda: certs.renew(session, ctx, actor, cert.id),
        "reissue": lambda: certs.reissue(session, ctx, actor, cert.id, reason="lost"),
        "change": lambda: certs.change_details(session, ctx, actor, cert.id, holder_name="张三", reason="r"),
        "suspend": lambda: certs.suspend(session, actor, cert.id, reason="r"),
        "lift": lambda: certs.lift_suspension(session, actor, cert.id, reason="r"),
        "revoke": lambda: certs.revoke(session, actor, cert.id, reason="r"),
        "cancel": lambda: certs.cancel(session, actor, cert.id, reason="death"),
    }
    in_window = cert.valid_until - dt.timedelta(days=3)
    try:
        with mock.patch.object(
            certs, "today_cst", return_value=in_window if action == "renew" else certs.today_cst()
        ):
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
        session, province.context, admin, id_number=id_number(), name="张三明", categories=[1]
    ).certificate
    authorities.assign_item(session, jinan.region_code, ServiceItem.SUSPEND, qingdao)
    session.commit()
    (conflict,) = authorities.conflicts(session)
    assert conflict.region_code == "370100" and conflict.item == "suspend"
    assert conflict.authorities == sorted([jinan.name, qingdao.name])
    with pytest.raises(RuleViolation) as caught:
        certs.suspend(session, admin, cert.id, reason="r")
    assert caught.value.code == "item_conflict"
    certs.revoke(session, admin, cert.id, reason="other items still work")
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
            id_number=id_number(),
            name="张三明",
            categories=[1],
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
            id_number=id_number(),
            name="张三明",
            categories=[1],
        )
    assert caught.value.code == "not_implementing"
