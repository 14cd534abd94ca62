"""``flask graduation …``: graduation certificate maintenance — importing a folder of PDFs with a
CSV manifest (``backfill``, the bureau's own certificates), giving certificates to a partner system
(``hand-over``) and removing what a crash left in the blob store (``cleanup``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TextIO

import click
from flask import current_app
from sqlalchemy import select

from ..db import get_session
from ..models import Staff
from ..services import csv_export, graduation, partners
from ..services.access import Area, may_enter
from ..services.container import services
from ..services.errors import DomainError
from ..services.unit_of_work import commit
from ..storage import TooLarge
from .transactional import transactional

graduation_cli = click.Group("graduation", help="Graduation certificates: backfill, hand-over and cleanup.")

MANIFEST_COLUMNS = ("file", *graduation.FIELDS)
REPORT_HEADER = ("row", "file", "certificate_number", "result", "message")
STORED, UNCHANGED, NEW_REVISION, ERROR = "stored", "unchanged", "new revision", "error"
SOURCE = "backfill"
SHOWN_ERRORS = 20


class ManifestError(Exception):
    """The manifest cannot be used at all (exit code 2)."""


class RowError(Exception):
    """One manifest row cannot be imported; the message says why."""


@dataclass(frozen=True)
class ManifestRow:
    """One data row of the manifest: its spreadsheet row number (1 = header) and its cells."""

    row: int
    cells: dict[str, str]


def read_manifest(path: Path) -> list[ManifestRow]:
    """The data rows of a UTF-8 CSV manifest (with or without BOM); blank lines are skipped.
    :class:`ManifestError` if it is missing, unreadable, not UTF-8, empty, or lacks columns."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ManifestError(f"no manifest at {path}") from None
    except OSError as exc:
        raise ManifestError(f"cannot read the manifest {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ManifestError(f"the manifest is not UTF-8 (byte {exc.start}): save it as CSV UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header: list[str] | None = next((cells for cells in reader if any(c.strip() for c in cells)), None)
        if header is None:
            raise ManifestError("the manifest is empty: it needs a header row")
        columns = [name.strip().lower() for name in header]
        missing = [name for name in MANIFEST_COLUMNS if name not in columns]
        if missing:
            raise ManifestError(f"the manifest lacks the columns: {', '.join(missing)}")
        index = {name: columns.index(name) for name in MANIFEST_COLUMNS}
        rows = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            values = {name: cells[i].strip() if i < len(cells) else "" for name, i in index.items()}
            rows.append(ManifestRow(reader.line_num, values))
    except csv.Error as exc:
        raise ManifestError(f"the manifest is not valid CSV (line {reader.line_num}): {exc}") from None
    return rows


def resolve_inside(folder: Path, name: str) -> Path:
    """``name`` (a manifest path, ``/`` or ``\\`` separated) as a path inside ``folder``;
    :class:`RowError` for an empty, absolute or escaping path (``..``, or a link leading out)."""
    if not name:
        raise RowError("file: required")
    relative = name.replace("\\", "/")
    if (
        PurePosixPath(relative).is_absolute()
        or PureWindowsPath(name).drive
        or ".." in PurePosixPath(relative).parts
    ):
        raise RowError(f"file: {name} is not a path inside the folder")
    root = folder.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise RowError(f"file: {name} leads outside the folder")
    return path


def describe(exc: BaseException, limit: int) -> str:
    """A row's problem in words (invalid fields: each field with its reason code)."""
    if isinstance(exc, graduation.InvalidFields):
        return "invalid fields: " + "; ".join(f"{name}: {reason}" for name, reason in exc.errors.items())
    if isinstance(exc, TooLarge):
        return f"file too large: over {limit:,} bytes (GRADUATION_PDF_MAX_BYTES)"
    if isinstance(exc, graduation.NotPdf):
        return "not a PDF"
    if isinstance(exc, graduation.UnusablePdf):
        if exc.code == "encrypted_pdf":
            return "encrypted_pdf: the PDF is encrypted or password-protected"
        return f"{exc.code}: {exc}"
    return str(exc)


class Report:
    """The per-row report CSV (UTF-8 with BOM), written and flushed row by row so that it holds
    every finished row even if the run is interrupted."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.writer = csv_export.writer(stream)
        self.counts: Counter[str] = Counter()
        self.errors: list[str] = []
        self.writer.writerow(REPORT_HEADER)

    def add(self, row: ManifestRow, result: str, message: str = "") -> None:
        """Record one row's result."""
        self.writer.writerow([row.row, row.cells["file"], row.cells["certificate_number"], result, message])
        self.stream.flush()
        self.counts[result] += 1
        if result == ERROR:
            self.errors.append(f"row {row.row} ({row.cells['file'] or 'no file'}): {message}")

    def summary(self) -> str:
        """One line: how many rows ended how."""
        done = sum(self.counts.values())
        return (
            f"{done} rows: {self.counts[STORED]} stored, {self.counts[UNCHANGED]} unchanged, "
            f"{self.counts[NEW_REVISION]} new revisions, {self.counts[ERROR]} errors"
        )


def bureau_staff(username: str) -> Staff:
    """The staff account acting for the bureau (recorded as who imported or handed over): an active
    province administrator, who also registers the partner systems. Exit code 2 otherwise."""
    staff = get_session().scalars(select(Staff).filter_by(username=username)).first()
    if staff is None or not may_enter(staff, Area.PARTNERS):
        click.echo(f"Error: {username} is not an active province administrator's account (--as)", err=True)
        raise SystemExit(2)
    return staff


def import_row(
    folder: Path, row: ManifestRow, *, limit: int, types: dict[str, str], today: dt.date, actor: str
) -> tuple[str, str]:
    """Receive one manifest row as the bureau's (committed on its own); (result, message).
    :class:`RowError` or a service error for a bad row; anything else (an interruption, a database
    failure) propagates."""
    raw = {name: row.cells[name] for name in graduation.FIELDS}
    problems: list[str] = []
    path: Path | None = None
    try:
        path = resolve_inside(folder, row.cells["file"])
    except RowError as exc:
        problems.append(str(exc))
    try:
        graduation.parse_metadata(raw, types, today)
    except graduation.InvalidFields as exc:
        problems.append(describe(exc, limit))
    if path is not None and not path.is_file():
        problems.append(f"file: {row.cells['file']} " + ("is not a file" if path.exists() else "not found"))
    if problems or path is None:
        raise RowError("; ".join(problems))
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise RowError(f"file: cannot read {row.cells['file']}: {exc.strerror or exc}") from None
    with stream:
        outcome = graduation.receive(
            get_session(),
            services().blobs,
            raw=raw,
            stream=stream,
            limit=limit,
            types=types,
            client=None,
            source=SOURCE,
            actor=actor,
            today=today,
        )
    commit(get_session())  # each row is its own unit of work, so a re-run resumes
    certificate = outcome.certificate
    label = f"{certificate.number}#{certificate.revision}"
    warnings = f" (warnings: {', '.join(outcome.warnings)})" if outcome.warnings else ""
    if not outcome.created:
        return UNCHANGED, f"same as stored {label}{warnings}"
    return (NEW_REVISION if certificate.revision > 1 else STORED), f"{label}{warnings}"


@graduation_cli.command("backfill")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    help="the CSV manifest (default: FOLDER/manifest.csv)",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="where the per-row report goes (default: next to the manifest, <name>.report.csv)",
)
@click.option(
    "--as",
    "username",
    required=True,
    help="the province administrator who imports (recorded on every row and audited)",
)
@transactional
def backfill_command(folder: Path, manifest: Path | None, report: Path | None, username: str) -> None:
    """Import the PDFs in FOLDER listed in a CSV manifest (columns: file, certificate_number,
    student_id_number, name, sex, training_type, school_credit_code, period_start, period_end,
    completed_on) as the bureau's own certificates: their numbers belong to the bureau, and a
    partner system's push of one is refused unless it is handed over (`graduation hand-over`).
    A number a partner system pushed is refused here too, and so is a new revision for another
    student. Every row is committed on its own, so a re-run after an interruption continues
    where it stopped: rows stored already come back "unchanged". Exit code 0 if every row is
    imported, 1 if some are not, 2 if the manifest or the account cannot be used. The report
    lists every row (numbered as in a spreadsheet, 1 = the header) with its result: stored,
    unchanged, new revision or error, and why."""
    actor = bureau_staff(username).username
    manifest = manifest if manifest is not None else folder / "manifest.csv"
    try:
        rows = read_manifest(manifest)
    except ManifestError as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(2) from None
    report = report if report is not None else manifest.with_name(f"{manifest.stem}.report.csv")
    if report.resolve() == manifest.resolve():
        click.echo("Error: the report would overwrite the manifest; give another --report", err=True)
        raise SystemExit(2)
    limit = int(current_app.config["GRADUATION_PDF_MAX_BYTES"])
    types = graduation.training_types(current_app.config["TRAINING_TYPES"])
    try:
        report_stream = report.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        click.echo(f"Error: cannot write the report {report}: {exc.strerror or exc}", err=True)
        raise SystemExit(2) from None
    with report_stream:
        out = Report(report_stream)
        today = services().clock.today()
        current: ManifestRow | None = None
        try:
            with click.progressbar(rows, label="importing", file=click.get_text_stream("stderr")) as bar:
                for current in bar:
                    try:
                        result, message = import_row(
                            folder, current, limit=limit, types=types, today=today, actor=actor
                        )
                    except (RowError, DomainError, TooLarge) as exc:
                        commit(get_session())  # the record of a refusal (the row's writes are undone)
                        out.add(current, ERROR, describe(exc, limit))
                    else:
                        out.add(current, result, message)
            current = None
        finally:
            if current is not None:  # interrupted or crashed: say where, and how to go on
                click.echo(
                    f"stopped at row {current.row} ({current.cells['file']}), which may not be stored; "
                    f"the rows before it are stored and in the report ({out.summary()}). Run the same "
                    "command again to continue: stored rows come back unchanged.",
                    err=True,
                )
    for line in out.errors[:SHOWN_ERRORS]:
        click.echo(line, err=True)
    if len(out.errors) > SHOWN_ERRORS:
        click.echo(f"... and {len(out.errors) - SHOWN_ERRORS} more (see the report)", err=True)
    click.echo(f"{out.summary()}; report: {report}")
    if out.errors:
        raise SystemExit(1)


