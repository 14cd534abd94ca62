"""A small province for tests: authorities, service items, staff of every role, keys."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from sqlalchemy.orm import Session

from app.db import get_session
from app.models import Authority, Staff
from app.models.enums import Role, ServiceItem, Stage
from app.services import authorities
from app.services.container import issuing_context
from app.services.context import IssuingContext
from signing import Purpose

PASSWORD = "correct horse battery"
ALL_ITEMS = list(ServiceItem)


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


def build_province(app: Flask) -> Province:
    """Province 370000; cities Jinan (370100) and Qingdao (370200), each implementing every item
    in its own region, each with an administrator, a clerk who may only issue and renew, and
    an inspector; plus a province administrator."""
    with app.app_context():
        session = get_session()
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
            credit_code="11370100MB00000007",
            region_code="370100",
            level="city",
            parent=province,
        )
        qingdao = authorities.create_authority(
            session,
            name="青岛市交通运输局",
            credit_code="11370200MB0000000C",
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
        context = issuing_context(app)
        for body in (jinan, qingdao):
            context.keys.generate("EdDSA", Purpose.CERTIFICATE, now=1, issuer=body.credit_code)
        context.keys.generate("EdDSA", Purpose.PRESENTATION, now=1)
        return Province(
            context=context,
            authority={"province": province.id, "jinan": jinan.id, "qingdao": qingdao.id},
            staff={name: s.id for name, s in staff.items()},
        )
