"""CSV files people open in a spreadsheet program: UTF-8 with a BOM (so Excel reads the Chinese
right), and no cell that the program would run as a formula (a name or a reason typed by
someone else that starts with ``=``, ``+``, ``-`` or ``@`` is shown as text, not evaluated)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet program read a cell as a formula (OWASP's "CSV injection")."""


def as_text(value: object) -> object:
    """``value`` as a cell: text that would start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class Writer:
    """A :func:`csv.writer` whose cells pass through :func:`as_text`."""

    def __init__(self, stream: TextIO) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, cells: Iterable[Any]) -> None:
        """Write one row."""
        self._writer.writerow([as_text(cell) for cell in cells])


def writer(stream: TextIO, *, bom: bool = True) -> Writer:
    """A safe CSV writer on ``stream``, having written the BOM first (unless ``bom`` is false)."""
    if bom:
        stream.write(BOM)
    return Writer(stream)