@graduation_cli.command("hand-over")
@click.argument("numbers", nargs=-1, metavar="[NUMBER]...")
@click.option("--to", "client_id", required=True, help="the partner system (client ID) that takes them over")
@click.option(
    "--school",
    metavar="CREDIT_CODE",
    help="every certificate whose current revision names this school, instead of NUMBERs",
)
@click.option("--as", "username", required=True, help="the province administrator who decides (audited)")
@transactional
def hand_over_command(numbers: tuple[str, ...], client_id: str, school: str | None, username: str) -> None:
    """Give graduation certificates (NUMBERs, or all of a --school) to the partner system --to: from
    then on it, and no one else, pushes their new revisions. This is how a backfilled number passes
    to the timing platform: a partner never takes a number over by pushing it. The partner must be
    registered for each certificate's school; all of them move, or none (exit code 1)."""
    if bool(numbers) == bool(school):
        raise click.UsageError("give certificate NUMBERs or --school, not both")
    actor = bureau_staff(username).username
    session = get_session()
    try:
        to = partners.find(session, client_id)
        moved = graduation.hand_over(
            session,
            to=to,
            numbers=list(numbers) or None,
            school=school.strip().upper() if school else None,
            actor=actor,
        )
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"handed over {len(moved)} certificate(s) to {to.name} ({client_id})")
    for number in moved:
        click.echo(f"  {number}")


