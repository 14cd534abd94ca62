"""The demo's applications (办件) at 三亚's transport bureau: staff who accept, review and conclude,
exam results and a graduation certificate for the applicants, and cases in every stage — some
overdue, some of an item connected to the platform — made through the real services, on the days
they would have happened (a clock standing on each day)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, replace

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from signing import id_check_char

from ..models import Application, Authority, Staff
from ..models.enums import CaseStage, Role, ServiceItem, Stage
from ..services import applications as apps
from ..services import authorities, exam_results, graduation
from ..services.applications import ITEMS, materials
from ..services.clock import CHINA, FixedClock
from ..services.container import services
from ..services.context import IssuingContext

REGION = "460200"
"""三亚: its transport bureau implements every item; the issue item is connected to the platform."""
STAGE_STAFF = {
    "accept": (Stage.ACCEPT, "受理员"),
    "review": (Stage.REVIEW, "审核员"),
    "conclude": (Stage.CONCLUDE, "办结员"),
}
"""The demo clerks of each stage (``sanya_accept``, …), granted every item one applies for there."""
FORM_PDF = b"%PDF-1.4\n% demo application form\n"


@dataclass(frozen=True)
class DemoCase:
    """One demo case: who applies, for which categories, and its steps (name, days ago, opinion,
    missing materials); ``connected`` cases are made after the issue item is connected."""

    name: str
    birth: str
    categories: tuple[int, ...]
    opened: int
    steps: tuple[tuple[str, int, str, tuple[str, ...]], ...] = ()
    connected: bool = False
    exam: tuple[int, bool] | None = None
    """A category's exam result the applicant has (passed or not)."""
    graduate: bool = False
    """The applicant holds a 普货 graduation certificate (what 普货 needs)."""


CASES = [
    DemoCase("林晓东", "19900512", (1,), 1, exam=(1, True)),
    DemoCase("陈海燕", "19880203", (1,), 16, exam=(1, True)),  # never accepted: overdue
    DemoCase(
        "黄志强",
        "19920811",
        (1,),
        6,
        (("notify", 5, "体检合格证明已过有效期，请重新体检", ("health_certificate", "photo")),),
        exam=(1, True),
    ),
    DemoCase("吴丽娟", "19850930", (3,), 3, (("accept", 3, "", ()),), exam=(3, True)),
    DemoCase("郑国栋", "19790115", (1,), 30, (("accept", 29, "", ()),), exam=(1, True)),  # overdue
    DemoCase(
        "冯雪梅",
        "19950604",
        (1,),
        5,
        (("accept", 5, "", ()), ("approve", 4, "材料齐全，考试合格", ())),
        exam=(1, True),
    ),
    DemoCase(
        "何建华",
        "19930322",
        (2,),
        10,
        (("accept", 10, "", ()), ("approve", 9, "结业证书有效", ()), ("grant", 0, "", ())),
        graduate=True,
    ),
    DemoCase(
        "马俊杰",
        "19870718",
        (1,),
        12,
        (
            ("accept", 12, "", ()),
            ("reject", 11, "旅客运输驾驶员考试成绩不合格", ()),
            ("deny", 10, "未取得经营性道路旅客运输驾驶员考试合格成绩", ()),
        ),
        exam=(1, False),
    ),
    DemoCase(
        "罗小华", "19970227", (1,), 7, (("refuse", 7, "申请人户籍及居住地均不在本市，不属于本机关管辖", ()),)
    ),
    DemoCase("宋佳怡", "19960909", (1,), 0, connected=True, exam=(1, True)),
    DemoCase("唐文博", "19910101", (3,), 2, (("accept", 2, "", ()),), connected=True, exam=(3, True)),
]
"""The demo cases: every stage (accept, materials, review, conclude, granted, refused,
not accepted), two overdue, two of the connected issue item."""


def applicant_id(case: DemoCase) -> str:
    """The applicant's ID number (三亚, the birth date, a sequence)."""
    first17 = f"{REGION}{case.birth}{CASES.index(case) + 101:03d}"
    return first17 + id_check_char(first17)


def _on(context: IssuingContext, day: dt.date) -> IssuingContext:
    return replace(context, clock=FixedClock(dt.datetime.combine(day, dt.time(10), CHINA)))


