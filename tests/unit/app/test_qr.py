"""Every QR image the server draws (qrcode + Pillow), read back by a real decoder (zxing-cpp): the
exact text, level M, the fixed mask, and the symbol version the byte + numeric segments need (the
versions segno made for the same text before the change)."""

from __future__ import annotations

import io

import pytest
import qrcode.util
import zxingcpp
from PIL import Image

from app.renderers.qr import BYTE_MODE, MASK, NUMERIC_MODE, png, presentation_qr
from signing import presentation_url, sign_presentation

from ...helpers import T0, facts, keys

SHORT = "https://rtc.example.cn/v/"


def _read(image: bytes) -> zxingcpp.Barcode:
    (symbol,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(image)), formats=zxingcpp.BarcodeFormat.QRCode)
    return symbol


@pytest.mark.parametrize(
    ("url", "version"),
    [
        (SHORT + "7", 3),
        (SHORT + "7" * 100, 5),
        (SHORT + "7" * 301, 8),  # 301 digits still fit version 8, 302 do not: numeric mode
        (SHORT + "7" * 302, 9),
        (SHORT + "7" * 500, 11),
        ("hello", 1),  # not a presentation link: one byte segment
        (SHORT + "12a", 3),
    ],
)
@pytest.mark.parametrize("mask", [MASK, None])
def test_image_decodes_to_the_exact_text_at_the_expected_version(
    url: str, version: int, mask: int | None
) -> None:
    symbol = presentation_qr(url, mask=mask)
    assert symbol.version == version and len(symbol.modules) == 4 * version + 17
    read = _read(png(symbol))
    assert read.text == url
    assert read.extra["Version"] == str(version) and read.extra["ECLevel"] == "M"
    assert read.extra["DataMask"] == symbol.mask
    if mask is not None:
        assert symbol.mask == MASK


@pytest.mark.parametrize("alg", ["EdDSA", "ES256"])
@pytest.mark.parametrize("host", ["https://dzzz.jt.hainan.gov.cn", "https://rtc.example.cn"])
def test_real_presentation_is_version_10_and_decodes(alg: str, host: str) -> None:
    _, pres = keys(alg)
    url = presentation_url(host, sign_presentation(facts(), pres, now=T0))
    for scale in (2, 4, 6):
        read = _read(png(presentation_qr(url), scale=scale))
        assert read.text == url and read.extra["Version"] == "10"


def test_image_size_and_quiet_zone() -> None:
    symbol = presentation_qr(SHORT + "123")
    image = Image.open(io.BytesIO(png(symbol, scale=5, border=4)))
    side = (len(symbol.modules) + 8) * 5
    assert image.size == (side, side) and image.format == "PNG"
    assert image.convert("L").crop((0, 0, side, 20)).getextrema() == (255, 255)  # white quiet zone


def test_mode_constants_are_qrcodes() -> None:
    assert BYTE_MODE == qrcode.util.MODE_8BIT_BYTE and NUMERIC_MODE == qrcode.util.MODE_NUMBER
