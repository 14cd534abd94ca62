"""Reading certificate rows from CSV or XLSX files, reporting every problem by row and column.

Cells are normalised the way clerks' spreadsheets need: full-width digits and letters (NFKC),
surrounding spaces, Excel date serials and date cells, blank lines skipped. Headers may be in
Chinese or English.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

from signing import CATEGORIES

COLUMNS = {
    "id_number": ("身份证号码", "身份证号", "id_number"),
    "name": ("姓名", "name"),
    "categories": ("从业资格类别", "类别", "categories"),
    "valid_from": ("有效期起", "valid_from"),
}
REQUIRED = ("id_number", "name", "categories")
MAX_ROWS = 200_000
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_CATEGORY_NAMES = {
    **{c.name_zh: c.code for c in CATEGORIES},
    **{c.slug: c.code for c in CATEGORIES},
    **{str(c.code): c.code for c in CATEGORIES},
}
_SEPARATORS = ("；", ";", "、", "，", ",", "|", "/")


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark ``text`` for the catalog; it is translated when the message is shown."""
    return text


@dataclass(frozen=True)
class RowError:
    """One problem: the spreadsheet row (1 = header), the column, and what is wrong. ``message``
    is an English template (a translation key) filled from ``params``."""

    row: int
    column: str
    message: str
    params: dict[str, object] = field(default_factory=dict)

    def text(self, translate: Callable[[str], str] = str) -> str:
        """The message in the language ``translate`` gives."""
        return translate(self.message) % self.params


@dataclass
class ParsedRow:
    """A row whose cells are all readable."""

    row: int
    id_number: str
    name: str
    categories: list[int]
    valid_from: dt.date | None


@dataclass
class ParsedFile:
    """Readable rows and every problem found."""

    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class SpreadsheetError(Exception):
    """The file as a whole cannot be read (wrong type, no header, missing columns, too big)."""


def normalize(value: object) -> str:
    """A cell as clean text: NFKC (full-width → ASCII), trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def parse_date(value: object) -> dt.date:
    """A date from a date cell, an Excel serial number, or text like 2026-11-21 / 2026/11/21 /
    20261121 / 2026年11月21日."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = normalize(value)
    if text.isdigit() and len(text) <= 6:
        return _EXCEL_EPOCH + dt.timedelta(days=int(text))
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y.%m.%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_categories(value: object) -> list[int]:
    """Category codes from names, slugs or codes separated by 、 ; , and the like."""
    text = normalize(value)
    for separator in _SEPARATORS:
        text = text.replace(separator, ";")
    names = [part.strip() for part in text.split(";") if part.strip()]
    if not names:
        raise ValueError("empty")
    unknown = [name for name in names if name not in _CATEGORY_NAMES]
    if unknown:
        raise ValueError("、".join(unknown))
    return [_CATEGORY_NAMES[name] for name in names]


def _raw_rows(filename: str, data: bytes) -> Iterator[list[object]]:
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:
            raise SpreadsheetError("the file is not a readable .xlsx workbook") from exc
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
        book.close()
    elif suffix == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise SpreadsheetError("the CSV file is neither UTF-8 nor GB18030 text")
        yield from csv.reader(io.StringIO(text))
    else:
        raise SpreadsheetError("upload a .csv or .xlsx file")


def read_table(
    filename: str, data: bytes, columns: dict[str, tuple[str, ...]], required: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, object]]]:
    """(row number, cells by column key) for every non-blank row under the header; the header is
    the first non-blank row and may name the columns in any order."""
    header: list[str] | None = None
    raw_rows = enumerate(_raw_rows(filename, data), start=1)
    for _, raw in raw_rows:
        if any(normalize(cell) for cell in raw):
            header = [normalize(cell) for cell in raw]
            break
    if header is None:
        raise SpreadsheetError("the file is empty")
    positions: dict[str, int] = {}
    for key, names in columns.items():
        for index, title in enumerate(header):
            if title in names or title.lower() in names:
                positions[key] = index
    missing = [columns[key][0] for key in required if key not in positions]
    if missing:
        raise SpreadsheetError(f"missing columns: {'、'.join(missing)}")
    for count, (number, raw) in enumerate(raw_rows, start=1):
        if count > MAX_ROWS:
            raise SpreadsheetError(f"a file holds at most {MAX_ROWS} rows")
        cells = {key: raw[index] if index < len(raw) else None for key, index in positions.items()}
        if any(normalize(value) for value in cells.values()):
            yield number, cells


def read_rows(filename: str, data: bytes) -> ParsedFile:
    """Read every row of a CSV or XLSX file of certificates to issue: cells turned into values
    (categories, dates); the certificate rules are checked when the rows are planned."""
    parsed = ParsedFile()
    for number, cells in read_table(filename, data, COLUMNS, REQUIRED):
        errors = []
        id_number = normalize(cells["id_number"]).upper()
        name = normalize(cells["name"])
        try:
            categories = parse_categories(cells["categories"])
        except ValueError as exc:
            errors.append(
                RowError(
                    number,
                    COLUMNS["categories"][0],
                    N_("Unknown or empty category: %(value)s"),
                    {"value": str(exc)},
                )
            )
            categories = []
        valid_from = None
        if normalize(cells.get("valid_from")):
            try:
                valid_from = parse_date(cells["valid_from"])
            except ValueError:
                errors.append(RowError(number, COLUMNS["valid_from"][0], N_("Not a date.")))
        if errors:
            parsed.errors.extend(errors)
        else:
            parsed.rows.append(ParsedRow(number, id_number, name, categories, valid_from))
    return parsed
