"""Serving an app for a benchmark under gunicorn, and running client threads against it."""

from __future__ import annotations

import base64
import http.client
import json
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlencode

# Every setting is on the command line: ``--config python:bench`` names a module that sets none,
# so no gunicorn.conf.py of the current folder (``make run``'s access log) applies.
GUNICORN = [
    sys.executable,
    "-m",
    "gunicorn",
    "--config",
    "python:bench",
    "--log-level",
    "warning",
    "--timeout",
    "120",
]
THREADED = ["--workers", "2", "--worker-class", "gthread", "--threads", "8"]
"""The setting every HTTP benchmark serves with (2 cores: a process each, threads for waits)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int) -> None:
    """Return once something accepts connections on ``port`` (RuntimeError after 10 s)."""
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("gunicorn did not start")


def run_threads(target: Callable[[], None], count: int) -> float:
    """Seconds for ``count`` threads each running ``target`` to finish."""
    threads = [threading.Thread(target=target) for _ in range(count)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


@contextmanager
def gunicorn(app: str, env: dict[str, str], *options: str) -> Iterator[tuple[int, int]]:
    """Serve ``app`` (``module:name``) with gunicorn and ``options``; yields (port, master pid)
    once it accepts connections, and stops it afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [*GUNICORN, *options, "--bind", f"127.0.0.1:{port}", app],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port)
        yield port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def concurrently(count: int, worker: Callable[[], Callable[[int], None]], threads: int) -> float:
    """Seconds for ``threads`` threads to do items 0..count-1; each thread makes its own
    ``worker()`` (its connection) and takes the next item until none is left. The first failure
    of any thread is raised again once all have stopped."""
    items: queue.SimpleQueue[int] = queue.SimpleQueue()
    for item in range(count):
        items.put(item)
    failures: list[BaseException] = []

    def thread() -> None:
        try:
            do = worker()
            while True:
                try:
                    item = items.get_nowait()
                except queue.Empty:
                    return
                do(item)
        except BaseException as exc:  # noqa: BLE001 - raised again in the main thread after the join
            failures.append(exc)

    elapsed = run_threads(thread, threads)
    if failures:
        raise failures[0]
    return elapsed


def partner_token(port: int, client_id: str, secret: str, scope: str) -> str:
    """An access token with ``scope`` from the service's ``/oauth/token`` on ``port``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    conn.request(
        "POST",
        "/oauth/token",
        body=urlencode({"grant_type": "client_credentials", "scope": scope}),
        headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    response = conn.getresponse()
    data = response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"/oauth/token: HTTP {response.status} {data[:300]!r}")
    return str(json.loads(data)["access_token"])
