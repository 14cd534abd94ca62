"""``flask graduation backfill`` and ``flask graduation cleanup``: reports, bad rows, resuming after an
interruption, paths kept inside the folder, manifest problems, and cleaning up after crashes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import BUREAU, AuditEvent, GraduationCertificate, PartnerClient
from app.services import graduation, partners
from app.services.container import services

from ...functional.partner_helpers import encrypted_pdf, pdf
from ...helpers import id_number
from ...registry import Province

SCHOOL = "91370100MA3C00000E"
COLUMNS = ("file", *graduation.FIELDS)
REPORT_HEADER = ["row", "file", "certificate_number", "result", "message"]
BACKFILL = ["graduation", "backfill", "--as", "province"]


@pytest.fixture(autouse=True)
def bureau(province: Province) -> Province:
    """The test province: its administrator runs the imports (``--as province``)."""
    return province


def row(file: str, number: str, **changes: str) -> dict[str, str]:
    """A manifest row with valid metadata (a man's ID number), ``changes`` applied."""
    return {
        "file": file,
        "certificate_number": number,
        "student_id_number": id_number("37010219900307123"),
        "name": "张三明",
        "sex": "M",
        "training_type": "A2",
        "school_credit_code": SCHOOL,
        "period_start": "2025-03-01",
        "period_end": "2025-06-30",
        "completed_on": "2025-06-30",
        **changes,
    }


def write_manifest(
    path: Path, rows: list[dict[str, str]], *, bom: bool = False, columns: tuple[str, ...] = COLUMNS
) -> Path:
    """The manifest CSV at ``path``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for values in rows:
        writer.writerow([values.get(name, "") for name in columns])
    path.write_text(out.getvalue(), encoding="utf-8-sig" if bom else "utf-8", newline="")
    return path


def read_report(path: Path) -> list[list[str]]:
    """The report's rows, header included (it is UTF-8 with BOM)."""
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def folder_of(tmp_path: Path, count: int) -> tuple[Path, list[dict[str, str]]]:
    """A folder of ``count`` PDFs (a/001.pdf, …) and their valid manifest rows."""
    folder = tmp_path / "import"
    (folder / "a").mkdir(parents=True)
    rows = []
    for i in range(1, count + 1):
        (folder / "a" / f"{i:03d}.pdf").write_bytes(pdf(f"JY2025-{i:04d}"))
        rows.append(row(f"a/{i:03d}.pdf", f"JY2025-{i:04d}"))
    return folder, rows


def stored(session: Session) -> list[tuple[str, int, str]]:
    """(number, revision, source) of every stored revision."""
    session.rollback()  # see what the command committed
    query = select(GraduationCertificate.number, GraduationCertificate.revision, GraduationCertificate.source)
    return sorted((n, r, s) for n, r, s in session.execute(query))


def results(report: Path) -> list[str]:
    return [line[3] for line in read_report(report)[1:]]


def test_backfill_reports_every_row(
    app: Flask, runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    folder, rows = folder_of(tmp_path, 3)
    woman = id_number("37010219920101002")
    rows[1] = {**rows[1], "student_id_number": woman, "name": "李小红", "sex": "F"}
    (folder / "a" / "003b.pdf").write_bytes(pdf("JY2025-0003 corrected"))
    rows.append(row("a\\003b.pdf", "JY2025-0003", completed_on="2025-07-01"))  # a Windows path, too
    manifest = write_manifest(folder / "manifest.csv", rows, bom=True)

    result = runner.invoke(args=[*BACKFILL, str(folder)])

    assert result.exit_code == 0, result.output
    assert "4 rows: 3 stored, 0 unchanged, 1 new revisions, 0 errors" in result.stdout
    report = folder / "manifest.report.csv"
    assert manifest.exists() and f"report: {report}" in result.stdout
    lines = read_report(report)
    assert lines[0] == REPORT_HEADER
    assert lines[1:] == [
        ["2", "a/001.pdf", "JY2025-0001", "stored", "JY2025-0001#1 (warnings: unknown_school)"],
        ["3", "a/002.pdf", "JY2025-0002", "stored", "JY2025-0002#1 (warnings: unknown_school)"],
        ["4", "a/003.pdf", "JY2025-0003", "stored", "JY2025-0003#1 (warnings: unknown_school)"],
        ["5", "a\\003b.pdf", "JY2025-0003", "new revision", "JY2025-0003#2 (warnings: unknown_school)"],
    ]
    assert stored(session) == [
        ("JY2025-0001", 1, "backfill"),
        ("JY2025-0002", 1, "backfill"),
        ("JY2025-0003", 1, "backfill"),
        ("JY2025-0003", 2, "backfill"),
    ]
    second = session.scalars(select(GraduationCertificate).filter_by(number="JY2025-0002")).one()
    assert second.practitioner.id_number == woman and second.pushed_by is None
    with services(app).blobs.open(second.pdf_sha256) as f:
        assert f.read() == (folder / "a" / "002.pdf").read_bytes()
    actors = set(session.scalars(select(AuditEvent.actor).where(AuditEvent.action.like("graduation.%"))))
    assert actors == {"province"}
    owners = session.execute(select(GraduationCertificate.owner, GraduationCertificate.received_by)).all()
    assert set(owners) == {(BUREAU, "province")}  # the bureau's own, recorded with who imported them


def test_bad_rows_are_reported_and_skipped(
    app: Flask, runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    app.config["GRADUATION_PDF_MAX_BYTES"] = 20_000
    folder, good = folder_of(tmp_path, 2)
    (folder / "notes.pdf").write_bytes(b"just some text, not a PDF\n")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog\n%%EOF\n")
    (folder / "locked.pdf").write_bytes(encrypted_pdf())
    (folder / "huge.pdf").write_bytes(pdf("huge") + b"%" + b"x" * 30_000 + b"\n")
    bad = [
        row("missing.pdf", "JY2025-0101"),
        row("notes.pdf", "JY2025-0102"),
        row("broken.pdf", "JY2025-0103"),
        row("locked.pdf", "JY2025-0104"),
        row("a/001.pdf", "JY2025-0105", student_id_number="370102199003071230", period_start="2025-13-01"),
        row("huge.pdf", "JY2025-0106"),
        row("missing.pdf", "JY2025-0107", sex="X"),
    ]
    manifest = write_manifest(tmp_path / "list.csv", [good[0], *bad, good[1]])
    report = tmp_path / "out" / "r.csv"
    report.parent.mkdir()

    result = runner.invoke(
        args=[*BACKFILL, str(folder), "--manifest", str(manifest), "--report", str(report)]
    )

    assert result.exit_code == 1, result.output
    assert "9 rows: 2 stored, 0 unchanged, 0 new revisions, 7 errors" in result.stdout
    lines = read_report(report)
    assert [line[3] for line in lines[1:]] == ["stored", *["error"] * 7, "stored"]
    messages = {line[2]: line[4] for line in lines[1:]}
    assert messages["JY2025-0101"] == "file: missing.pdf not found"
    assert messages["JY2025-0102"] == "not a PDF"
    assert messages["JY2025-0103"].startswith("broken_pdf: the PDF cannot be read")
    assert messages["JY2025-0104"] == "encrypted_pdf: the PDF is encrypted or password-protected"
    assert messages["JY2025-0105"] == (
        "invalid fields: student_id_number: id_number_check_character; period_start: invalid_date"
    )
    assert messages["JY2025-0106"] == "file too large: over 20,000 bytes (GRADUATION_PDF_MAX_BYTES)"
    assert messages["JY2025-0107"] == "invalid fields: sex: invalid_sex; file: missing.pdf not found"
    assert "row 3 (missing.pdf): file: missing.pdf not found" in result.stderr
    assert stored(session) == [("JY2025-0001", 1, "backfill"), ("JY2025-0002", 1, "backfill")]
    store = services(app).blobs
    assert len(list(store.hashes())) == 2
    assert list(store.incoming.iterdir()) == []  # refused files leave nothing behind


def test_rerun_changes_nothing(app: Flask, runner: FlaskCliRunner, session: Session, tmp_path: Path) -> None:
    folder, rows = folder_of(tmp_path, 4)
    write_manifest(folder / "manifest.csv", rows)
    assert runner.invoke(args=[*BACKFILL, str(folder)]).exit_code == 0

    again = runner.invoke(args=[*BACKFILL, str(folder)])

    assert again.exit_code == 0, again.output
    assert "4 rows: 0 stored, 4 unchanged, 0 new revisions, 0 errors" in again.stdout
    lines = read_report(folder / "manifest.report.csv")
    assert [line[3] for line in lines[1:]] == ["unchanged"] * 4
    assert lines[1][4] == "same as stored JY2025-0001#1 (warnings: unknown_school)"
    assert stored(session) == [(f"JY2025-{i:04d}", 1, "backfill") for i in range(1, 5)]
    assert len(list(services(app).blobs.hashes())) == 4


class Interrupting:
    """A file that delivers its first chunk, then is interrupted (Ctrl-C while reading)."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.reads = 0

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        if self.reads > 1:
            raise KeyboardInterrupt
        return self.stream.read(min(size, 100))


def interrupt_while_receiving(real: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    return real(**{**kwargs, "stream": Interrupting(kwargs["stream"])})


def interrupt_after_commit(real: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    real(**kwargs)
    kwargs["session"].commit()  # the row's unit of work ends, then the run is interrupted
    raise KeyboardInterrupt


@pytest.mark.parametrize(
    ("interrupt", "stored_before"),
    [(interrupt_while_receiving, 2), (interrupt_after_commit, 3)],
    ids=["while-receiving", "after-commit"],
)
def test_interrupted_run_resumes_without_duplicates(
    app: Flask,
    runner: FlaskCliRunner,
    session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    interrupt: Callable[[Callable[..., Any], dict[str, Any]], Any],
    stored_before: int,
) -> None:
    folder, rows = folder_of(tmp_path, 5)
    write_manifest(folder / "manifest.csv", rows)
    real = graduation.receive
    calls = 0

    def third_interrupted(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            return interrupt(real, {**dict(zip(("session", "store"), args, strict=True)), **kwargs})
        return real(*args, **kwargs)

    monkeypatch.setattr(graduation, "receive", third_interrupted)
    crashed = runner.invoke(args=[*BACKFILL, str(folder)])

    assert crashed.exit_code != 0 and calls == 3
    assert "stopped at row 4 (a/003.pdf)" in crashed.stderr and "Run the same command again" in crashed.stderr
    report = folder / "manifest.report.csv"
    assert results(report) == ["stored", "stored"]  # the finished rows, written as they went
    assert len(stored(session)) == stored_before
    store = services(app).blobs
    assert len(list(store.hashes())) == stored_before  # no orphan blob
    assert list(store.incoming.iterdir()) == []  # no half-received file

    monkeypatch.setattr(graduation, "receive", real)
    resumed = runner.invoke(args=[*BACKFILL, str(folder)])

    assert resumed.exit_code == 0, resumed.output
    assert results(report) == ["unchanged"] * stored_before + ["stored"] * (5 - stored_before)
    assert stored(session) == [(f"JY2025-{i:04d}", 1, "backfill") for i in range(1, 6)]
    assert len(list(store.hashes())) == 5


def test_paths_must_stay_inside_the_folder(
    app: Flask, runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    folder, rows = folder_of(tmp_path, 1)
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(pdf("outside"))
    (folder / "link.pdf").symlink_to(outside)
    write_manifest(
        folder / "manifest.csv",
        [
            row("../outside.pdf", "JY2025-0201"),
            row(str(outside), "JY2025-0202"),
            row("a/../../outside.pdf", "JY2025-0203"),
            row("..\\outside.pdf", "JY2025-0204"),
            row("C:\\data\\outside.pdf", "JY2025-0205"),
            row("link.pdf", "JY2025-0206"),
            row("", "JY2025-0207"),
            row("a", "JY2025-0208"),
            rows[0],
        ],
    )

    result = runner.invoke(args=[*BACKFILL, str(folder)])

    assert result.exit_code == 1, result.output
    messages = {line[2]: line[4] for line in read_report(folder / "manifest.report.csv")[1:]}
    assert messages["JY2025-0201"] == "file: ../outside.pdf is not a path inside the folder"
    assert messages["JY2025-0202"] == f"file: {outside} is not a path inside the folder"
    assert messages["JY2025-0203"] == "file: a/../../outside.pdf is not a path inside the folder"
    assert messages["JY2025-0204"] == "file: ..\\outside.pdf is not a path inside the folder"
    assert messages["JY2025-0205"] == "file: C:\\data\\outside.pdf is not a path inside the folder"
    assert messages["JY2025-0206"] == "file: link.pdf leads outside the folder"
    assert messages["JY2025-0207"] == "file: required"
    assert messages["JY2025-0208"] == "file: a is not a file"
    assert messages["JY2025-0001"] == "JY2025-0001#1 (warnings: unknown_school)"
    assert stored(session) == [("JY2025-0001", 1, "backfill")]


def test_manifest_problems_exit_2(runner: FlaskCliRunner, session: Session, tmp_path: Path) -> None:
    folder, rows = folder_of(tmp_path, 1)
    columns = tuple(c for c in COLUMNS if c not in ("sex", "completed_on"))
    write_manifest(folder / "manifest.csv", rows, columns=columns)

    result = runner.invoke(args=[*BACKFILL, str(folder)])

    assert result.exit_code == 2
    assert "the manifest lacks the columns: sex, completed_on" in result.stderr
    assert not (folder / "manifest.report.csv").exists()

    missing = runner.invoke(args=[*BACKFILL, str(folder), "--manifest", str(tmp_path / "no.csv")])
    assert missing.exit_code == 2 and "no manifest at" in missing.stderr

    gb18030 = tmp_path / "gb.csv"
    gb18030.write_bytes(",".join(COLUMNS).encode() + "\r\na/001.pdf,甲".encode("gb18030"))
    wrong = runner.invoke(args=[*BACKFILL, str(folder), "--manifest", str(gb18030)])
    assert wrong.exit_code == 2 and "the manifest is not UTF-8" in wrong.stderr

    (tmp_path / "empty.csv").write_text("\n\n")
    empty = runner.invoke(args=[*BACKFILL, str(folder), "--manifest", str(tmp_path / "empty.csv")])
    assert empty.exit_code == 2 and "the manifest is empty" in empty.stderr
    assert stored(session) == []


def test_manifest_header_in_any_order_and_case(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    folder, rows = folder_of(tmp_path, 2)
    columns = (" Name ", "extra", *reversed([c for c in COLUMNS if c != "name"]))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for values in rows:
        writer.writerow([values.get(c.strip().lower(), "ignored") for c in columns])
    (folder / "manifest.csv").write_text("\n" + out.getvalue(), encoding="utf-8")

    result = runner.invoke(args=[*BACKFILL, str(folder)])

    assert result.exit_code == 0, result.output
    assert [line[0] for line in read_report(folder / "manifest.report.csv")[1:]] == ["3", "4"]
    assert len(stored(session)) == 2


def _leftover(app: Flask) -> Path:
    """A half-received file, as a crash while receiving leaves it (ten seconds old)."""
    received = services(app).blobs.receive(io.BytesIO(b"%PDF-1.7 half"), 1_000_000)
    past = time.time() - 10
    os.utime(received.path, (past, past))
    return received.path


def test_cleanup_removes_orphans_and_leftovers(
    app: Flask, runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    folder, rows = folder_of(tmp_path, 1)
    write_manifest(folder / "manifest.csv", rows)
    assert runner.invoke(args=[*BACKFILL, str(folder)]).exit_code == 0
    store = services(app).blobs
    kept = next(iter(store.hashes()))
    orphan = store.receive(io.BytesIO(pdf("orphan")), 1_000_000)
    assert store.keep(orphan)
    leftover = _leftover(app)

    not_old = runner.invoke(args=["graduation", "cleanup", "--dry-run"])
    assert not_old.exit_code == 0, not_old.output
    assert "leftover incoming files: 0" in not_old.stdout  # ten seconds is not an hour

    dry = runner.invoke(args=["graduation", "cleanup", "--dry-run", "--older-than", "0"])

    assert dry.exit_code == 0, dry.output
    assert f"orphan blobs (no certificate names them): 1 would remove\n  {orphan.sha256}" in dry.stdout
    assert f"leftover incoming files: 1 would remove\n  {leftover}" in dry.stdout
    assert "certificates whose PDF is missing: 0" in dry.stdout
    assert store.exists(orphan.sha256) and leftover.exists()

    real = runner.invoke(args=["graduation", "cleanup", "--older-than", "0"])

    assert real.exit_code == 0, real.output
    assert "orphan blobs (no certificate names them): 1 removed" in real.stdout
    assert "leftover incoming files: 1 removed" in real.stdout
    assert not store.exists(orphan.sha256) and not leftover.exists()
    assert list(store.hashes()) == [kept]  # the certificate's PDF stays

    clean = runner.invoke(args=["graduation", "cleanup", "--older-than", "0"])
    assert clean.exit_code == 0 and "orphan blobs (no certificate names them): 0 removed" in clean.stdout


def test_cleanup_reports_rows_whose_pdf_is_missing(
    app: Flask, runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    folder, rows = folder_of(tmp_path, 2)
    write_manifest(folder / "manifest.csv", rows)
    assert runner.invoke(args=[*BACKFILL, str(folder)]).exit_code == 0
    lost = session.scalars(select(GraduationCertificate).filter_by(number="JY2025-0002")).one()
    services(app).blobs.delete(lost.pdf_sha256)

    dry = runner.invoke(args=["graduation", "cleanup", "--dry-run"])
    result = runner.invoke(args=["graduation", "cleanup"])

    for run in (dry, result):
        assert run.exit_code == 1
        assert "certificates whose PDF is missing: 1 (cannot be fixed here" in run.stderr
        assert "  JY2025-0002#1" in run.stderr
    assert session.scalar(select(func.count()).select_from(GraduationCertificate)) == 2  # nothing deleted


def test_backfill_runs_as_a_province_administrator(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    folder, rows = folder_of(tmp_path, 1)
    write_manifest(folder / "manifest.csv", rows)
    unnamed = runner.invoke(args=["graduation", "backfill", str(folder)])
    assert unnamed.exit_code == 2 and "Missing option '--as'" in unnamed.output
    for username in ("jinan_admin", "nobody"):
        refused = runner.invoke(args=["graduation", "backfill", "--as", username, str(folder)])
        assert refused.exit_code == 2
        assert f"{username} is not an active province administrator's account (--as)" in refused.stderr
    assert stored(session) == [] and not (folder / "manifest.report.csv").exists()


def _partner(session: Session, *schools: str) -> PartnerClient:
    client, _ = partners.register(
        session, name="计时平台", scopes=["graduation:write"], actor="test", schools=schools
    )
    session.commit()
    return client


def _pushed(session: Session, client: PartnerClient, number: str, **changes: str) -> None:
    """``number`` pushed by ``client`` (what the partner API stores)."""
    graduation.receive(
        session,
        services().blobs,
        raw={name: value for name, value in row("", number, **changes).items() if name != "file"},
        stream=io.BytesIO(pdf(number)),
        limit=1_000_000,
        types=graduation.training_types("A2:A2"),
        client=client,
        source="push",
        actor=f"partner:{client.client_id}",
        today=dt.date(2026, 1, 1),
    )
    session.commit()


def test_backfill_keeps_to_the_owners_and_the_students(
    app: Flask, runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    """A number a partner pushed is not the bureau's to revise; a bureau number stays its student's."""
    platform = _partner(session, SCHOOL)
    _pushed(session, platform, "JY2025-0001")
    folder, rows = folder_of(tmp_path, 3)
    write_manifest(folder / "manifest.csv", rows)
    assert runner.invoke(args=[*BACKFILL, str(folder)]).exit_code == 1
    other = id_number("37010219920101002")
    (folder / "a" / "fix.pdf").write_bytes(pdf("JY2025-0002 for someone else"))
    write_manifest(
        folder / "manifest.csv",
        [row("a/fix.pdf", "JY2025-0002", student_id_number=other, name="李小红", sex="F")],
    )

    result = runner.invoke(args=[*BACKFILL, str(folder)])

    assert result.exit_code == 1
    assert "row 2 (a/fix.pdf): certificate number JY2025-0002 was issued to another student" in result.stderr
    first = read_report(folder / "manifest.report.csv")
    assert first[1][3:] == ["error", "certificate number JY2025-0002 was issued to another student"]
    session.rollback()
    owners = dict(
        session.execute(select(GraduationCertificate.number, GraduationCertificate.owner)).tuples().all()
    )
    assert owners == {"JY2025-0001": platform.client_id, "JY2025-0002": BUREAU, "JY2025-0003": BUREAU}
    refused = session.scalars(select(AuditEvent.reason).filter_by(action="graduation.refused")).all()
    assert refused == ["number_taken", "different_student"]


def test_backfill_refuses_a_partners_number(runner: FlaskCliRunner, session: Session, tmp_path: Path) -> None:
    platform = _partner(session, SCHOOL)
    _pushed(session, platform, "JY2025-0001")
    folder, rows = folder_of(tmp_path, 1)
    write_manifest(folder / "manifest.csv", rows)

    result = runner.invoke(args=[*BACKFILL, str(folder)])

    assert result.exit_code == 1
    message = f"certificate number JY2025-0001 belongs to {platform.client_id}"
    assert read_report(folder / "manifest.report.csv")[1][3:] == ["error", message]


def test_hand_over_by_number_and_by_school(
    app: Flask, runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    other_school = "52370100MJD0000012"
    folder, rows = folder_of(tmp_path, 3)
    rows[2] = {**rows[2], "school_credit_code": other_school}
    write_manifest(folder / "manifest.csv", rows)
    assert runner.invoke(args=[*BACKFILL, str(folder)]).exit_code == 0
    platform = _partner(session, SCHOOL)
    hand_over = ["graduation", "hand-over", "--as", "province", "--to", platform.client_id]

    refused = runner.invoke(args=[*hand_over, "JY2025-0001", "JY2025-0003"])  # all or nothing
    assert refused.exit_code == 1
    assert f"is not registered for school {other_school} (JY2025-0003)" in refused.output
    unknown = runner.invoke(args=[*hand_over, "JY2025-0001", "JY2025-9999"])
    assert unknown.exit_code == 1 and "no graduation certificate JY2025-9999" in unknown.output
    session.rollback()
    assert set(session.scalars(select(GraduationCertificate.owner))) == {BUREAU}

    one = runner.invoke(args=[*hand_over, "JY2025-0001"])
    assert one.exit_code == 0, one.output
    assert f"handed over 1 certificate(s) to 计时平台 ({platform.client_id})\n  JY2025-0001" in one.output
    by_school = runner.invoke(args=[*hand_over, "--school", SCHOOL.lower()])
    assert by_school.exit_code == 0 and "handed over 1 certificate(s)" in by_school.output
    assert "  JY2025-0002" in by_school.output
    session.rollback()
    owners = dict(
        session.execute(select(GraduationCertificate.number, GraduationCertificate.owner)).tuples().all()
    )
    assert owners == {
        "JY2025-0001": platform.client_id,
        "JY2025-0002": platform.client_id,
        "JY2025-0003": BUREAU,
    }
    events = session.execute(
        select(AuditEvent.actor, AuditEvent.target_id, AuditEvent.before, AuditEvent.after)
        .filter_by(action="graduation.hand_over")
        .order_by(AuditEvent.seq)
    ).all()
    assert [tuple(e) for e in events] == [
        ("province", number, {"owner": BUREAU}, {"owner": platform.client_id})
        for number in ("JY2025-0001", "JY2025-0002")
    ]


def test_hand_over_usage(runner: FlaskCliRunner, session: Session) -> None:
    platform = _partner(session, SCHOOL)
    base = ["graduation", "hand-over", "--as", "province"]
    neither = runner.invoke(args=[*base, "--to", platform.client_id])
    both = runner.invoke(args=[*base, "--to", platform.client_id, "--school", SCHOOL, "JY2025-0001"])
    for result in (neither, both):
        assert result.exit_code == 2 and "give certificate NUMBERs or --school, not both" in result.output
    nobody = runner.invoke(args=[*base, "--to", "p-nosuchclient", "JY2025-0001"])
    assert nobody.exit_code == 1 and "no partner client p-nosuchclient" in nobody.output
    clerk = runner.invoke(
        args=["graduation", "hand-over", "--as", "jinan_clerk", "--to", platform.client_id, "X1"]
    )
    assert clerk.exit_code == 2 and "not an active province administrator's account" in clerk.stderr
