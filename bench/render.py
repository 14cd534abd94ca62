"""Rendering and signing on one core: printable PDFs per second (each with its printed code signed
for it, as a download does), presentations signed per second,
and server-rendered presentation QR images per second against zxing-cpp's encoder on the same
text, in the same run."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import zxingcpp
from PIL import Image

from app.renderers.pdf import CertificateSheet, certificate_pdf
from app.renderers.qr import png, presentation_qr
from app.services.photos import reencode
from signing import presentation_url, sign_presentation, sign_printed
from tests.helpers import T0, facts, keys

from .table import Row


def _rate(call: Callable[[], object], seconds: float = 3.0) -> float:
    call()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        call()
        count += 1
    return count / (time.perf_counter() - start)


def _photo() -> bytes:
    """A holder photo as the service stores it (re-encoded 390x567 JPEG of a noisy picture)."""
    picture = io.BytesIO()
    Image.effect_noise((600, 800), 60).convert("RGB").save(picture, "JPEG", quality=90)
    return reencode(picture.getvalue())


def run() -> list[Row]:
    """PDF and QR rendering rates."""
    cert, pres = keys()
    good = facts()
    host = "https://dzzz.jt.hainan.gov.cn"

    def sheet() -> CertificateSheet:
        return CertificateSheet(
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
            code=presentation_url(host, sign_printed(good, cert, now=T0)),
            photo=photo,
        )

    photo = _photo()
    pdfs = _rate(lambda: certificate_pdf(sheet()))
    signs = _rate(lambda: sign_presentation(good, pres, now=T0))
    url = presentation_url(host, sign_presentation(good, pres, now=T0))
    ours = _rate(lambda: png(presentation_qr(url)))
    theirs = _rate(
        lambda: zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_image(scale=6)
    )
    return [
        Row(
            "certificate PDF with photo and printed code (1 core)",
            f"{pdfs:,.0f}/s",
            "",
            None,
            ">= 200/s",
            pdfs >= 200,
        ),
        Row("presentations signed (1 core)", f"{signs:,.0f}/s", "", None, "(reported)"),
        Row(
            "presentation QR PNG (segno)",
            f"{ours:,.0f}/s",
            f"zxing-cpp encoder {theirs:,.0f}/s",
            ours / theirs,
            "(reported)",
        ),
    ]