def _staff(session: Session, body: Authority, password: str) -> dict[str, Staff]:
    for suffix, (stage, title) in STAGE_STAFF.items():
        username = f"sanya_{suffix}"
        if session.scalar(select(Staff.id).filter_by(username=username)) is None:
            authorities.create_staff(
                session,
                username=username,
                display_name=f"{body.name}{title}",
                password=password,
                authority=body,
                role=Role.CLERK,
                permissions=[(item, stage) for item in ITEMS],
            )
    session.flush()
    return {
        suffix: session.scalars(select(Staff).filter_by(username=f"sanya_{suffix}")).one()
        for suffix in STAGE_STAFF
    }


PdfMaker = Callable[[str, str, str], bytes]
"""Makes a graduation certificate's PDF from the name, the number and the kind of training."""


def _prerequisites(
    session: Session, admin: Staff, case: DemoCase, today: dt.date, graduation_pdf: PdfMaker
) -> None:
    who = applicant_id(case)
    if case.exam is not None:
        category, passed = case.exam
        exam_results.enter(
            session,
            services().clock,
            admin,
            {
                "id_number": who,
                "name": case.name,
                "category": str(category),
                "exam_date": (today - dt.timedelta(days=case.opened + 20)).isoformat(),
                "score": "88" if passed else "52",
                "passed": "合格" if passed else "不合格",
            },
        )
    if case.graduate:
        types = graduation.training_types(current_app.config["TRAINING_TYPES"])
        start, end = today - dt.timedelta(days=120), today - dt.timedelta(days=40)
        number = f"JY{REGION[:4]}9{CASES.index(case):03d}"
        graduation.receive(
            session,
            services().blobs,
            raw={
                "certificate_number": number,
                "student_id_number": who,
                "name": case.name,
                "sex": "M" if int(who[16]) % 2 else "F",
                "training_type": "general_cargo",
                "school_credit_code": "91460200MA5T00029L",
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
                "completed_on": end.isoformat(),
            },
            stream=io.BytesIO(graduation_pdf(case.name, number, types["general_cargo"])),
            limit=int(current_app.config["GRADUATION_PDF_MAX_BYTES"]),
            types=types,
            client=None,
            source="backfill",
            actor="demo",
            today=today,
        )


def _case(session: Session, staff: dict[str, Staff], case: DemoCase, today: dt.date) -> Application:
    context = services().issuing
    opened = today - dt.timedelta(days=case.opened)
    upload = materials.receive(
        services().blobs, io.BytesIO(FORM_PDF), filename="申请表.pdf", kind="application_form", limit=1 << 20
    )
    application = apps.open_at_window(
        session,
        _on(context, opened),
        services().blobs,
        staff["accept"],
        apps.NewCase(
            item=ServiceItem.ISSUE.value,
            applicant={"name": case.name, "id_number": applicant_id(case), "phone": "13907560000"},
            form={"categories": list(case.categories)},
            uploads=[upload],
        ),
    )
    for name, days_ago, opinion, missing in case.steps:
        stage = apps.STEPS[name].stage
        actor = staff[stage.value if stage is not None else "accept"]
        # The certificate a grant makes is signed today: a development key is not older than that.
        day_context = context if days_ago == 0 else _on(context, today - dt.timedelta(days=days_ago))
        apps.act(
            session,
            day_context,
            services().blobs,
            actor,
            application.id,
            name,
            apps.StepInput(opinion=opinion, missing=missing),
            expected=application.next_sequence,
        )
    return application


def load(
    session: Session, bodies: dict[str, Authority], password: str, graduation_pdf: PdfMaker
) -> list[Application]:
    """Make the demo's staff, exam results, graduation certificate and cases where missing (none
    if 三亚 has cases already); the cases made."""
    body = bodies["sanya"]
    staff = _staff(session, body, password)
    if session.scalar(select(Application.id).where(Application.authority_id == body.id)) is not None:
        return []
    admin = session.scalars(
        select(Staff).filter_by(authority_id=body.id, role=Role.AUTHORITY_ADMIN.value)
    ).first()
    assert admin is not None
    today = services().clock.today()
    made = []
    for case in sorted(CASES, key=lambda c: c.connected):
        if case.connected:
            authorities.set_connected(session, REGION, ServiceItem.ISSUE, True, actor="demo")
        _prerequisites(session, admin, case, today, graduation_pdf)
        made.append(_case(session, staff, case, today))
    session.commit()
    return made


def every_stage_held(cases: list[Application]) -> bool:
    """Whether ``cases`` hold every stage a case can be at."""
    return {c.stage for c in cases} == {s.value for s in CaseStage}
