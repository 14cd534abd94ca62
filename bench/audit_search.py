"""The audit log page on a log of 100,000 events (issue 13): the time of one page of a search (the
newest page and a deep one, unfiltered and by each filter) and of the chain's verification a page
does (the newest ``CHAIN_WINDOW`` events recomputed).

The events are written through the audit service (hashed and chained as in production) into a
fresh database: SQLite always, PostgreSQL too when ``BENCH_PG_URL`` names an empty database to use
(its schema is replaced). They spread over a year, 20 authorities, 200 accounts and every action
the catalogue has words for, one in twenty refused. Measured only: the issue sets no new speed
target (a page of any search took well under 100 ms, and the chain's window under half a second,
on both databases with the machine shared).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app import create_app
from app.cli.database import upgrade
from app.db import get_session
from app.messages import EVENT_ACTIONS
from app.models.enums import Role
from app.services import audit_log, authorities
from app.services.audit import check_window, record_many
from app.services.audit_log import AuditSearch
from app.web.audit_pages import CHAIN_WINDOW

from .instance import databases, empty_database
from .table import Row

EVENTS = int(os.environ.get("BENCH_AUDIT_EVENTS", "100000"))
START = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
CODES = [f"1137{n:04d}MB0000000X" for n in range(20)]


def _database(folder: Path, url: str | None) -> str:
    if url is None:
        url = f"sqlite:///{folder / 'audit.sqlite3'}"
    else:
        empty_database(url)
    upgrade(url)
    return url


def _fill(session: Any, count: int) -> None:
    """``count`` events in chunks of 5,000, an hour or so apart in all."""
    chance = random.Random(13)
    actions = sorted(EVENT_ACTIONS)
    step = dt.timedelta(days=365) / count
    for first in range(0, count, 5000):
        events = []
        for n in range(first, min(first + 5000, count)):
            action = chance.choice(actions)
            events.append(
                {
                    "actor": f"staff{chance.randrange(200)}",
                    "action": f"{action}.refused" if chance.random() < 0.05 else action,
                    "target_type": "certificate",
                    "target_id": str(chance.randrange(50000)),
                    "authority": chance.choice(CODES),
                    "reason": "no_permission",
                    "after": {"n": n},
                }
            )
        record_many(session, events, at=START + step * first)
        session.commit()


def _time(call: Callable[[], Any], repeat: int = 5) -> float:
    """Median milliseconds of ``call``."""
    took = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        took.append((time.perf_counter() - started) * 1000)
    return statistics.median(took)


def _measure(folder: Path, url: str | None) -> dict[str, float]:
    url = _database(folder, url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "KEYS_DIR": str(folder / "keys"),
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(folder / "instance"),
        }
    )
    app.logger.setLevel("ERROR")
    results: dict[str, float] = {}
    with app.app_context():
        session = get_session()
        body = authorities.create_authority(
            session,
            name="省道路运输局",
            credit_code="11370000MB00000002",
            region_code="370000",
            level="province",
        )
        actor = authorities.create_staff(
            session,
            username="bench",
            display_name="bench",
            password="benchmark-only",
            authority=body,
            role=Role.PROVINCE_ADMIN,
        )
        session.commit()
        _fill(session, EVENTS)
        deep = EVENTS // 10
        searches = {
            "newest page": (AuditSearch(), None),
            "a deep page": (AuditSearch(), deep),
            "by authority": (AuditSearch(authority=CODES[3]), None),
            "by account": (AuditSearch(actor="staff7"), None),
            "by action, refused": (AuditSearch(action="certificate.suspend", outcome="refused"), None),
            "by target": (AuditSearch(target="4242"), None),
            "by a week in June": (AuditSearch(since=dt.date(2026, 6, 1), until=dt.date(2026, 6, 7)), None),
            "authority + action + month": (
                AuditSearch(
                    authority=CODES[5],
                    action="staff.create",
                    since=dt.date(2026, 3, 1),
                    until=dt.date(2026, 3, 31),
                ),
                None,
            ),
        }
        for label, (wanted, below) in searches.items():

            def page(wanted: AuditSearch = wanted, below: int | None = below) -> None:
                audit_log.search(session, actor, wanted, below=below)
                session.expunge_all()

            results[label] = _time(page)
        results["chain window"] = _time(lambda: check_window(session, size=CHAIN_WINDOW))
    return results


def run() -> list[Row]:
    """Measure on SQLite (and PostgreSQL when ``BENCH_PG_URL`` is set)."""
    rows = []
    for label, url in databases():
        with tempfile.TemporaryDirectory() as tmp:
            measured = _measure(Path(tmp), url)
        chain = measured.pop("chain window")
        slowest = max(measured, key=lambda k: measured[k])
        rows += [
            Row(
                f"audit log page on {EVENTS:,} events, slowest of {len(measured)} searches ({label})",
                f"{measured[slowest]:.1f} ms ({slowest})",
                ", ".join(f"{k} {v:.1f}" for k, v in measured.items() if k != slowest),
            ),
            Row(
                f"audit chain check of a page, newest {CHAIN_WINDOW:,} events ({label})",
                f"{chain:.0f} ms",
            ),
        ]
    return rows
