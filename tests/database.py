"""The test database: one per test process, a test's work kept in one transaction that is rolled
back, and the app's sessions bound to that transaction.

Each pytest-xdist worker gets its own database (SQLite: a file in the worker's temporary folder;
PostgreSQL: ``<name>_<worker>`` created next to the database ``RTC_TEST_DATABASE_URL`` names, and
dropped at the end). A test runs on one connection inside an outer transaction; the app's session
factories are bound to it with ``join_transaction_mode="create_savepoint"``, so a session's commit
releases a savepoint, request sessions and the test's own session see each other's work, and the
rollback at the end of the test removes all of it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from alembic import command
from flask import Flask
from sqlalchemy import Table, create_engine, select, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import sessionmaker

from app.cli.database import alembic_config, upgrade
from app.models import Base
from app.models.audit import GENESIS_HASH


@contextmanager
def worker_database(url: str, worker: str | None) -> Iterator[str]:
    """A PostgreSQL database for one test process: ``url``'s own database when the tests run in a
    single process (its schema is dropped first), else ``<name>_<worker>``, created afresh beside
    it and dropped at the end. Migrated to the newest revision, migrated down at the end."""
    if worker is None:
        _drop_schema(url)
        own = url
    else:
        base = make_url(url)
        name = f"{base.database}_{worker}"
        own = base.set(database=name).render_as_string(hide_password=False)
        _create_database(url, name)
    upgrade(own)
    try:
        yield own
    finally:
        command.downgrade(alembic_config(own), "base")
        if worker is not None:
            _drop_database(url, name)


def _admin(url: str) -> Engine:
    return create_engine(url, isolation_level="AUTOCOMMIT")


def _drop_schema(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _create_database(url: str, name: str) -> None:
    engine = _admin(url)
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()


def _drop_database(url: str, name: str) -> None:
    engine = _admin(url)
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


def empty(conn: Connection, tables: Sequence[Table] | None = None) -> None:
    """Delete the rows of ``tables`` (in an order the foreign keys allow), or of every table, in
    ``conn``'s transaction, and put the audit chain's head back to its genesis. Every table on
    PostgreSQL is truncated and its id sequences start again, so rows made again get the same
    ids (SQLite reuses the ids of deleted rows by itself)."""
    if tables is None:
        tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name != "audit_head"]
        if conn.dialect.name == "postgresql":
            names = ", ".join(conn.dialect.identifier_preparer.format_table(t) for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
            tables = []
    for table in tables:
        conn.execute(table.delete())
    conn.execute(text("UPDATE audit_head SET seq = 0, hash = :h"), {"h": GENESIS_HASH})


def filled_tables(conn: Connection) -> list[Table]:
    """The tables that hold rows (besides the audit chain's head), in the order they can be
    emptied."""
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name != "audit_head"]
    return [t for t in tables if conn.execute(select(t).limit(1)).first() is not None]


class _SharedConnection:
    """Stands in for the app's read engine while a test is bound: ``connect()`` hands out the
    test's connection (left open), so reads outside the ORM session see the test's work too."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        yield self._connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection.engine, name)


SESSION_FACTORIES = ("db_sessionmaker", "db_read_sessionmaker")
BOUND = (*SESSION_FACTORIES, "db_read_engine")


@contextmanager
def bound(app: Flask, connection: Connection) -> Iterator[None]:
    """Bind ``app``'s session factories (the writing and the reading one) and its read engine to
    ``connection``, whose transaction the test owns; put the app's own back afterwards."""
    extensions = app.extensions
    saved = {name: extensions[name] for name in BOUND}
    for name in SESSION_FACTORIES:
        extensions[name] = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
    extensions["db_read_engine"] = _SharedConnection(connection)
    try:
        yield
    finally:
        extensions.update(saved)
