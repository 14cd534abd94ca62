"""The printable certificate: an A4 PDF with the holder's details, categories, validity, issuer,
identifier, and a QR code that is a link to the check page (``https://<host>/v/<digits>``: the
version signed by the issuing authority, see :func:`signing.sign_printed`), which any phone's
scanner opens and any verifier reads offline.

Chinese text uses the STSong-Light CID font that PDF readers supply, so no font file ships; the
QR is embedded as a 1-bit image at one pixel a module, which PDF viewers and printers scale
without smoothing.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

import zxingcpp
from PIL import Image
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from signing import CATEGORIES_BY_CODE, LICENCE_NAME

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
rl_config.useA85 = 0  # binary streams: smaller files, and no ASCII85 pass over every image


@dataclass(frozen=True)
class CertificateSheet:
    """What the printed certificate shows."""

    holder_name: str
    sex: str
    id_number: str
    number: str
    categories: list[int]
    first_issued: dt.date
    valid_from: dt.date
    valid_until: dt.date
    issuer_name: str
    identifier: str
    code: str
    """The QR text: the printed code's link."""
    photo: bytes | None = None
    """The approved photo (JPEG, 390x567), embedded as it is."""


def _date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    # zxing-cpp's encoder (it splits the link into a byte and a numeric segment as segno does, for
    # the same version, in a fraction of the time; see bench/). The symbol goes in as a 1-bit
    # inline image, one pixel a module: an 8-bit image XObject costs a millisecond in zlib alone.
    symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    bitmap = symbol.to_image(scale=1, add_quiet_zones=True)
    height, width = bitmap.shape
    pixels = bytes(bitmap)  # type: ignore[call-overload]  # a buffer, though zxing-cpp's stub does not say so
    bits = Image.frombuffer("L", (width, height), pixels, "raw", "L", 0, 1).convert("1").tobytes()
    canvas.saveState()
    canvas.transform(size, 0, 0, size, x, y)
    canvas.addLiteral(f"BI /W {width} /H {height} /BPC 1 /CS /G /F /AHx ID {bits.hex()}> EI")
    canvas.restoreState()


PHOTO_WIDTH, PHOTO_HEIGHT = 33 * mm, 48 * mm  # the proportions of the stored 390x567 photo


class _Jpeg(ImageReader):
    """A JPEG that goes into the PDF as it is (a DCT stream). ReportLab names an image by hashing
    its decoded pixels, which it caches; priming that cache with the file's own bytes keeps the
    JPEG from being decoded at all (the decode was two thirds of a certificate's rendering)."""

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self._data, self._dataA = data, None


def _photo(canvas: Canvas, jpeg: bytes | None, x: float, y: float) -> None:
    canvas.setLineWidth(0.5)
    canvas.rect(x, y, PHOTO_WIDTH, PHOTO_HEIGHT)
    if jpeg is None:
        canvas.setFont(FONT, 10)
        canvas.drawCentredString(x + PHOTO_WIDTH / 2, y + PHOTO_HEIGHT / 2, "（照片未审核）")
        return
    canvas.drawImage(_Jpeg(jpeg), x, y, PHOTO_WIDTH, PHOTO_HEIGHT)


