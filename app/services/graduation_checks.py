"""Checks of a graduation-certificate push: its metadata (every problem reported at once) and its
PDF (a real, readable, unencrypted PDF), and the configured training types."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from signing import FactsError, clean_holder_id, clean_holder_name, is_credit_code, sex_from_id

from .errors import DomainError, InvalidFields

NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$")
FIELDS = (
    "certificate_number",
    "student_id_number",
    "name",
    "sex",
    "training_type",
    "school_credit_code",
    "period_start",
    "period_end",
    "completed_on",
)


def training_types(setting: str) -> dict[str, str]:
    """``code:name,code:name`` (the ``TRAINING_TYPES`` setting) as {code: name}."""
    types = {}
    for item in setting.split(","):
        code, _, name = item.strip().partition(":")
        if code.strip():
            types[code.strip()] = name.strip() or code.strip()
    return types


FIELD_ERRORS = (
    "required",
    "not_a_string",
    "not_an_object",
    "invalid_json",
    "invalid_certificate_number",
    "id_number_shape",
    "id_number_birth_date",
    "id_number_birth_range",
    "id_number_check_character",
    "invalid_name",
    "invalid_name_characters",
    "invalid_sex",
    "sex_mismatch",
    "unknown_training_type",
    "invalid_credit_code",
    "credit_code_check_failed",
    "not_registered_for_school",
    "invalid_date",
    "in_the_future",
    "before_period_start",
)
"""Every code a field of a push can be refused with (the partner API documents the same list)."""


class NotPdf(DomainError):
    """The file is not a PDF at all (HTTP 415)."""

    code = "not_pdf"


class UnusablePdf(DomainError):
    """A PDF that cannot be used: ``encrypted_pdf`` or ``broken_pdf`` (HTTP 422)."""

    code = "broken_pdf"


@dataclass(frozen=True)
class Metadata:
    """Checked metadata of one graduation certificate."""

    certificate_number: str
    student_id_number: str
    name: str
    sex: str
    training_type: str
    school_credit_code: str
    period_start: dt.date
    period_end: dt.date
    completed_on: dt.date

    def canonical(self) -> str:
        """The metadata as canonical JSON (what the content hash covers)."""
        return json.dumps(asdict(self), sort_keys=True, default=str, ensure_ascii=False)


def _date(raw: Any) -> dt.date | None:
    if not isinstance(raw, str):
        return None
    try:
        return dt.date.fromisoformat(raw) if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw) else None
    except ValueError:
        return None


def parse_metadata(
    raw: Any, types: Mapping[str, str], today: dt.date, schools: Collection[str] | None = None
) -> Metadata:
    """Check every field and report all problems at once (:class:`InvalidFields`). ``schools``: the
    credit codes of the schools the sender may push for (a partner system: the schools it is
    registered for); ``None`` for the bureau's own imports, which may name any school."""
    if not isinstance(raw, dict):
        raise InvalidFields({"metadata": "not_an_object"})
    errors: dict[str, str] = {}
    text = {name: raw.get(name) for name in FIELDS}
    for name, value in text.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            errors[name] = "required"
        elif not isinstance(value, str):
            errors[name] = "not_a_string"
    value = {name: v.strip() for name, v in text.items() if isinstance(v, str)}
    if "certificate_number" not in errors and not NUMBER.match(value["certificate_number"]):
        errors["certificate_number"] = "invalid_certificate_number"
    # The same ID-number and name rules as every certificate (signing.CertificateFacts).
    for name, rule in (
        ("student_id_number", lambda text: clean_holder_id(text, today=today)),
        ("name", clean_holder_name),
    ):
        if name not in errors:
            try:
                value[name] = rule(value[name])
            except FactsError as exc:
                errors[name] = exc.code
    if "sex" not in errors:
        if value["sex"] not in ("M", "F"):
            errors["sex"] = "invalid_sex"
        elif "student_id_number" not in errors and value["sex"] != sex_from_id(value["student_id_number"]):
            errors["sex"] = "sex_mismatch"
    if "training_type" not in errors and value["training_type"] not in types:
        errors["training_type"] = "unknown_training_type"
    if "school_credit_code" not in errors:
        school = value["school_credit_code"]
        if not is_credit_code(school):
            shaped = is_credit_code(school, check_character=False)
            errors["school_credit_code"] = "credit_code_check_failed" if shaped else "invalid_credit_code"
        elif schools is not None and school not in schools:
            errors["school_credit_code"] = "not_registered_for_school"
    dates = {}
    for name in ("period_start", "period_end", "completed_on"):
        if name not in errors:
            parsed = _date(value[name])
            if parsed is None:
                errors[name] = "invalid_date"
            elif parsed > today:
                errors[name] = "in_the_future"
            else:
                dates[name] = parsed
    start = dates.get("period_start")
    for name in ("period_end", "completed_on"):
        if start and name in dates and dates[name] < start:
            errors[name] = "before_period_start"
    if errors:
        raise InvalidFields(errors)
    return Metadata(
        certificate_number=value["certificate_number"],
        student_id_number=value["student_id_number"],
        name=value["name"],
        sex=value["sex"],
        training_type=value["training_type"],
        school_credit_code=value["school_credit_code"],
        **dates,
    )


def check_pdf(path: Path) -> int:
    """The page count of a real, readable, unencrypted PDF; :class:`NotPdf` or
    :class:`UnusablePdf` otherwise. pypdf reads the file from disk as it needs it."""
    with path.open("rb") as stream:
        if not stream.read(1024).lstrip(b"\x00\t\n\r ").startswith(b"%PDF-"):
            raise NotPdf("the file is not a PDF")
        stream.seek(0)
        try:
            reader = PdfReader(stream, strict=False)
            if reader.is_encrypted:
                raise UnusablePdf("the PDF is encrypted", code="encrypted_pdf")
            pages = len(reader.pages)
            # the first page's content stream must parse too (its operators, not its images: a
            # text extraction decoded a 50 MB scan into memory)
            contents = reader.pages[0].get_contents()
            if contents is not None:
                _ = contents.operations
        except UnusablePdf:
            raise
        except (
            PyPdfError,
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
            IndexError,
            OSError,
            RecursionError,
        ) as exc:
            raise UnusablePdf(f"the PDF cannot be read: {exc}", code="broken_pdf") from None
    if pages < 1:
        raise UnusablePdf("the PDF has no pages", code="broken_pdf")
    return pages
