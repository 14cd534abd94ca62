"""Exam results (考试成绩): entered by staff one at a time, or imported from the exam centre's
CSV or XLSX file. An application for a passenger or dangerous-goods category needs a passed one
(``app.services.applications.prerequisites``).

One rule checks a result, whichever way it comes in (:func:`check_result`). An import is all or
nothing: any bad row and nothing changes, and every problem is reported by row and column. A result
is one person's exam in one category on one day: the same ID number, category and exam date again
**updates** the stored result (the exam centre sends a corrected file; staff correct a typing
error), recorded in the audit log with the values before; the same one twice in one file is a
problem of that file. Who may: :func:`app.services.access.may_record_exam_results`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select, tuple_
from sqlalchemy.orm import Session

from signing import CATEGORIES_BY_CODE, FactsError, clean_holder_id, clean_holder_name

from ..messages import MESSAGES
from ..models import ExamResult, Staff
from . import access
from .audit import record_many
from .clock import Clock
from .errors import InvalidFields
from .spreadsheet import RowError, normalize, parse_categories, parse_date, read_table
from .unit_of_work import step

COLUMNS = {
    "id_number": ("身份证号码", "身份证号", "id_number"),
    "name": ("姓名", "name"),
    "category": ("考试类别", "从业资格类别", "类别", "category"),
    "exam_date": ("考试日期", "exam_date"),
    "score": ("成绩", "分数", "score"),
    "passed": ("是否合格", "考试结果", "passed"),
}
"""The columns of the exam centre's file (Chinese or English headers, in any order)."""
PASSED = {"合格": True, "是": True, "通过": True, "pass": True, "passed": True, "yes": True, "1": True}
FAILED = {
    "不合格": False,
    "否": False,
    "未通过": False,
    "fail": False,
    "failed": False,
    "no": False,
    "0": False,
}
EARLIEST = dt.date(1990, 1, 1)
TEMPLATE = (
    "身份证号码,姓名,考试类别,考试日期,成绩,是否合格\r\n"
    "370102199003071238,张三,经营性道路旅客运输驾驶员,2026-03-01,92,合格\r\n"
)
"""The file to download and fill in (UTF-8 with a byte-order mark, so Excel reads the Chinese)."""
SOURCE_ENTERED, SOURCE_IMPORTED = "entered", "imported"


@dataclass(frozen=True)
class CheckedResult:
    """A result whose every field passed its check."""

    id_number: str
    name: str
    category: int
    exam_date: dt.date
    score: int
    passed: bool


def _passed(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    text = normalize(value).lower()
    return True if text in PASSED else False if text in FAILED else None


@dataclass(frozen=True)
class Check:
    """The result checked (``None`` with any problem) and every problem, by field, as a catalogue
    code with its parameters."""

    result: CheckedResult | None
    errors: dict[str, str]
    params: dict[str, dict[str, object]]


def check_result(raw: Mapping[str, object], today: dt.date) -> Check:
    """Check the result in ``raw`` (cells or form fields, by the keys of :data:`COLUMNS`)."""
    errors: dict[str, str] = {}
    params: dict[str, dict[str, object]] = {}
    values: dict[str, Any] = {}
    for key in COLUMNS:
        if not normalize(raw.get(key)) and not isinstance(raw.get(key), bool):
            errors[key] = "required"
    if "id_number" not in errors:
        try:
            values["id_number"] = clean_holder_id(normalize(raw["id_number"]), today=today)
        except FactsError as exc:
            errors["id_number"] = exc.code
    if "name" not in errors:
        try:
            values["name"] = clean_holder_name(normalize(raw["name"]))
        except FactsError as exc:
            errors["name"] = exc.code
    if "category" not in errors:
        try:
            categories = parse_categories(raw["category"])
        except ValueError as exc:
            errors["category"] = "unknown_category"
            params["category"] = {"value": str(exc)}
        else:
            if len(categories) != 1:
                errors["category"] = "one_category"
            elif CATEGORIES_BY_CODE[categories[0]].legacy:
                errors["category"] = "legacy_category"
            else:
                values["category"] = categories[0]
    if "exam_date" not in errors:
        try:
            day = parse_date(raw["exam_date"])
        except (ValueError, OverflowError):
            errors["exam_date"] = "invalid_date"
        else:
            if day > today:
                errors["exam_date"] = "in_the_future"
            elif day < EARLIEST:
                errors["exam_date"] = "too_early"
            else:
                values["exam_date"] = day
    if "score" not in errors:
        text = normalize(raw["score"])
        if not (text.isascii() and text.isdigit() and 0 <= int(text) <= 100):
            errors["score"] = "invalid_score"
        else:
            values["score"] = int(text)
    if "passed" not in errors:
        passed = _passed(raw["passed"])
        if passed is None:
            errors["passed"] = "invalid_passed"
        else:
            values["passed"] = passed
    return Check(None if errors else CheckedResult(**values), errors, params)


@dataclass
class Saved:
    """What was stored: results new and updated (an import that failed stores none) and the
    problems of a file, by row."""

    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)


