"""CSV files for spreadsheet programs: a cell someone else typed never runs as a formula."""

from __future__ import annotations

import csv
import io

from app.services import csv_export


def test_cells_that_would_start_a_formula_are_text() -> None:
    out = io.StringIO()
    writer = csv_export.writer(out)
    writer.writerow(['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "张三", 7, "a=b", ""])
    text = out.getvalue()
    assert text.startswith("\ufeff")
    (row,) = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    assert row == ['\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)", "'\tx", "张三", "7", "a=b", ""]
