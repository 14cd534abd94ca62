"""Batch issuance from spreadsheets: parsing quirks, per-row reports, all or nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, replace
from typing import Any

import pytest
from flask import current_app
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.messages import MESSAGES
from app.models import (
    AuditEvent,
    BatchJob,
    Certificate,
    CertificateVersion,
    HolderCategory,
    Practitioner,
    Staff,
)
from app.services import access, queries, status_lists
from app.services import certificates as certs
from app.services.audit import verify_chain
from app.services.batch import REFUSED, RowOutcome, batch_run, report_csv, row_errors
from app.services.certificates import batches, run_batch
from app.services.context import IssuingContext
from app.services.errors import NotFound, RuleViolation
from app.services.spreadsheet import ParsedFile, ParsedRow, RowError, SpreadsheetError, read_rows
from signing import Purpose, Status

from ...helpers import id_number, running_job
from ...registry import Province

A, B, C = id_number("37010219900307123"), id_number("11010519491231002"), id_number("37010219850101001")


@dataclass
class Result:
    issued: int
    errors: list[RowError]


def issue_batch(
    session: Session, context: IssuingContext, actor: Staff, parsed: ParsedFile, **options: Any
) -> Result:
    """Run a batch job of ``parsed`` as ``actor``, the way an upload does."""
    all_or_nothing = options.pop("all_or_nothing", True)
    attempt = options.pop("attempt", 1)
    job = running_job(session, actor.id, context.clock.now(), attempts=attempt, all_or_nothing=all_or_nothing)
    run = replace(batch_run(job.id, actor.id, parsed, all_or_nothing=all_or_nothing), attempt=attempt)
    outcome = run_batch(current_app.extensions["db_sessionmaker"], context, run, **options)
    return Result(outcome.issued, row_errors(parsed, outcome))


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
    refused = [RowOutcome(e.row, REFUSED, e.column, e.message, e.params) for e in result.errors]
    report = report_csv(refused).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(report)))[1][:4] == ["3", "Refused: not issued", "", "身份证号码"]


def test_valid_rows_only_and_everything_written(session: Session, province: Province) -> None:
    actor = province.actor(session, "jinan_clerk")
    certs.issue(session, province.context, actor, certs.IssueRequest(B, "李四", [1]))
    rows = rows_for(f"{A},张三明,cargo;passenger", f"{B},李四,taxi", f"{C},王五,taxi")
    seen: list[int] = []
    result = issue_batch(
        session, province.context, actor, rows, all_or_nothing=False, written=lambda _s, n: seen.append(n)
    )
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
    assert session.scalar(select(func.count()).where(AuditEvent.action == "certificate.batch_publish")) == 1
    assert set(session.scalars(select(Certificate.state))) == {"active"}
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


D = id_number("37010219851231002")


def visible(session: Session, actor: Staff) -> int:
    query = access.visible_certificates(select(func.count()).select_from(Certificate), actor)
    return int(session.scalar(query) or 0)


def test_a_batch_is_seen_by_nobody_until_it_is_published(session: Session, province: Province) -> None:
    clerk, province_admin = province.actor(session, "jinan_clerk"), province.actor(session, "province")
    today = province.context.clock.today()
    seen: list[int] = []

    def written(chunk_session: Session, count: int) -> None:
        seen.append(count)
        pending = chunk_session.scalars(select(Certificate).where(Certificate.state == "pending")).all()
        assert len(pending) == count
        for actor in (clerk, province_admin):
            assert visible(chunk_session, actor) == 0
            assert queries.search(chunk_session, actor, A).items == []
            assert queries.dashboard(chunk_session, actor, today).counts == {"expiring": 0}
            assert not access.sees_certificate(chunk_session, actor, pending[0])
        with pytest.raises(NotFound):
            certs.load(chunk_session, pending[0].id)
        with pytest.raises(RuleViolation) as refused:  # its number is held meanwhile
            certs.issue(chunk_session, province.context, clerk, certs.IssueRequest(A, "张三明", [2]))
        assert refused.value.code == "number_in_unfinished_batch"
        assert MESSAGES[refused.value.code] % refused.value.params == (
            f"Certificate {A} is being issued in a batch that has not finished yet. "
            "Try again when the batch is done."
        )

    rows = rows_for(f"{A},张三明,cargo", f"{C},王五,taxi", f"{D},赵六,taxi")
    result = issue_batch(session, province.context, clerk, rows, written=written, chunk=1)
    assert result.issued == 3 and result.errors == [] and seen == [1, 2, 3]
    assert visible(session, clerk) == 3 and set(session.scalars(select(Certificate.state))) == {"active"}
    assert verify_chain(session)[1] == []


def test_a_batch_that_fails_midway_leaves_nothing(session: Session, province: Province) -> None:
    clerk = province.actor(session, "jinan_clerk")
    certs.issue(session, province.context, clerk, certs.IssueRequest(B, "李四", [1]))

    def written(_session: Session, count: int) -> None:
        if count == 2:
            raise RuntimeError("the disk is full")

    rows = rows_for(f"{A},张三明,cargo", f"{C},王五,taxi", f"{D},赵六,taxi")
    with pytest.raises(RuntimeError, match="the disk is full"):
        issue_batch(session, province.context, clerk, rows, written=written, chunk=1)
    withdrawn_id = int(
        session.scalars(select(AuditEvent.target_id).where(AuditEvent.reason.startswith("batch "))).one()
    )
    assert session.scalars(select(Certificate.number)).all() == [B]
    assert session.scalars(select(Practitioner.id_number)).all() == [B]  # the batch's own removed
    assert session.scalar(select(func.count()).select_from(CertificateVersion)) == 1
    assert session.scalar(select(func.count()).select_from(HolderCategory)) == 1
    withdrawn = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "certificate.batch_withdraw")
    ).one()
    assert withdrawn.after == {"withdrawn": 1} and withdrawn.actor == "jinan_clerk"
    assert verify_chain(session)[1] == []
    # The one credential stored (index 1) can never verify, had it leaked; indexes 2 and 3 were
    # reserved but never signed.
    jinan = province.authority["jinan"]
    statuses = [status_lists.get_status(session, jinan, index) for index in range(4)]
    assert statuses == [Status.VALID, Status.REVOKED, Status.VALID, Status.VALID]
    # The serials reserved for the batch stay unused: the next certificate takes the one after them.
    later = certs.issue(session, province.context, clerk, certs.IssueRequest(A, "张三明", [2])).certificate
    assert later.serial == "00000005"
    assert later.id > withdrawn_id  # never given again: its audit events stay the withdrawn one's


@pytest.mark.parametrize(("all_or_nothing", "issued"), [(True, 0), (False, 1)])
def test_a_number_issued_while_the_batch_is_written(
    session: Session, province: Province, all_or_nothing: bool, issued: int
) -> None:
    clerk = province.actor(session, "jinan_clerk")

    calls = []

    def written(chunk_session: Session, count: int) -> None:
        calls.append(count)
        if len(calls) == 1:  # someone issues the next row's number at the window meanwhile
            certs.issue(chunk_session, province.context, clerk, certs.IssueRequest(C, "王五", [3]))

    rows = rows_for(f"{A},张三明,cargo", f"{C},王五,taxi")
    result = issue_batch(
        session, province.context, clerk, rows, written=written, chunk=1, all_or_nothing=all_or_nothing
    )
    assert result.issued == issued
    assert [(e.row, e.column, e.text()) for e in result.errors] == [
        (
            3,
            "身份证号码",
            f"The holder already has certificate {C}. To add categories, change that certificate.",
        )
    ]
    numbers = set(session.scalars(select(Certificate.number).where(Certificate.state == "active")))
    assert numbers == ({C} if all_or_nothing else {A, C})
    assert session.scalar(select(func.count()).where(Certificate.state == "pending")) == 0


def test_a_stale_withdrawal_leaves_a_restarted_batch_alone(session: Session, province: Province) -> None:
    """A withdrawal for attempt 1 (its worker was declared dead) that runs late, while attempt 2
    stores its chunks, stops at once: attempt 2 publishes every row."""
    clerk = province.actor(session, "jinan_clerk")
    stale: list[int] = []

    def written(_session: Session, count: int) -> None:
        if count == 1:
            job_id = session.scalars(select(BatchJob.id)).one()
            stale.append(batches.withdraw(current_app.extensions["db_sessionmaker"], job_id, 1, by="system"))

    rows = rows_for(f"{A},张三明,cargo", f"{C},王五,taxi", f"{D},赵六,taxi")
    result = issue_batch(session, province.context, clerk, rows, written=written, chunk=1, attempt=2)
    assert stale == [0] and result.issued == 3 and result.errors == []
    assert session.scalar(select(func.count()).where(Certificate.state == "active")) == 3


def test_a_number_issued_between_the_chunks_check_and_its_insert(
    session: Session, province: Province, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a desk's certificate can land after a chunk looked at its numbers: the
    chunk's insert then hits the unique index (IntegrityError), and the chunk is tried again,
    skipping the number the second look finds taken. The race is played by the database's
    answers: the first insert fails as it would, the second look sees the desk's certificate."""
    clerk = province.actor(session, "jinan_clerk")
    looks: list[list[str]] = []
    real_held, real_store = batches.numbers_held, batches.store

    def held(chunk_session: Session, numbers: list[str]) -> dict[str, RuleViolation]:
        looks.append(list(numbers))
        if len(looks) == 1:
            return {}
        return {C: RuleViolation("taken", code="live_certificate_exists", number=C)} | real_held(
            chunk_session, [n for n in numbers if n != C]
        )

    def store(*args: Any, **kwargs: Any) -> list[int]:
        if len(looks) == 1:
            raise IntegrityError("INSERT INTO certificate", {}, Exception("uq_certificate_live_number"))
        return real_store(*args, **kwargs)

    monkeypatch.setattr(batches, "numbers_held", held)
    monkeypatch.setattr(batches, "store", store)
    rows = rows_for(f"{A},张三明,cargo", f"{C},王五,taxi")
    result = issue_batch(session, province.context, clerk, rows, all_or_nothing=False)
    assert looks == [[A, C], [A, C]] and result.issued == 1
    assert [(e.row, e.column) for e in result.errors] == [(3, "身份证号码")]
    assert session.scalars(select(Certificate.number).where(Certificate.state == "active")).all() == [A]


def test_a_key_compromised_during_the_batch_publishes_nothing(session: Session, province: Province) -> None:
    """What a key marked compromised has signed never verifies: the batch is withdrawn."""
    clerk = province.actor(session, "jinan_clerk")
    keys = province.context.keys
    kid = keys.signer(
        Purpose.CERTIFICATE, now=province.context.clock.timestamp(), issuer=clerk.authority.credit_code
    )
    marked: list[str] = []

    def written(_session: Session, count: int) -> None:
        if count == 2:  # after the last chunk, before publishing (earlier, signing the next fails)
            keys.mark_compromised(kid.public.kid, now=province.context.clock.timestamp())
            marked.append(kid.public.kid)

    rows = rows_for(f"{A},张三明,cargo", f"{C},王五,taxi")
    with pytest.raises(RuleViolation) as refused:
        issue_batch(session, province.context, clerk, rows, written=written, chunk=1)
    assert refused.value.code == "signing_key_compromised" and marked
    assert session.scalar(select(func.count()).select_from(Certificate)) == 0
