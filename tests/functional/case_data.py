"""Cases for the tests of the pages around applications, driven through the real service."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy.orm import Session

from app.models import Application, ExamResult, Staff
from app.services import applications as apps
from app.services.applications import materials
from app.services.container import services

from ..helpers import id_number, on_day
from ..registry import Province

DAY = dt.date(2026, 3, 2)  # a Monday
APPLICANT_ID = id_number("37010219900307123")
APPLICANT = {"name": "王小明", "id_number": APPLICANT_ID, "phone": "13800138000"}
PDF = b"%PDF-1.4\n% material\n"


def passed_exam(session: Session, category: int = 1, who: str = APPLICANT_ID) -> None:
    """A passed exam of ``who`` in ``category`` (what an issue case for it needs)."""
    session.add(
        ExamResult(
            id_number=who,
            name="王小明",
            category=category,
            exam_date=DAY - dt.timedelta(days=10),
            score=90,
            passed=True,
            source="entered",
            recorded_by="t",
            recorded_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
        )
    )
    session.flush()


def new_case(session: Session, province: Province, actor: Staff, day: dt.date = DAY) -> Application:
    """An issue case for category 1 opened at the window by ``actor`` on ``day``."""
    upload = materials.receive(
        services().blobs, io.BytesIO(PDF), filename="form.pdf", kind="application_form", limit=1 << 20
    )
    return apps.open_at_window(
        session,
        on_day(province.context, day),
        services().blobs,
        actor,
        apps.NewCase(item="issue", applicant=APPLICANT, form={"categories": [1]}, uploads=[upload]),
    )


def take(
    session: Session,
    province: Province,
    actor: Staff,
    case: Application,
    name: str,
    day: dt.date = DAY,
    **given,
) -> None:  # type: ignore[no-untyped-def]
    """Take step ``name`` of ``case`` on ``day``."""
    apps.act(
        session,
        on_day(province.context, day),
        services().blobs,
        actor,
        case.id,
        name,
        apps.StepInput(**given),
        expected=case.next_sequence,
    )
