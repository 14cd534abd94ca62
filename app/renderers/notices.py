"""The printed notices of a case (办件): the acceptance notice (受理通知书) with a QR to check the
case's progress, the one-time notice of missing materials (一次性告知书), and the refusal notices
(不予受理通知书, 不予许可决定书). Data in, PDF bytes out: the words (item, materials) come in as
the caller found them, in Chinese.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from .pdf import FONT, _date, _qr

LEFT = 25 * mm
TEXT_WIDTH = A4[0] - 2 * LEFT
APPEAL = (
    "如不服本决定，可以自收到本通知书之日起六十日内依法申请行政复议，"
    "或者自收到本通知书之日起六个月内依法向人民法院提起行政诉讼。"
)


@dataclass(frozen=True)
class CaseHeading:
    """What every notice of a case names."""

    case_number: str
    applicant_name: str
    applicant_id_number: str
    item_name: str
    authority_name: str
    submitted_on: dt.date


def wrap(text: str, size: float, width: float = TEXT_WIDTH) -> list[str]:
    """``text`` broken into lines no wider than ``width`` at font size ``size`` (Chinese text has no
    spaces to break at: any character may start a line)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for char in paragraph:
            if line and stringWidth(line + char, FONT, size) > width:
                lines.append(line)
                line = char
            else:
                line += char
        lines.append(line)
    return lines


class _Sheet:
    """One A4 page written top down."""

    def __init__(self, title: str, heading: CaseHeading) -> None:
        self.out = io.BytesIO()
        self.canvas = Canvas(self.out, pagesize=A4, invariant=True)
        self.canvas.setTitle(f"{title} {heading.case_number}")
        self.canvas.setAuthor(heading.authority_name)
        width, height = A4
        self.canvas.setFont(FONT, 20)
        self.canvas.drawCentredString(width / 2, height - 30 * mm, title)
        self.canvas.setFont(FONT, 11)
        self.canvas.drawRightString(width - LEFT, height - 40 * mm, f"办件编号：{heading.case_number}")
        self.y = height - 52 * mm

    def text(self, text: str, size: float = 12, *, indent: float = 0, gap: float = 2.5 * mm) -> None:
        self.canvas.setFont(FONT, size)
        for line in wrap(text, size, TEXT_WIDTH - indent):
            self.canvas.drawString(LEFT + indent, self.y, line)
            self.y -= size * 1.7  # points: a line and a little
        self.y -= gap

    def signature(self, authority: str, day: dt.date) -> None:
        self.y -= 8 * mm
        self.canvas.setFont(FONT, 12)
        right = A4[0] - LEFT
        self.canvas.drawRightString(right, self.y, f"{authority}（印章）")
        self.canvas.drawRightString(right, self.y - 8 * mm, _date(day))
        self.y -= 16 * mm

    def done(self) -> bytes:
        self.canvas.showPage()
        self.canvas.save()
        return self.out.getvalue()


def _opening(sheet: _Sheet, heading: CaseHeading) -> None:
    sheet.text(f"{heading.applicant_name}（身份证号码 {heading.applicant_id_number}）：")
    sheet.text(f"你于{_date(heading.submitted_on)}提出的{heading.item_name}申请，", indent=8 * mm, gap=0)


def acceptance_notice_pdf(
    heading: CaseHeading, *, accepted_on: dt.date, time_limit: int, due: dt.date | None, progress_url: str
) -> bytes:
    """受理通知书: the case is accepted, to be decided within ``time_limit`` working days (by
    ``due``); the QR opens the public progress page of the case."""
    sheet = _Sheet("受理通知书", heading)
    _opening(sheet, heading)
    sheet.text(f"经审查，申请材料齐全、符合法定形式，本机关决定予以受理（受理日期：{_date(accepted_on)}）。")
    promised = f"本机关将在受理之日起{time_limit}个工作日内作出决定"
    sheet.text(f"{promised}（{_date(due)}前）。" if due else f"{promised}。")
    sheet.text(
        "补齐补正材料期间不计入办理时限。可扫描下方二维码或登录本系统，凭办件编号和身份证号码查询办理进度。"
    )
    sheet.text(f"实施机关：{heading.authority_name}")
    sheet.signature(heading.authority_name, accepted_on)
    size = 40 * mm
    _qr(sheet.canvas, progress_url, A4[0] / 2 - size / 2, sheet.y - size, size)
    sheet.canvas.setFont(FONT, 9)
    sheet.canvas.drawCentredString(A4[0] / 2, sheet.y - size - 5 * mm, f"办理进度查询：{progress_url}")
    return sheet.done()


def missing_materials_notice_pdf(
    heading: CaseHeading, *, notified_on: dt.date, missing: Sequence[str], opinion: str
) -> bytes:
    """一次性告知书: every material still missing, in words, and the opinion, told once."""
    sheet = _Sheet("补齐补正材料一次性告知书", heading)
    _opening(sheet, heading)
    sheet.text("经审查，申请材料不齐全或者不符合法定形式。现一次性告知你需要补齐补正的全部内容如下：")
    for number, name in enumerate(missing, start=1):
        sheet.text(f"{number}. {name}", indent=8 * mm, gap=0)
    sheet.y -= 2.5 * mm
    if opinion:
        sheet.text(f"具体意见：{opinion}")
    sheet.text("请补齐补正上述材料后重新提交。补齐补正材料期间不计入办理时限。")
    sheet.signature(heading.authority_name, notified_on)
    return sheet.done()


def refusal_notice_pdf(
    heading: CaseHeading, *, decided_on: dt.date, reason: str, at_acceptance: bool
) -> bytes:
    """不予受理通知书 (``at_acceptance``) or 不予许可决定书, with the reason and the applicant's
    rights of appeal."""
    title = "不予受理通知书" if at_acceptance else "不予许可决定书"
    decision = "本机关决定不予受理" if at_acceptance else "本机关决定不予许可"
    sheet = _Sheet(title, heading)
    _opening(sheet, heading)
    sheet.text(f"经审查，{decision}。理由如下：")
    sheet.text(reason, indent=8 * mm)
    sheet.text(APPEAL)
    sheet.signature(heading.authority_name, decided_on)
    return sheet.done()