@graduation_cli.command("cleanup")
@click.option("--dry-run", is_flag=True, help="only show what would be removed")
@click.option(
    "--older-than",
    type=click.FloatRange(min=0),
    default=3600,
    show_default=True,
    help="seconds a half-received file must be old to count as left over",
)
@transactional
def cleanup_command(dry_run: bool, older_than: float) -> None:
    """Remove stored PDFs no certificate names and half-received files (what a crash leaves), and
    list certificates whose PDF is missing — those cannot be fixed here (exit code 1): the partner
    has to push them again."""
    found = graduation.cleanup(get_session(), services().blobs, older_than=older_than, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    click.echo(f"orphan blobs (no certificate names them): {len(found.orphan_blobs)} {verb}")
    for sha in found.orphan_blobs:
        click.echo(f"  {sha}")
    click.echo(f"leftover incoming files: {len(found.leftovers)} {verb}")
    for path in found.leftovers:
        click.echo(f"  {path}")
    if found.missing_files:
        click.echo(
            f"certificates whose PDF is missing: {len(found.missing_files)} "
            "(cannot be fixed here: have them pushed again)",
            err=True,
        )
        for label in found.missing_files:
            click.echo(f"  {label}", err=True)
        raise SystemExit(1)
    click.echo("certificates whose PDF is missing: 0")