def certificate_pdf(sheet: CertificateSheet) -> bytes:
    """Render ``sheet`` as a one-page PDF."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=True)
    canvas.setTitle(f"{LICENCE_NAME} {sheet.number}")
    canvas.setAuthor(sheet.issuer_name)
    width, height = A4
    canvas.setFont(FONT, 22)
    canvas.drawCentredString(width / 2, height - 30 * mm, f"中华人民共和国{LICENCE_NAME}")
    canvas.setFont(FONT, 11)
    canvas.drawCentredString(width / 2, height - 38 * mm, "（电子证照打印件，扫描二维码核验真伪）")
    rows = [  # (label, lines): the categories come last, one a line, clear of the photo
        ("姓名", [sheet.holder_name]),
        ("性别", ["男" if sheet.sex == "M" else "女"]),
        ("身份证号码", [sheet.id_number]),
        ("证号", [sheet.number]),
        ("初次领证日期", [_date(sheet.first_issued)]),
        ("有效期", [f"{_date(sheet.valid_from)} 至 {_date(sheet.valid_until)}"]),
        ("发证机关", [sheet.issuer_name]),
        ("从业资格类别", [CATEGORIES_BY_CODE[c].name_zh for c in sheet.categories]),
    ]
    y = height - 58 * mm
    for label, lines in rows:
        canvas.setFont(FONT, 12)
        canvas.drawString(25 * mm, y, label)
        canvas.setFont(FONT, 13)
        for line in lines:
            canvas.drawString(60 * mm, y, line)
            y -= 6.5 * mm
        y -= 3.5 * mm
    _photo(canvas, sheet.photo, width - 25 * mm - PHOTO_WIDTH, height - 50 * mm - PHOTO_HEIGHT)
    canvas.setFont(FONT, 9)
    canvas.drawString(25 * mm, y - 2 * mm, "电子证照标识")
    canvas.drawString(60 * mm, y - 2 * mm, sheet.identifier)
    _qr(canvas, sheet.code, width / 2 - 35 * mm, 25 * mm, 70 * mm)
    canvas.setFont(FONT, 9)
    canvas.drawCentredString(width / 2, 18 * mm, "本二维码含发证机关的电子签名，可用任意核验端离线验证。")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def sheet_for(certificate: Any, version: Any, photo: bytes | None, code: str) -> CertificateSheet:
    """The sheet for a stored certificate, one of its versions, the holder's approved photo and the
    printed code (:func:`app.services.presentations.printed_code`)."""
    return CertificateSheet(
        holder_name=version.holder_name,
        sex=certificate.practitioner.sex,
        id_number=certificate.practitioner.id_number,
        number=certificate.number,
        categories=list(version.categories),
        first_issued=certificate.first_issued,
        valid_from=version.valid_from,
        valid_until=version.valid_until,
        issuer_name=certificate.authority.name,
        identifier=version.identifier,
        code=code,
        photo=photo,
    )


@dataclass(frozen=True)
class ActivationNotice:
    """What an activation notice says to its holder."""

    holder_name: str
    masked_id: str
    code: str
    """As shown: ``ABCDE-12345``."""
    expires: dt.date
    url: str
    issuer_name: str


def _notice_page(canvas: Canvas, notice: ActivationNotice) -> None:
    """One notice on the canvas's current page, which it ends."""
    width, height = A4
    canvas.setFont(FONT, 20)
    canvas.drawCentredString(width / 2, height - 30 * mm, "道路运输从业人员电子证照 激活通知书")
    lines = [
        f"持证人：{notice.holder_name}（身份证号码 {notice.masked_id}）",
        f"激活码：{notice.code}",
        f"有效期至：{_date(notice.expires)}",
        "",
        "开通方法：",
        f"1. 用手机浏览器打开 {notice.url}",
        "2. 输入本人身份证号码和上面的激活码，并设置登录密码；",
        "3. 登录后即可亮证（出示动态二维码）、下载证照、上传照片。",
        "",
        "请妥善保管本通知书，不要把激活码告诉他人。激活码只能使用一次。",
        f"发证机关：{notice.issuer_name}",
    ]
    y = height - 50 * mm
    for line in lines:
        canvas.setFont(FONT, 16 if line.startswith("激活码") else 12)
        canvas.drawString(25 * mm, y, line)
        y -= 10 * mm
    canvas.showPage()


def activation_notices_pdf(notices: Iterable[ActivationNotice], out: IO[bytes]) -> None:
    """Write the notices to ``out`` as one PDF, one notice a page (the batch's notices)."""
    canvas = Canvas(out, pagesize=A4, invariant=True)
    canvas.setTitle("电子证照激活通知书")
    for notice in notices:
        _notice_page(canvas, notice)
    canvas.save()


def activation_notice_pdf(
    *, holder_name: str, masked_id: str, code: str, expires: dt.date, url: str, issuer_name: str
) -> bytes:
    """The notice handed to the holder: how to open their phone account with the code."""
    out = io.BytesIO()
    activation_notices_pdf([ActivationNotice(holder_name, masked_id, code, expires, url, issuer_name)], out)
    return out.getvalue()
