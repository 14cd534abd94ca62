"""Rate-limit counters in a SQLite file: shared by every worker of the host, nothing extra to run.

The embedded default (``make run``: SQLite, two gunicorn workers) has no Redis, and counters kept in
each worker's memory would give every worker limits of its own (two workers: every limit doubled).
This store keeps the fixed-window counters of the ``limits`` library (which Flask-Limiter uses) in a
small SQLite file in the instance folder, ``sqlite:///<instance>/rate_limits.sqlite3``, which every
process of the host opens. It is a file of its own, not a table of the service's database: counting
a public check then never waits for the service database's write lock behind an issuance or a batch
(a check otherwise only reads), and the counters need neither migrations nor durability (the file is
written without syncing; a crash may forget a minute's counts). Services on several hosts share
their limits through Redis (``redis://…``).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from urllib.parse import urlsplit

from limits.storage import Storage

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS counter (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires REAL NOT NULL)"
)
INCREMENT = """
INSERT INTO counter (key, count, expires) VALUES (:key, :amount, :expires)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN counter.expires <= :now THEN excluded.count ELSE counter.count + excluded.count END,
    expires = CASE WHEN counter.expires <= :now THEN excluded.expires ELSE counter.expires END
RETURNING count
"""
PRUNE_EVERY = 1000
"""Expired counters are deleted once in this many increments."""


class SQLiteStorage(Storage):
    """A ``limits`` storage (fixed windows) in the SQLite file ``sqlite:///<path>`` names; one
    connection per thread and process, each statement its own transaction."""

    STORAGE_SCHEME = ["sqlite"]  # noqa: RUF012 - declared as a plain attribute by limits' Storage

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = urlsplit(uri).path.removeprefix("/")  # sqlite:///relative, sqlite:////absolute
        self._local = threading.local()
        self._increments = 0
        self._db().execute(SCHEMA)

    @property
    def base_exceptions(self) -> type[Exception]:
        """What a broken file raises."""
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        """This thread's connection (a new one after a fork: a connection never crosses processes)."""
        if getattr(self._local, "pid", None) != os.getpid():
            fresh = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            fresh.execute("PRAGMA journal_mode=WAL")
            fresh.execute("PRAGMA synchronous=OFF")
            self._local.connection, self._local.pid = fresh, os.getpid()
        connection: sqlite3.Connection = self._local.connection
        return connection

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add ``amount`` to the counter of ``key`` (a new window of ``expiry`` seconds if the last
        one ended) and return the new count."""
        now = time.time()
        self._increments += 1
        if self._increments % PRUNE_EVERY == 0:
            self._db().execute("DELETE FROM counter WHERE expires <= ?", (now,))
        row = (
            self._db()
            .execute(INCREMENT, {"key": key, "amount": amount, "expires": now + expiry, "now": now})
            .fetchone()
        )
        return int(row[0])

    def get(self, key: str) -> int:
        """The count of ``key`` in its current window (0 when none)."""
        row = (
            self._db()
            .execute("SELECT count FROM counter WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        """When the current window of ``key`` ends (now when there is none)."""
        now = time.time()
        row = (
            self._db()
            .execute("SELECT expires FROM counter WHERE key = ? AND expires > ?", (key, now))
            .fetchone()
        )
        return float(row[0]) if row else now

    def check(self) -> bool:
        """Whether the file can be read."""
        try:
            self._db().execute("SELECT 1 FROM counter LIMIT 1").fetchall()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every counter; the number forgotten."""
        return self._db().execute("DELETE FROM counter").rowcount

    def clear(self, key: str) -> None:
        """Forget the counter of ``key``."""
        self._db().execute("DELETE FROM counter WHERE key = ?", (key,))