def _store(
    session: Session, actor: Staff, results: list[CheckedResult], *, source: str, at: dt.datetime, reason: str
) -> Saved:
    keys = [(r.id_number, r.category, r.exam_date) for r in results]
    stored = {
        (e.id_number, e.category, e.exam_date): e
        for e in (
            session.scalars(
                select(ExamResult).where(
                    tuple_(ExamResult.id_number, ExamResult.category, ExamResult.exam_date).in_(keys)
                )
            )
            if keys
            else ()
        )
    }
    saved = Saved()
    events: list[dict[str, Any]] = []
    for result in results:
        after = {
            "category": result.category,
            "exam_date": result.exam_date.isoformat(),
            "score": result.score,
            "passed": result.passed,
            "source": source,
        }
        existing = stored.get((result.id_number, result.category, result.exam_date))
        before = None
        if existing is None:
            session.add(
                ExamResult(
                    id_number=result.id_number,
                    name=result.name,
                    category=result.category,
                    exam_date=result.exam_date,
                    score=result.score,
                    passed=result.passed,
                    source=source,
                    recorded_by=actor.username,
                    recorded_at=at,
                )
            )
            saved.created += 1
        else:
            before = {"name": existing.name, "score": existing.score, "passed": existing.passed}
            existing.name, existing.score, existing.passed = result.name, result.score, result.passed
            existing.source, existing.recorded_by, existing.recorded_at = source, actor.username, at
            saved.updated += 1
        events.append(
            {
                "actor": actor.username,
                "action": "exam_result.update" if before else "exam_result.create",
                "target_type": "practitioner",
                "target_id": result.id_number,
                "authority": actor.authority.credit_code,
                "reason": reason,
                "before": before,
                "after": after,
            }
        )
    record_many(session, events, at=at)
    session.flush()
    return saved


def enter(session: Session, clock: Clock, actor: Staff, raw: Mapping[str, object]) -> Saved:
    """Store one result typed by staff (every problem at once: :class:`InvalidFields`); the same
    person, category and exam date again updates it."""
    with step(session):
        access.require_exam_results(actor, action="exam_result.create", target=("exam_result", "entry"))
        checked = check_result(raw, clock.today())
        if checked.result is None:
            raise InvalidFields(checked.errors)
        return _store(
            session, actor, [checked.result], source=SOURCE_ENTERED, at=clock.now(), reason="entered"
        )


def import_file(session: Session, clock: Clock, actor: Staff, filename: str, data: bytes) -> Saved:
    """Import the exam centre's CSV (UTF-8, with or without a byte-order mark, or GBK/GB18030) or
    XLSX file, all or nothing: with any problem nothing is stored and every problem is returned.
    A file that cannot be read as a whole raises :class:`~app.services.spreadsheet.SpreadsheetError`."""
    with step(session):
        access.require_exam_results(actor, action="exam_result.import", target=("file", filename[:200]))
        today = clock.today()
        errors: list[RowError] = []
        results: list[CheckedResult] = []
        seen: dict[tuple[str, int, dt.date], int] = {}
        for row, cells in read_table(filename, data, COLUMNS, tuple(COLUMNS)):
            check = check_result(cells, today)
            for key, code in check.errors.items():
                errors.append(RowError(row, COLUMNS[key][0], MESSAGES[code], check.params.get(key, {})))
            checked = check.result
            if checked is None:
                continue
            exam = (checked.id_number, checked.category, checked.exam_date)
            if exam in seen:
                errors.append(
                    RowError(row, COLUMNS["id_number"][0], MESSAGES["same_exam_twice"], {"row": seen[exam]})
                )
                continue
            seen[exam] = row
            results.append(checked)
        if errors:
            return Saved(errors=sorted(errors, key=lambda e: (e.row, e.column)))
        return _store(session, actor, results, source=SOURCE_IMPORTED, at=clock.now(), reason=filename[:200])


def search(id_number: str = "", *, limit: int = 100) -> Select[tuple[ExamResult]]:
    """The results of one ID number (any case, spaces ignored), or the latest recorded."""
    query = select(ExamResult)
    wanted = normalize(id_number).upper()
    if wanted:
        query = query.where(ExamResult.id_number == wanted)
    return query.order_by(ExamResult.recorded_at.desc(), ExamResult.id.desc()).limit(limit)
