"""The printed notices of a case: text a PDF library reads back (case number, applicant, item,
dates, time limit, authority, the missing materials in words, the reason), a QR read from the
rendered page that opens the progress page of the case, offered only once the case has reached the
notice's step, seen only by staff who see the case, and each print audited."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from flask.testing import FlaskClient
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEvent

from ..registry import Province
from .admin_client import login
from .case_data import APPLICANT_ID, new_case, passed_exam, take


def _text(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def _qr(pdf: bytes, folder: Path) -> str:
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (Debian package poppler-utils) is required")
    (folder / "notice.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(folder / "notice.pdf"), str(folder / "page")],
        check=True,
    )
    (symbol,) = zxingcpp.read_barcodes(Image.open(folder / "page.png"), formats=zxingcpp.BarcodeFormat.QRCode)
    return symbol.text


def test_acceptance_notice_names_the_case_and_its_qr_opens_the_progress_page(
    client: FlaskClient, session: Session, province: Province, tmp_path: Path
) -> None:
    admin = province.actor(session, "jinan_admin")
    passed_exam(session)
    case = new_case(session, province, admin)
    url = f"/admin/applications/{case.id}/acceptance-notice.pdf"
    session.commit()
    login(client, "jinan_clerk")
    assert client.get(url).status_code == 404  # not accepted yet: no acceptance notice
    take(session, province, admin, case, "accept")
    session.commit()
    response = client.get(url)
    text = _text(response)
    for expected in (
        "受理通知书",
        case.case_number,
        "王小明",
        APPLICANT_ID,
        "从业资格证核发",
        "2026年3月2日",  # accepted
        "5个工作日",
        "2026年3月9日",  # due
        "济南市交通运输局",
    ):
        assert expected in text, expected
    assert _qr(response.data, tmp_path) == f"https://rtc.example.cn/progress?case={case.case_number}"
    # The QR's address opens the progress page with the case number filled in.
    page = client.get(f"/progress?case={case.case_number}").get_data(as_text=True)
    assert f'value="{case.case_number}"' in page
    printed = session.scalars(select(AuditEvent).where(AuditEvent.action == "application.notice_pdf")).all()
    assert [(e.actor, e.target_id, e.after) for e in printed] == [
        ("jinan_clerk", case.case_number, {"notice": "acceptance"})
    ]


def test_one_time_notice_lists_the_missing_materials_in_words_and_the_opinion(
    client: FlaskClient, session: Session, province: Province
) -> None:
    admin = province.actor(session, "jinan_admin")
    case = new_case(session, province, admin)
    url = f"/admin/applications/{case.id}/missing-materials-notice.pdf"
    session.commit()
    login(client, "jinan_admin")
    assert client.get(url).status_code == 404
    take(
        session,
        province,
        admin,
        case,
        "notify",
        opinion="体检证明已过期",
        missing=["health_certificate", "photo"],
    )
    session.commit()
    text = _text(client.get(url))
    for expected in (
        "一次性告知书",
        case.case_number,
        "1. 体检合格证明",
        "2. 申请人近期照片",
        "体检证明已过期",
    ):
        assert expected in text, expected
    assert "health_certificate" not in text


@pytest.mark.parametrize(
    ("steps", "title"),
    [
        ((("refuse", "不属于本机关职权范围"),), "不予受理通知书"),
        ((("accept", ""), ("reject", "不合格"), ("deny", "考试成绩不合格")), "不予许可决定书"),
    ],
)
def test_refusal_notice_gives_the_reason_and_the_right_of_appeal(
    client: FlaskClient, session: Session, province: Province, steps: tuple[tuple[str, str], ...], title: str
) -> None:
    admin = province.actor(session, "jinan_admin")
    case = new_case(session, province, admin)
    url = f"/admin/applications/{case.id}/refusal-notice.pdf"
    session.commit()
    login(client, "jinan_admin")
    for name, opinion in steps:
        assert client.get(url).status_code == 404  # not refused (yet)
        take(session, province, admin, case, name, opinion=opinion)
        session.commit()
    text = _text(client.get(url))
    reason = steps[-1][1]
    for expected in (title, case.case_number, reason, "行政复议", "济南市交通运输局"):
        assert expected in text, expected


def test_staff_of_another_authority_and_inspectors_do_not_get_notices(
    client: FlaskClient, session: Session, province: Province
) -> None:
    admin = province.actor(session, "jinan_admin")
    case = new_case(session, province, admin)
    take(session, province, admin, case, "accept")
    session.commit()
    url = f"/admin/applications/{case.id}/acceptance-notice.pdf"
    login(client, "qingdao_admin")
    assert client.get(url).status_code == 404
    assert client.get(f"/admin/applications/{case.id + 1000}/acceptance-notice.pdf").status_code == 404
    login(client, "province")
    assert client.get(url).status_code == 200  # the province sees every case
    login(client, "jinan_inspector")
    assert client.get(url).status_code in (403, 404)
    printed = session.scalars(
        select(AuditEvent.actor).where(AuditEvent.action == "application.notice_pdf")
    ).all()
    assert printed == ["province"]


def test_the_case_page_gets_links_to_the_notices_it_may_print(
    app, session: Session, province: Province
) -> None:  # type: ignore[no-untyped-def]
    from app.web.application_notices import notice_links

    admin = province.actor(session, "jinan_admin")
    case = new_case(session, province, admin)
    take(session, province, admin, case, "accept")
    take(session, province, admin, case, "notify", opinion="缺照片", missing=["photo"])
    with app.test_request_context():
        links = [(url, str(label)) for url, label in notice_links(case)]
    assert [url for url, _ in links] == [
        f"/admin/applications/{case.id}/acceptance-notice.pdf",
        f"/admin/applications/{case.id}/missing-materials-notice.pdf",
    ]
