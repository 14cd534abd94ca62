"""A small province for tests: authorities, service items, staff of every role, keys. Built once
per test process (``tests/fixtures.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.models import Authority, Staff
from app.models.enums import Role, ServiceItem, Stage
from app.services import authorities
from app.services.context import IssuingContext
from signing import Purpose

PASSWORD = "correct horse battery"
ALL_ITEMS = list(ServiceItem)
JINAN = "11370100MB00000007"
QINGDAO = "11370200MB0000000C"


@dataclass
class Province:
    """Handles on the test province (ids, so they can be reloaded in any session)."""

    context: IssuingContext
    authority: dict[str, int]
    staff: dict[str, int]

    def actor(self, session: Session, name: str) -> Staff:
        staff = session.get(Staff, self.staff[name])
        assert staff is not None
        return staff

    def body(self, session: Session, name: str) -> Authority:
        found = session.get(Authority, self.authority[name])
        assert found is not None
        return found


def add_keys(context: IssuingContext) -> None:
    """The province's signing keys: a certificate key per city, the presentation key and the
    key-status key."""
    for issuer in (JINAN, QINGDAO):
        context.keys.generate("EdDSA", Purpose.CERTIFICATE, now=1, issuer=issuer)
    context.keys.generate("EdDSA", Purpose.PRESENTATION, now=1)
    context.keys.generate("EdDSA", Purpose.KEYS, now=1)


def add_registry(session: Session) -> tuple[dict[str, int], dict[str, int]]:
    """The province's authorities, service items and staff, committed in ``session``: (ids of
    the authorities, ids of the staff), by name."""
    province = authorities.create_authority(
        session,
        name="山东省交通运输厅",
        credit_code="11370000MB00000002",
        region_code="370000",
        level="province",
    )
    jinan = authorities.create_authority(
        session,
        name="济南市交通运输局",
        credit_code=JINAN,
        region_code="370100",
        level="city",
        parent=province,
    )
    qingdao = authorities.create_authority(
        session,
        name="青岛市交通运输局",
        credit_code=QINGDAO,
        region_code="370200",
        level="city",
        parent=province,
    )
    for body in (jinan, qingdao):
        for item in ALL_ITEMS:
            authorities.assign_item(session, body.region_code, item, body)
    staff = {
        "province": authorities.create_staff(
            session,
            username="province",
            display_name="省管理员",
            password=PASSWORD,
            authority=province,
            role=Role.PROVINCE_ADMIN,
        ),
    }
    for key, body in (("jinan", jinan), ("qingdao", qingdao)):
        staff[f"{key}_admin"] = authorities.create_staff(
            session,
            username=f"{key}_admin",
            display_name=f"{body.name}管理员",
            password=PASSWORD,
            authority=body,
            role=Role.AUTHORITY_ADMIN,
        )
        staff[f"{key}_clerk"] = authorities.create_staff(
            session,
            username=f"{key}_clerk",
            display_name="办事员",
            password=PASSWORD,
            authority=body,
            role=Role.CLERK,
            permissions=[(ServiceItem.ISSUE, Stage.CONCLUDE), (ServiceItem.RENEW, Stage.CONCLUDE)],
        )
        staff[f"{key}_inspector"] = authorities.create_staff(
            session,
            username=f"{key}_inspector",
            display_name="执法员",
            password=PASSWORD,
            authority=body,
            role=Role.INSPECTOR,
        )
    session.commit()
    return (
        {"province": province.id, "jinan": jinan.id, "qingdao": qingdao.id},
        {name: s.id for name, s in staff.items()},
    )
