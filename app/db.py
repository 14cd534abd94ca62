"""The database: one engine per app, one session per request (or CLI command).

Services receive the session as an argument; views get it from :func:`get_session`.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Table, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


class Base(DeclarativeBase):
    """Base class of every model."""

    if TYPE_CHECKING:  # every model is declared with its own table, so Core statements may take it
        __table__: ClassVar[Table]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(WRITE_WAIT * 1000)}")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL, a busy timeout and immediate
    transactions."""
    sqlite = url.startswith("sqlite")
    # A server connection can drop while pooled, so it is checked on checkout; a file cannot.
    # hide_parameters: a database error's message and traceback never carry the bound values
    # (ID numbers, names) into a log.
    engine = create_engine(url, pool_pre_ping=not sqlite, hide_parameters=True)
    if sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _begin_immediate)
    return engine


def make_single_read_engine(engine: Engine) -> Engine:
    """An engine beside ``engine`` for connections that each run one read and close: the
    statement is its own transaction and sees what was committed when it ran. No BEGIN and
    ROLLBACK surround it (on PostgreSQL: two round trips fewer), and on SQLite it is an engine of
    its own, without the listener that begins transactions (any engine-level listener makes
    SQLAlchemy dispatch events on every statement: 1.6 times the instructions of a read).
    Disposed with ``engine``."""
    if engine.dialect.name != "sqlite":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    if engine.url.database in (None, "", ":memory:"):  # a second engine would open another database
        return engine
    reads = create_engine(engine.url, hide_parameters=True)
    event.listen(reads, "connect", _sqlite_pragmas)  # no BEGIN: each statement commits itself
    event.listen(engine, "engine_disposed", lambda _engine: reads.dispose())
    return reads


WRITE_WAIT = 5.0
"""Seconds a SQLite writer waits for the write lock before "database is locked"."""
WRITE_POLL = 0.001
"""How often a waiting SQLite writer tries again."""


def _begin_immediate(connection: Any) -> None:
    # A writing transaction takes SQLite's write lock when it starts, so two writers queue
    # instead of one failing when it upgrades a read to a write. Read-only sessions (GET
    # requests) begin deferred and never block each other.
    if not connection.get_execution_options().get(WRITE_OPTION, True):
        connection.exec_driver_sql("BEGIN")
        return
    _take_write_lock(connection)


def _take_write_lock(connection: Any) -> None:
    """``BEGIN IMMEDIATE``, trying again every millisecond while another writer holds the lock.
    SQLite's own busy wait sleeps longer and longer (up to 100 ms between tries), so a writer
    that takes the lock back within a few milliseconds — a batch between two of its chunks —
    kept a waiting one out for seconds; polling this often, the waiting writer gets in."""
    raw: sqlite3.Connection = connection.connection.dbapi_connection
    raw.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + WRITE_WAIT
        while time.monotonic() < deadline:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                    raise
            time.sleep(WRITE_POLL)
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # the last try: "database is locked", as SQLAlchemy's
    finally:
        raw.execute(f"PRAGMA busy_timeout={int(WRITE_WAIT * 1000)}")


F = TypeVar("F", bound=Callable[..., Any])
WRITE_OPTION = "sqlite_write"
READ_METHODS = ("GET", "HEAD", "OPTIONS")


def begin_write(session: Session) -> None:
    """End any read transaction and start one that may write (on SQLite: with the write lock).
    Call it before writing from a read-only (GET) request."""
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={WRITE_OPTION: True})


def begin_read(session: Session) -> None:
    """Start the session's transaction as one that only reads (on SQLite: deferred, without the
    write lock), for a long read outside a request, such as checking a batch's rows."""
    session.connection(execution_options={WRITE_OPTION: False})


def read_only(view: F) -> F:
    """Mark a view that only reads although its method is not GET (e.g. a verification API)."""
    view.read_only = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    """Create the engine and session factory and close the request's session at teardown."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    read_engine = engine.execution_options(**{WRITE_OPTION: False})
    app.extensions["db_read_sessionmaker"] = sessionmaker(read_engine, expire_on_commit=False)
    app.extensions["db_read_engine"] = make_single_read_engine(engine)

    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.close()


def get_session() -> Session:
    """The current request's (or command's) session: read-only requests get one whose SQLite
    transactions begin deferred (see :func:`begin_write`)."""
    if "db_session" not in g:
        read_only = has_request_context() and (
            request.method in READ_METHODS
            or getattr(current_app.view_functions.get(request.endpoint or ""), "read_only", False)
        )
        maker = "db_read_sessionmaker" if read_only else "db_sessionmaker"
        g.db_session = current_app.extensions[maker]()
    session: Session = g.db_session
    return session


def get_engine() -> Engine:
    """The app's engine."""
    engine: Engine = current_app.extensions["db_engine"]
    return engine


def get_read_engine() -> Engine:
    """The app's engine for single reads outside the request's session (one statement a
    connection, seeing what was committed: see :func:`make_single_read_engine`)."""
    engine: Engine = current_app.extensions["db_read_engine"]
    return engine
