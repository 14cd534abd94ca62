"""Who may act on an application (办件): role × item × stage × own or other authority, asked of the
one access policy on real cases. Expected: the case's implementing authority only; there an
authority administrator at every stage, a clerk at the (item, stage) pairs he holds, nobody else."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy.orm import Session

from app.models import Staff
from app.models.enums import Role, ServiceItem, Stage
from app.services import access, authorities
from app.services import applications as apps
from app.services import certificates as certs
from app.services.container import services

from ...helpers import id_number, on_day
from ...registry import PASSWORD, Province

ITEMS = [ServiceItem.ISSUE, ServiceItem.RENEW, ServiceItem.REISSUE, ServiceItem.CHANGE, ServiceItem.CANCEL]
DAY = dt.date(2026, 3, 2)


def _staff(session: Session, province: Province, body: str, name: str, role: Role, grants=()) -> Staff:  # type: ignore[no-untyped-def]
    return authorities.create_staff(
        session,
        username=name,
        display_name=name,
        password=PASSWORD,
        authority=province.body(session, body),
        role=role,
        permissions=list(grants),
    )


def _cases(session: Session, province: Province) -> dict[ServiceItem, object]:
    """One open case of each item at Jinan, opened by its administrator."""
    admin = province.actor(session, "jinan_admin")
    context = on_day(province.context, DAY)
    holder = id_number("37010219900307123")
    certificate = certs.issue(session, context, admin, certs.IssueRequest(holder, "王小明", [9])).certificate
    applicant = {"name": "王小明", "phone": "13800138000"}
    forms = {
        ServiceItem.ISSUE: {"categories": [9]},
        ServiceItem.RENEW: {"certificate_number": certificate.number},
        ServiceItem.REISSUE: {"certificate_number": certificate.number, "reason": "遗失"},
        ServiceItem.CHANGE: {"certificate_number": certificate.number, "name": "王晓明"},
        ServiceItem.CANCEL: {"certificate_number": certificate.number, "cancel_reason": "own_request"},
    }
    return {
        item: apps.open_at_window(
            session,
            context,
            services().blobs,
            admin,
            apps.NewCase(
                item=item.value,
                applicant={
                    **applicant,
                    "id_number": id_number("37010219850101123") if item == ServiceItem.ISSUE else holder,
                },
                form=forms[item],
            ),
        )
        for item in ITEMS
    }


def test_the_permission_matrix(session: Session, province: Province) -> None:
    cases = _cases(session, province)
    clerk_grants = [
        (ServiceItem.ISSUE, Stage.ACCEPT),
        (ServiceItem.RENEW, Stage.REVIEW),
        (ServiceItem.CANCEL, Stage.CONCLUDE),
    ]
    people = {
        "province admin": (province.actor(session, "province"), set()),
        "own admin": (province.actor(session, "jinan_admin"), set(itertools.product(ITEMS, Stage))),
        "own clerk": (
            _staff(session, province, "jinan", "matrix_clerk", Role.CLERK, clerk_grants),
            set(clerk_grants),
        ),
        "own clerk, no grants": (_staff(session, province, "jinan", "matrix_none", Role.CLERK), set()),
        "own inspector": (province.actor(session, "jinan_inspector"), set()),
        "other admin": (province.actor(session, "qingdao_admin"), set()),
        "other clerk, every grant": (
            _staff(session, province, "qingdao", "matrix_other", Role.CLERK, itertools.product(ITEMS, Stage)),
            set(),
        ),
    }
    wrong = []
    for (who, (actor, allowed)), item, stage in itertools.product(people.items(), ITEMS, Stage):
        refusal = access.decide_case(session, actor, cases[item], stage)  # type: ignore[arg-type]
        if (refusal is None) != ((item, stage) in allowed):
            wrong.append((who, item.value, stage.value, refusal and refusal.code))
    assert wrong == []
    # The reasons a person is given.
    other = access.decide_case(session, people["other admin"][0], cases[ServiceItem.ISSUE], Stage.ACCEPT)  # type: ignore[arg-type]
    assert other is not None and other.code == "other_authority_case"
    none = access.decide_case(
        session, people["own clerk, no grants"][0], cases[ServiceItem.ISSUE], Stage.ACCEPT
    )  # type: ignore[arg-type]
    assert none is not None and none.code == "no_permission"


@pytest.mark.parametrize(
    "who", ["province", "jinan_admin", "jinan_clerk", "qingdao_admin", "jinan_inspector"]
)
def test_who_sees_a_case(session: Session, province: Province, who: str) -> None:
    case = _cases(session, province)[ServiceItem.ISSUE]
    actor = province.actor(session, who)
    assert access.sees_application(actor, case) is (who in ("province", "jinan_admin", "jinan_clerk"))  # type: ignore[arg-type]
