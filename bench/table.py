"""One result row and the table they print as."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """A measurement, with its baseline from the same run and the target it is held to."""

    benchmark: str
    measured: str
    baseline: str = ""
    ratio: float | None = None
    target: str = ""
    passed: bool | None = None


def render(rows: list[Row]) -> str:
    """A plain-text table."""
    header = ("benchmark", "measured", "baseline (same run)", "ratio", "target", "ok")
    cells = [
        (
            r.benchmark,
            r.measured,
            r.baseline,
            "" if r.ratio is None else f"{r.ratio:.2f}x",
            r.target,
            "" if r.passed is None else ("yes" if r.passed else "NO"),
        )
        for r in rows
    ]
    widths = [max(len(str(c[i])) for c in [header, *cells]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), line]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(cell, widths, strict=True)) for cell in cells]
    return "\n".join(out)
