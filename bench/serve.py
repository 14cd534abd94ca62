"""Serving an app for a benchmark: a free local port, waiting until it answers, and running
client threads."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable


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
