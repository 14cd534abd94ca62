"""The printable certificate: text a PDF library can read, and a QR that decodes from the rendered
page to a credential that verifies."""

from __future__ import annotations

import datetime as dt
import hashlib
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

from app.models import AuditEvent, HolderPhoto
from app.services import certificates as certs
from app.services import photos
from signing import KeySet, Verifier

from ..helpers import id_number
from ..registry import Province
from .admin_client import login

HOLDER = id_number()


def test_pdf_text_and_qr(client: FlaskClient, session: Session, province: Province, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (Debian package poppler-utils) is required")
    admin = province.actor(session, "jinan_admin")
    cert = certs.issue(
        session, province.context, admin, certs.IssueRequest(HOLDER, "张三明", [1, 2])
    ).certificate
    session.commit()
    version = certs.current_version(cert)
    login(client, "jinan_clerk")
    response = client.get(f"/admin/certificates/{cert.id}/certificate.pdf")
    assert response.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    for expected in (
        "道路运输从业人员从业资格证",
        "张三明",
        HOLDER,
        "济南市交通运输局",
        version.identifier,
        "经营性道路旅客运输驾驶员",
        "经营性道路货物运输驾驶员",
        "有效期",
        "（照片未审核）",
    ):
        assert expected in text
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(response.data)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True
    )
    (symbol,) = zxingcpp.read_barcodes(
        Image.open(tmp_path / "page.png"), formats=zxingcpp.BarcodeFormat.QRCode
    )
    assert symbol.text == version.credential
    verified = Verifier(KeySet(province.context.keys.published(now=2_000_000_000))).verify(symbol.text)
    assert verified.identifier == version.identifier
    downloads = session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.pdf")).all()
    assert [d.actor for d in downloads] == ["jinan_clerk"]


def test_pdf_carries_the_approved_photo(client: FlaskClient, session: Session, province: Province) -> None:
    admin = province.actor(session, "jinan_admin")
    cert = certs.issue(
        session, province.context, admin, certs.IssueRequest(id_number("37010219850611002"), "李四", [1])
    ).certificate
    session.commit()
    picture = io.BytesIO()
    Image.new("RGB", (600, 800), (200, 30, 30)).save(picture, "JPEG")
    jpeg = photos.reencode(picture.getvalue())
    pending = HolderPhoto(
        practitioner_id=cert.practitioner_id,
        data=jpeg,
        sha256=hashlib.sha256(jpeg).hexdigest(),
        state="pending",
        uploaded_at=dt.datetime.now(dt.UTC),
    )
    session.add(pending)
    session.commit()
    photos.review(session, pending, admin, approve=True)
    session.commit()
    login(client, "jinan_clerk")
    pdf = client.get(f"/admin/certificates/{cert.id}/certificate.pdf").data
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert "（照片未审核）" not in page.extract_text()
    assert [image.image.size for image in page.images if image.name.endswith(".jpg")] == [(390, 567)]
    assert jpeg in pdf  # the stored JPEG itself, not a re-encoded copy
