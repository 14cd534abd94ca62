"""The printable certificate: text a PDF library can read, and a QR that decodes from the rendered
page (100 and 150 dpi, clean and after ten everyday degradations) to a link to the check page that
verifies offline and online; the paper of a renewed certificate says superseded."""

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
from PIL import Image, ImageChops, ImageFilter
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEvent, HolderPhoto
from app.renderers.pdf import CertificateSheet, certificate_pdf
from app.services import certificates as certs
from app.services import photos
from app.services.presentations import printed_code
from signing import KeySet, Verifier, sign_printed

from ..helpers import T0, facts, id_number, keys
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
    assert symbol.text.startswith("https://rtc.example.cn/v/")
    verified = Verifier(KeySet(province.context.keys.published(now=2_000_000_000))).verify(symbol.text)
    assert verified.kind == "printed"
    assert verified.identifier == version.identifier
    assert verified.holder == {"name": "张三明", "id": HOLDER}
    page = client.get(symbol.text.removeprefix("https://rtc.example.cn")).get_data(as_text=True)
    assert "verdict-good" in page and "张*明" in page and version.identifier in page
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


def _perspective(dst: list[tuple[float, float]], src: list[tuple[float, float]]) -> list[float]:
    """The 8 coefficients of PIL's perspective transform taking ``dst`` corners to ``src``."""
    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u])
        rows.append([0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v])
    for i in range(8):  # Gauss-Jordan elimination
        pivot = max(range(i, 8), key=lambda r: abs(rows[r][i]))
        rows[i], rows[pivot] = rows[pivot], rows[i]
        for r in range(8):
            if r != i:
                factor = rows[r][i] / rows[i][i]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[i], strict=True)]
    return [rows[i][8] / rows[i][i] for i in range(8)]


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return Image.open(io.BytesIO(out.getvalue()))


def _tilted(image: Image.Image) -> Image.Image:
    w, h = image.size
    corners = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)]
    seen = [(w * 0.08, h * 0.04), (w * 0.976, 0.0), (w, h), (0.0, h * 0.92)]
    return image.transform(
        (w, h),
        Image.Transform.PERSPECTIVE,
        _perspective(corners, seen),
        Image.Resampling.BILINEAR,
        fillcolor=255,
    )


def _shadowed(image: Image.Image) -> Image.Image:
    light = Image.linear_gradient("L").resize(image.size).point(lambda v: 255 - v // 2)
    return ImageChops.darker(image, light)


DEGRADATIONS = {
    "clean": lambda im: im,
    "blur": lambda im: im.filter(ImageFilter.GaussianBlur(1.0)),
    "strong blur": lambda im: im.filter(ImageFilter.GaussianBlur(1.5)),
    "JPEG quality 15": lambda im: _jpeg(im, 15),
    "perspective": _tilted,
    "low contrast": lambda im: im.point(lambda v: 110 + v * 60 // 255),
    "third size": lambda im: im.resize((im.width // 3, im.height // 3), Image.Resampling.BILINEAR),
    "rotated 8 degrees": lambda im: im.rotate(8, Image.Resampling.BILINEAR, expand=True, fillcolor=255),
    "noise": lambda im: Image.blend(im, Image.effect_noise(im.size, 40), 0.25),
    "shadow": _shadowed,
}
"""Everyday ways a printed page is scanned badly (photocopied, photographed, faxed, scaled down)."""


@pytest.mark.parametrize("dpi", [100, 150])
def test_printed_code_decodes_after_every_degradation(tmp_path: Path, dpi: int) -> None:
    """The printed code (realistic host, typical certificate) decodes from a render of the PDF at
    ``dpi`` after each degradation, and verifies."""
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (Debian package poppler-utils) is required")
    cert, _ = keys()
    good = facts()
    link = f"https://dzzz.jt.hainan.gov.cn/v/{sign_printed(good, cert, now=T0)}"
    sheet = CertificateSheet(
        holder_name=good.holder_name,
        sex="M",
        id_number=good.holder_id,
        number=good.number,
        categories=list(good.categories),
        first_issued=good.first_issued,
        valid_from=good.valid_from,
        valid_until=good.valid_until,
        issuer_name=good.issuer_name,
        identifier=str(good.identifier),
        code=link,
    )
    (tmp_path / "c.pdf").write_bytes(certificate_pdf(sheet))
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-gray",
            "-png",
            "-singlefile",
            str(tmp_path / "c.pdf"),
            str(tmp_path / "p"),
        ],
        check=True,
    )
    page = Image.open(tmp_path / "p.png").convert("L")
    failed = [
        name
        for name, degrade in DEGRADATIONS.items()
        if link
        not in (s.text for s in zxingcpp.read_barcodes(degrade(page), formats=zxingcpp.BarcodeFormat.QRCode))
    ]
    assert failed == []
    assert Verifier(KeySet([cert.public])).verify(link, at=T0 + 60).kind == "printed"


def test_printed_code_of_a_reissued_certificate_says_superseded(
    client: FlaskClient, session: Session, province: Province
) -> None:
    admin = province.actor(session, "jinan_admin")
    cert = certs.issue(
        session, province.context, admin, certs.IssueRequest(id_number("37010219850611003"), "王五", [1])
    ).certificate
    session.commit()
    old = printed_code(province.context, cert, certs.current_version(cert))
    assert client.get(old.removeprefix("https://rtc.example.cn")).status_code == 200
    certs.perform(session, province.context, admin, "reissue", cert.id, expected_version=1)
    session.commit()
    page = client.get(old.removeprefix("https://rtc.example.cn")).get_data(as_text=True)
    assert "这是旧版本证件，已有新版本" in page and "无效" in page
    new = printed_code(province.context, cert, certs.current_version(cert))
    assert "verdict-good" in client.get(new.removeprefix("https://rtc.example.cn")).get_data(as_text=True)
