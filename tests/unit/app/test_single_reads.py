"""The engine for single reads (the live status of an online check): each statement sees what was
committed, begins no transaction, never waits for a writer, and goes away with the app's engine."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from app.db import make_engine, make_single_read_engine

PG_URL = os.environ.get("RTC_TEST_DATABASE_URL")


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'reads.sqlite3'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE entry (value INTEGER)")
        conn.exec_driver_sql("INSERT INTO entry VALUES (1)")
    return engine


def test_a_single_read_sees_each_commit_and_begins_no_transaction(engine: Engine) -> None:
    reads = make_single_read_engine(engine)
    with reads.connect() as conn:
        assert conn.exec_driver_sql("SELECT value FROM entry").scalar_one() == 1
        assert not conn.connection.dbapi_connection.in_transaction
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE entry SET value = 2")
    with reads.connect() as conn:
        assert conn.exec_driver_sql("SELECT value FROM entry").scalar_one() == 2


def test_a_single_read_does_not_wait_for_a_writer_nor_see_its_work(engine: Engine) -> None:
    reads = make_single_read_engine(engine)
    with engine.begin() as writer:  # BEGIN IMMEDIATE: holds SQLite's write lock until the end
        writer.exec_driver_sql("UPDATE entry SET value = 3")
        with reads.connect() as conn:
            assert conn.exec_driver_sql("SELECT value FROM entry").scalar_one() == 1
    with reads.connect() as conn:
        assert conn.exec_driver_sql("SELECT value FROM entry").scalar_one() == 3


def test_disposing_the_engine_disposes_its_single_read_engine(engine: Engine) -> None:
    reads = make_single_read_engine(engine)
    with reads.connect() as conn:
        conn.exec_driver_sql("SELECT value FROM entry")
    assert reads.pool.checkedin() == 1
    engine.dispose()
    assert reads.pool.checkedin() == 0


def test_an_in_memory_database_is_read_through_its_own_engine() -> None:
    engine = make_engine("sqlite://")
    assert make_single_read_engine(engine) is engine


def test_a_single_read_leaves_no_transaction_open(database_url: str) -> None:
    engine = make_engine(database_url)
    reads = make_single_read_engine(engine)
    try:
        with reads.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1
            raw: Any = conn.connection.dbapi_connection
            if PG_URL:  # autocommit: no BEGIN before, no ROLLBACK needed after
                assert raw.info.transaction_status.name == "IDLE"
            else:  # no BEGIN was sent
                assert raw.in_transaction is False
    finally:
        engine.dispose()
