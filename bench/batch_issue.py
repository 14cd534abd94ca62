"""Batch issuance on SQLite: 100,000 certificates from a CSV file (read, validated, signed, stored
in short transactions as pending, status index allocated, audit event written, published in one
step at the end: the batch job's own path), against a raw loop that signs the
same number of credential-sized messages and inserts them, in the same run."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import tempfile
import time
from pathlib import Path

from app import create_app
from app.cli.database import upgrade
from app.db import get_session
from app.models.enums import Role, ServiceItem
from app.services import authorities, batch_jobs
from app.services.container import issuing_context, services
from app.services.spreadsheet import read_rows
from signing import Purpose, id_check_char

from .table import Row

ROWS = int(os.environ.get("BENCH_BATCH_ROWS", "100000"))
TARGET = 0.25
"""Our rate as a fraction of the raw loop's (issue 9: at least a quarter)."""
ISSUER = "11370100MB00000007"


def id_numbers(count: int) -> list[str]:
    """``count`` distinct valid ID numbers of people about 40 years old (drivers must be under 60,
    so a window application for them meets its prerequisites)."""
    numbers = []
    day = dt.date(dt.date.today().year - 40, 1, 1)
    while len(numbers) < count:
        for seq in range(1, 1000, 7):
            first17 = f"370102{day:%Y%m%d}{seq:03d}"
            numbers.append(first17 + id_check_char(first17))
            if len(numbers) == count:
                break
        day += dt.timedelta(days=1)
    return numbers


def _ours(folder: Path, csv_bytes: bytes) -> float:
    url = f"sqlite:///{folder / 'batch.sqlite3'}"
    upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "KEYS_DIR": str(folder / "keys"),
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(folder / "instance"),
            "LOG_JSON": True,
        }
    )
    with app.app_context():
        session = get_session()
        body = authorities.create_authority(
            session, name="济南市交通运输局", credit_code=ISSUER, region_code="370100", level="city"
        )
        authorities.assign_item(session, "370100", ServiceItem.ISSUE, body)
        actor = authorities.create_staff(
            session,
            username="bench",
            display_name="bench",
            password="benchmark-only",
            authority=body,
            role=Role.AUTHORITY_ADMIN,
        )
        session.commit()
        context = issuing_context(app)
        context.keys.generate("EdDSA", Purpose.CERTIFICATE, now=1, issuer=ISSUER)
        start = time.perf_counter()
        parsed = read_rows("batch.csv", csv_bytes)
        job = batch_jobs.create(
            session, services(app).clock, actor, "batch.csv", csv_bytes, parsed, all_or_nothing=True
        )
        session.commit()
        batch_jobs.run(app, job.id, job.attempts, parsed=parsed)
        elapsed = time.perf_counter() - start
        session.refresh(job)
        refused = [o for o in job.outcomes if o["outcome"] != "issued"]
        assert (job.state, job.issued, refused) == ("done", ROWS, []), (job.state, job.failure, refused[:3])
    app.extensions["db_engine"].dispose()
    return elapsed


def _raw(folder: Path, numbers: list[str]) -> float:
    from signing import LocalKey

    key = LocalKey.generate("EdDSA", Purpose.CERTIFICATE, issuer=ISSUER)
    connection = sqlite3.connect(folder / "raw.sqlite3")
    connection.execute("CREATE TABLE signed (id INTEGER PRIMARY KEY, number TEXT, token BLOB)")
    start = time.perf_counter()
    batch = []
    for n, number in enumerate(numbers):
        message = json.dumps({"sub": number, "jti": n, "name": "张三明", "cat": [2]}).encode()
        batch.append((number, message + key.sign(message)))
        if len(batch) == 1000:
            connection.executemany("INSERT INTO signed (number, token) VALUES (?, ?)", batch)
            batch.clear()
    connection.executemany("INSERT INTO signed (number, token) VALUES (?, ?)", batch)
    connection.commit()
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def run() -> list[Row]:
    """Time both and compare."""
    numbers = id_numbers(ROWS)
    lines = ["身份证号码,姓名,从业资格类别"] + [f"{n},张三明,经营性道路货物运输驾驶员" for n in numbers]
    csv_bytes = ("\n".join(lines) + "\n").encode()
    with tempfile.TemporaryDirectory() as tmp:
        ours = _ours(Path(tmp), csv_bytes)
        raw = _raw(Path(tmp), numbers)
    ratio = (ROWS / ours) / (ROWS / raw)
    return [
        Row(
            f"batch issuance, {ROWS:,} certificates (SQLite)",
            f"{ours:.1f} s ({ROWS / ours:,.0f}/s)",
            f"raw sign+insert {raw:.1f} s ({ROWS / raw:,.0f}/s)",
            ratio,
            f">= {TARGET}x of raw",
            ratio >= TARGET,
        )
    ]
