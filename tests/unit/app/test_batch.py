"""Batch issuance from spreadsheets: parsing quirks, per-row reports, all or nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.messages import MESSAGES
from app.models import AuditEvent, Certificate, CertificateVersion, HolderCategory
from app.services import certificates as certs
from app.services.audit import verify_chain
from app.services.batch import issue_batch, report_csv
from app.services.errors import RuleViolation
from app.services.spreadsheet import ParsedFile, ParsedRow, SpreadsheetError, read_rows

from ...helpers import id_number
from ...registry import Province

A, B, C = id_number("37010219900307123"), id_number("11010519491231002"), id_number("37010219850101001")


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_quirks_are_normalised() -> None:
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in A)  # full-width digits
    data = xlsx(
        [
            ["身份证号码", "姓名", "从业资格类别", "有效期起"],
            [wide, " 张三明 ", "经营性道路旅客运输驾驶员、cargo", 46347],
            [None, None, None, None],
            [B, "李四", "2", dt.date(2026, 12, 1)],
        ]
    )
    parsed = read_rows("batch.xlsx", data)
    assert parsed.errors == []
    first, second = parsed.rows
    assert first.id_number == A and first.name == "张三明" and first.categories == [1, 2]
    assert first.valid_from == dt.date(2026, 11, 21)  # Excel serial 46347
    assert second.row == 4 and second.valid_from == dt.date(2026, 12, 1)


def test_row_errors_name_row_and_column() -> None:
    text = f"身份证号码,姓名,从业资格类别,有效期起\n{A},张三,飞行员,2026-13-01\n{A},,cargo,\n"
    data = text.encode("gb18030")
    parsed = read_rows("batch.csv", data)
    texts = [(e.row, e.column, e.text()) for e in parsed.errors]
    assert texts == [  # what the file cannot say; the certificate rules come when rows are planned
        (2, "从业资格类别", "Unknown or empty category: 飞行员"),
        (2, "有效期起", "Not a date."),
    ]


def test_planning_reports_every_rule_by_row_and_column(session: Session, province: Province) -> None:
    rows = rows_for(
        f"{A},张三明,cargo", f"{A},张三,cargo", "123,李四,cargo", f"{C},{'王' * 51},taxi", f"{B},,cargo"
    )
    result = issue_batch(session, province.context, province.actor(session, "jinan_clerk"), rows)
    assert result.issued == 0
    assert [(e.row, e.column, e.text()) for e in result.errors] == [
        (3, "身份证号码", "The same ID number as row 2."),
        (4, "身份证号码", "An ID number has 18 characters: 17 digits, then a digit or X."),
        (5, "姓名", "The name must have 1 to 50 characters."),
        (6, "姓名", "The name must have 1 to 50 characters."),
    ]


BAD_NAMES = [
    "王" * 60,  # once signed by the batch although the form refused it
    "张\u202e三",  # a bidi override turns the name around on screen
    "\u200b\u200b",  # zero-width only: looks empty
    "张\n三",  # a line break
    "=HYPERLINK(1)",  # a spreadsheet formula
    "@王",
]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_one_name_rule_for_the_form_and_the_batch(session: Session, province: Province, name: str) -> None:
    actor = province.actor(session, "jinan_clerk")
    with pytest.raises(RuleViolation) as single:
        certs.issue(session, province.context, actor, certs.IssueRequest(A, name, [2]))
    result = issue_batch(
        session,
        province.context,
        actor,
        ParsedFile(rows=[ParsedRow(2, A, name, [2], None)]),
        all_or_nothing=False,
    )
    assert single.value.code in {"invalid_name", "invalid_name_characters"}
    assert result.issued == 0 and [(e.row, e.column) for e in result.errors] == [(2, "姓名")]
    assert result.errors[0].message == MESSAGES[single.value.code]
    assert session.scalar(select(func.count()).select_from(Certificate)) == 0


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.txt", b"x", "upload a .csv or .xlsx file"),
        ("a.csv", b"", "the file is empty"),
        ("a.csv", "姓名,类别\n张三,cargo\n".encode(), "missing columns: 身份证号码"),
        ("a.xlsx", b"not a zip", "not a readable .xlsx"),
    ],
)
def test_unreadable_files(name: str, data: bytes, message: str) -> None:
    with pytest.raises(SpreadsheetError, match=message):
        read_rows(name, data)


def rows_for(*lines: str):  # type: ignore[no-untyped-def]
    text = "身份证号码,姓名,从业资格类别\n" + "\n".join(lines) + "\n"
    return read_rows("b.csv", text.encode())


def test_all_or_nothing(session: Session, province: Province) -> None:
    actor = province.actor(session, "jinan_clerk")
    rows = rows_for(f"{A},张三明,cargo", "370102199003071230,坏号码,cargo", f"{C},王五,taxi")
    result = issue_batch(session, province.context, actor, rows)
    assert result.issued == 0
    assert [(e.row, e.column) for e in result.errors] == [(3, "身份证号码")]
    assert session.scalar(select(func.count()).select_from(Certificate)) == 0
    report = report_csv(result.errors).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(report)))[1][:2] == ["3", "身份证号码"]


def test_valid_rows_only_and_everything_written(session: Session, province: Province) -> None:
    actor = province.actor(session, "jinan_clerk")
    certs.issue(session, province.context, actor, certs.IssueRequest(B, "李四", [1]))
    rows = rows_for(f"{A},张三明,cargo;passenger", f"{B},李四,taxi", f"{C},王五,taxi")
    seen: list[int] = []
    result = issue_batch(session, province.context, actor, rows, all_or_nothing=False, progress=seen.append)
    assert result.issued == 2 and seen == [2]
    assert [e.text() for e in result.errors] == [
        f"The holder already has certificate {B}. To add categories, change that certificate."
    ]
    assert session.scalar(select(func.count()).select_from(Certificate)) == 3
    assert session.scalar(select(func.count()).select_from(HolderCategory)) == 1 + 2 + 1
    serials = sorted(session.scalars(select(Certificate.serial)))
    assert serials == ["00000001", "00000002", "00000003"]
    indexes = sorted(session.scalars(select(CertificateVersion.status_index)))
    assert indexes == [0, 1, 2]
    assert session.scalar(select(func.count()).where(AuditEvent.action == "certificate.issue")) == 3
    count, problems = verify_chain(session)
    assert problems == [] and count > 3


def test_a_row_unreadable_in_the_file_stops_all_or_nothing(session: Session, province: Province) -> None:
    parsed = rows_for(f"{A},张三明,cargo", f"{C},王五,不存在")
    result = issue_batch(session, province.context, province.actor(session, "jinan_clerk"), parsed)
    assert result.issued == 0 and [e.row for e in result.errors] == [3]
    assert session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_command_line_batch(tmp_path, runner, session: Session, province: Province) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "good.csv"
    good.write_text(f"身份证号码,姓名,从业资格类别\n{A},张三明,cargo\n{C},王五,taxi\n", encoding="utf-8")
    result = runner.invoke(args=["certificates", "batch", str(good), "--as", "jinan_clerk"])
    assert result.exit_code == 0, result.output
    assert "issued 2 certificates; 0 rows with 0 problems" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text(f"身份证号码,姓名,从业资格类别\n{B},李四,cargo\n{A},张三明,cargo\n", encoding="utf-8")
    report = tmp_path / "report.csv"
    result = runner.invoke(
        args=["certificates", "batch", str(bad), "--as", "jinan_clerk", "--report", str(report)]
    )
    assert result.exit_code == 1
    assert f"row 3, 身份证号码: The holder already has certificate {A}. To add" in result.output
    assert "issued 0 certificates; 1 rows with 1 problems" in result.output
    assert "身份证号码" in report.read_text(encoding="utf-8-sig")
    assert session.scalar(select(func.count()).select_from(Certificate)) == 2
