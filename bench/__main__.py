"""Run every benchmark and print the table; exit 1 if a target was missed."""

from __future__ import annotations

import sys

from . import (
    audit_search,
    batch_contention,
    batch_issue,
    browser_verify,
    graduation_ingest,
    http_verify,
    platform_ingest,
    platform_relay,
    qr_size,
    render,
    table,
    verify_rate,
)

BENCHMARKS = (
    qr_size,
    verify_rate,
    render,
    browser_verify,
    http_verify,
    batch_issue,
    batch_contention,
    graduation_ingest,
    platform_ingest,
    platform_relay,
    audit_search,
)


def main() -> int:
    """Run, print, and report missed targets through the exit code."""
    rows = [row for module in BENCHMARKS for row in module.run()]
    print(table.render(rows))
    missed = [row.benchmark for row in rows if row.passed is False]
    if missed:
        print(f"\nmissed targets: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
