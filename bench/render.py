"""Rendering and signing on one core: printable PDFs per second (each with its printed code signed
for it, as a download does), presentations signed per second, and server-rendered presentation QR
images per second: qrcode + Pillow with the fixed mask the service uses, against qrcode's mask
search, segno (the library before; development only) and zxing-cpp's encoder, on the same text in
the same run. All but zxing-cpp (one byte segment, so a larger symbol) make the same version."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import segno
import zxingcpp
from PIL import Image
from segno import consts

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
    searched = _rate(lambda: png(presentation_qr(url, mask=None)))
    prefix, payload = url.rsplit("/v/", 1)
    segments = [(prefix + "/v/", consts.MODE_BYTE), (payload, consts.MODE_NUMERIC)]
    symbol = segno.make(segments, error="m", boost_error=False, micro=False)  # type: ignore[arg-type]
    before = _rate(lambda: _segno_png(segments))
    theirs = _rate(
        lambda: zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_image(scale=6)
    )
    version = presentation_qr(url).version
    same = presentation_qr(url, mask=None).version == symbol.version == version
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
            f"presentation QR PNG v{version} (qrcode, fixed mask)",
            f"{ours:,.0f}/s",
            f"segno {before:,.0f}/s; qrcode mask search {searched:,.0f}/s; zxing-cpp {theirs:,.0f}/s",
            ours / before,
            "same version as segno; >= segno",
            same and ours >= before,
        ),
    ]


def _segno_png(segments: list[tuple[str, int]]) -> bytes:
    out = io.BytesIO()
    code = segno.make(segments, error="m", boost_error=False, micro=False)  # type: ignore[arg-type]
    code.save(out, kind="png", scale=6, border=4)
    return out.getvalue()
