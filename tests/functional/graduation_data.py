"""Graduation certificates for page tests: registered training schools, a small real PDF made with
reportlab, and pushes through the service (exactly what the partner API stores)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select

from app.db import get_session
from app.models import Practitioner, TrainingSchool
from app.services import graduation, holders
from app.services.container import services

from ..helpers import id_number
from ..registry import Province
from .partner_helpers import pdf as make_pdf

JINAN_SCHOOL = "52370100MJD0000012"
QINGDAO_SCHOOL = "52370200MJD000002A"
UNKNOWN_SCHOOL = "52370300MJD000003J"
SCHOOL_NAMES = {JINAN_SCHOOL: "历下驾校", QINGDAO_SCHOOL: "青岛顺达驾校"}

ZHANG = id_number("37010219900307123")  # male
LI = id_number("11010519491231002")  # female
WANG = id_number("37030319850101051")  # male
XIAO = id_number("37010219950505062")  # female
HOLDER_PASSWORD = "holder password"


def add_schools(app: Flask) -> None:
    """A school in a Jinan county and one in Qingdao city; UNKNOWN_SCHOOL stays unregistered."""
    with app.app_context():
        session = get_session()
        session.add_all(
            [
                TrainingSchool(
                    credit_code=JINAN_SCHOOL, name=SCHOOL_NAMES[JINAN_SCHOOL], region_code="370102"
                ),
                TrainingSchool(
                    credit_code=QINGDAO_SCHOOL, name=SCHOOL_NAMES[QINGDAO_SCHOOL], region_code="370200"
                ),
            ]
        )
        session.commit()


def push(
    app: Flask,
    number: str,
    *,
    id_no: str,
    name: str,
    sex: str,
    training_type: str,
    school: str,
    completed_on: str,
    pdf: bytes | None = None,
) -> tuple[int, bytes]:
    """Push one certificate through :func:`graduation.receive`; returns (row id, PDF bytes)."""
    body = pdf if pdf is not None else make_pdf(f"Graduation certificate {number} {completed_on}")
    raw = {
        "certificate_number": number,
        "student_id_number": id_no,
        "name": name,
        "sex": sex,
        "training_type": training_type,
        "school_credit_code": school,
        "period_start": "2024-09-01",
        "period_end": completed_on,
        "completed_on": completed_on,
    }
    with app.app_context():
        session = get_session()
        outcome = graduation.receive(
            session,
            services(app).blobs,
            raw=raw,
            stream=io.BytesIO(body),
            limit=app.config["GRADUATION_PDF_MAX_BYTES"],
            types=graduation.training_types(app.config["TRAINING_TYPES"]),
            client=None,
            source="push",
            actor="test",
            today=dt.date(2026, 1, 1),
        )
        session.commit()
        return outcome.certificate.id, body


@dataclass
class Pushed:
    """Ids and PDFs of the standard set (see :func:`standard_set`)."""

    ids: dict[str, int]
    pdfs: dict[str, bytes]


def standard_set(app: Flask) -> Pushed:
    """JN-001 (Jinan school, A2), QD-001 (Qingdao school, B2), ZB-001 (unregistered school,
    general cargo) and JN-002 (Jinan school, B2) in two revisions: ``JN-002@1`` then ``JN-002``."""
    add_schools(app)
    rows = [
        ("JN-001", ZHANG, "张三明", "M", "A2", JINAN_SCHOOL, "2025-03-10"),
        ("QD-001", LI, "李四", "F", "B2", QINGDAO_SCHOOL, "2025-05-20"),
        ("ZB-001", WANG, "王五", "M", "general_cargo", UNKNOWN_SCHOOL, "2025-01-05"),
        ("JN-002@1", XIAO, "张小红", "F", "B2", JINAN_SCHOOL, "2025-05-30"),
        ("JN-002", XIAO, "张小红", "F", "B2", JINAN_SCHOOL, "2025-06-01"),
    ]
    pushed = Pushed({}, {})
    for key, id_no, name, sex, training_type, school, completed_on in rows:
        pushed.ids[key], pushed.pdfs[key] = push(
            app,
            key.partition("@")[0],
            id_no=id_no,
            name=name,
            sex=sex,
            training_type=training_type,
            school=school,
            completed_on=completed_on,
        )
    return pushed


def holder_account(app: Flask, province: Province, id_no: str) -> None:
    """Open a holder account (activation code from a Jinan administrator) for a practitioner the
    graduation pushes created."""
    with app.app_context():
        session = get_session()
        admin = province.actor(session, "jinan_admin")
        found = session.scalars(select(Practitioner).filter_by(id_number=id_no)).one()
        code = holders.new_activation_code(session, found, admin)
        session.commit()
        holders.activate(session, id_no, code, HOLDER_PASSWORD)
        session.commit()
