"""The SQLite rate-limit store: one fixed-window counter per key, shared by every connection to the
file (every worker of a host), each window starting afresh once it has ended."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from app import rate_limit_store
from app.rate_limit_store import SQLiteStorage


def test_two_stores_on_one_file_share_a_limit(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'limits.sqlite3'}"
    first, second = storage_from_string(uri), storage_from_string(uri)
    assert isinstance(first, SQLiteStorage)
    limit = parse("3/minute")
    hits = [FixedWindowRateLimiter(store).hit(limit, "198.51.100.1") for store in (first, second) * 2]
    assert hits == [True, True, True, False]


def test_a_window_ends_and_counts_start_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_000_000.0]
    monkeypatch.setattr(rate_limit_store.time, "time", lambda: now[0])
    store = SQLiteStorage(f"sqlite:///{tmp_path / 'limits.sqlite3'}")
    assert [store.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert store.get("k") == 3 and store.get_expiry("k") == now[0] + 60
    now[0] += 60
    assert store.get("k") == 0 and store.get_expiry("k") == now[0]
    assert store.incr("k", 60) == 1
    store.clear("k")
    assert store.get("k") == 0
    store.incr("a", 60), store.incr("b", 60)
    assert store.reset() == 2 and store.check()


def test_threads_lose_no_count(tmp_path: Path) -> None:
    store = SQLiteStorage(f"sqlite:///{tmp_path / 'limits.sqlite3'}")

    def hit() -> None:
        for _ in range(50):
            store.incr("k", 60)

    threads = [threading.Thread(target=hit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.get("k") == 200
