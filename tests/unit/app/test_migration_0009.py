"""Migration 0009 on data: graduation certificates get their first owner on every revision (a number a
partner pushed over a backfill goes back to the bureau), ``received_by`` comes from the audit log,
partner systems start with no schools; and it goes down again. On SQLite, and on a scratch PostgreSQL
database beside ``RTC_TEST_DATABASE_URL`` when it is set."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, make_url

from app.cli.database import alembic_config

PG_URL = os.environ.get("RTC_TEST_DATABASE_URL")
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", "postgresql"] if PG_URL else ["sqlite"])
def scratch_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own (the suite's database stays at the newest revision): SQLite
    always, PostgreSQL too in the PostgreSQL run (CI runs both)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm0009.sqlite3'}"
        return
    assert PG_URL
    base = make_url(PG_URL)
    name = f"{base.database}_m0009_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _insert(conn: Connection, table: str, **values: object) -> None:
    columns = ", ".join(values)
    conn.execute(
        text(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + k for k in values)})"), values
    )


def _certificate(
    conn: Connection, id_: int, number: str, revision: int, current: bool, pushed_by: int | None
) -> None:
    _insert(
        conn,
        "graduation_certificate",
        id=id_,
        number=number,
        revision=revision,
        current=current,
        practitioner_id=1,
        name="张三明",
        sex="M",
        training_type="A2",
        school_credit_code="52370100MJD0000012",
        school_known=False,
        region_code=None,
        period_start=dt.date(2025, 3, 1),
        period_end=dt.date(2025, 6, 30),
        completed_on=dt.date(2025, 6, 30),
        pdf_sha256="a" * 64,
        pdf_bytes=100,
        content_sha256=f"{id_:064d}",
        pushed_by=pushed_by,
        source="push" if pushed_by else "backfill",
        received_at=NOW,
    )


def _audit(conn: Connection, seq: int, actor: str, action: str, target: str) -> None:
    _insert(
        conn,
        "audit_event",
        seq=seq,
        occurred_at=NOW,
        actor=actor,
        action=action,
        target_type="graduation_certificate",
        target_id=target,
        prev_hash=f"{seq - 1:064d}",
        hash=f"{seq:064d}",
    )


def test_owners_and_receivers_of_existing_certificates(scratch_url: str) -> None:
    config = alembic_config(scratch_url)
    command.upgrade(config, "0008")
    engine = create_engine(scratch_url)
    with engine.begin() as conn:
        _insert(
            conn,
            "practitioner",
            id=1,
            id_number="370102199003071238",
            name="张三明",
            sex="M",
            birth_date=dt.date(1990, 3, 7),
        )
        for id_, client_id in ((1, "p-aaaaaaaaaaaaaaaa"), (2, "p-bbbbbbbbbbbbbbbb")):
            _insert(
                conn,
                "partner_client",
                id=id_,
                client_id=client_id,
                name=f"平台{id_}",
                secret_hash="x",
                scopes="graduation:write",
                active=True,
                created_at=NOW,
                secret_set_at=NOW,
            )
        _certificate(conn, 1, "PUSHED", 1, True, pushed_by=1)  # partner A's own
        _audit(conn, 1, "partner:p-aaaaaaaaaaaaaaaa", "graduation.receive", "PUSHED#1")
        _certificate(conn, 2, "TAKEN", 1, False, pushed_by=None)  # backfilled, then B pushed over it
        _audit(conn, 2, "cli:backfill", "graduation.receive", "TAKEN#1")
        _certificate(conn, 3, "TAKEN", 2, True, pushed_by=2)
        _certificate(conn, 4, "OLD", 1, True, pushed_by=None)  # no audit event found
        _audit(conn, 3, "someone", "graduation.pdf", "OLD#1")  # an event of another kind

    command.upgrade(config, "0009")

    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT number, revision, owner, received_by FROM graduation_certificate ORDER BY id")
        ).all()
        assert [tuple(row) for row in rows] == [
            ("PUSHED", 1, "p-aaaaaaaaaaaaaaaa", "partner:p-aaaaaaaaaaaaaaaa"),
            ("TAKEN", 1, "bureau", "cli:backfill"),
            ("TAKEN", 2, "bureau", "partner:p-bbbbbbbbbbbbbbbb"),
            ("OLD", 1, "bureau", "unknown"),
        ]
        assert conn.execute(text("SELECT count(*) FROM partner_school")).scalar() == 0
    columns = {c["name"]: c for c in inspect(engine).get_columns("graduation_certificate")}
    assert not columns["owner"]["nullable"] and not columns["received_by"]["nullable"]

    command.downgrade(config, "0008")
    inspector = inspect(engine)
    assert "partner_school" not in inspector.get_table_names()
    assert {"owner", "received_by"}.isdisjoint(
        c["name"] for c in inspector.get_columns("graduation_certificate")
    )
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM graduation_certificate")).scalar() == 4
    engine.dispose()
