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
from dataclasses import dataclass
from typing import Any

from alembic import command
from flask import Flask
from sqlalchemy import Table, create_engine, insert, select, text
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


@dataclass(frozen=True)
class Snapshot:
    """The rows of the tables that held any (in the order they can be filled again) and the
    audit chain's head."""

    rows: list[tuple[Table, list[dict[str, Any]]]]
    head: dict[str, Any]

    @property
    def tables(self) -> list[Table]:
        """The tables with rows, in the order they can be emptied."""
        return [table for table, _ in reversed(self.rows)]


def snapshot(conn: Connection) -> Snapshot:
    """What the database holds now."""
    rows = []
    for table in Base.metadata.sorted_tables:
        if table.name != "audit_head":
            found = [dict(row) for row in conn.execute(select(table)).mappings()]
            if found:
                rows.append((table, found))
    head = dict(conn.execute(text("SELECT seq, hash FROM audit_head")).mappings().one())
    return Snapshot(rows, head)


def restore(conn: Connection, saved: Snapshot) -> None:
    """Make the database hold exactly ``saved`` again, ids included (on PostgreSQL the id
    sequences continue after the largest id restored)."""
    empty(conn)
    for table, rows in saved.rows:
        conn.execute(insert(table), rows)
        ids = [c for c in table.primary_key.columns if c is table.autoincrement_column]
        if ids and conn.dialect.name == "postgresql":
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence(:table, :column), :last)"),
                {"table": table.name, "column": ids[0].name, "last": max(row[ids[0].name] for row in rows)},
            )
    conn.execute(text("UPDATE audit_head SET seq = :seq, hash = :hash"), saved.head)


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
