"""Verification over HTTP under gunicorn: ``GET /v/<payload>`` and ``POST /api/v1/verify`` against
the "floor" (``bench/bare_app.py``: bare Flask doing only one P-256 verify and one status-row read)
served by the same gunicorn configuration, 64 concurrent keep-alive clients, in interleaved rounds.
Reports requests per second, p99 latency and the median ratio to the floor of the same round; a
bare ``/ping`` is measured too, as context."""

from __future__ import annotations

import http.client
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from .instance import seed
from .serve import THREADED, gunicorn, run_threads
from .table import Row

CLIENTS = 64
SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", "3"))
ROUNDS = 5


def _load(
    port: int, method: str, path: str, body: bytes | None, seconds: float = SECONDS
) -> tuple[float, float]:
    """(requests per second, p99 latency in ms) with CLIENTS threads for ``seconds``."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    headers = {"Content-Type": "application/json"} if body else {}

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.perf_counter() < stop:
            start = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path}: HTTP {response.status}")
            mine.append(time.perf_counter() - start)
        conn.close()
        with lock:
            latencies.extend(mine)

    elapsed = run_threads(client, CLIENTS)
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000
    return len(latencies) / elapsed, p99


def _prepare(folder: Path) -> tuple[dict[str, str], str]:
    """An instance with one issued certificate; returns (environment, presentation URL path)."""
    env = {
        **os.environ,
        "RTC_INSTANCE_PATH": str(folder),
        "RTC_RATELIMIT_ENABLED": "0",
        "RTC_LOG_JSON": "1",
        "RTC_PUBLIC_BASE_URL": "https://dzzz.jtt.example.gov.cn",
    }
    return env, seed(env).payload


TARGET = 0.8
"""The app's verification endpoints, as a fraction of the floor's rate in the same round."""


def _median(runs: list[tuple[float, float]], which: int) -> float:
    return statistics.median(run[which] for run in runs)


def _ratio(runs: list[tuple[float, float]], baseline: list[tuple[float, float]]) -> float:
    """The median over rounds of the rate of ``runs`` to the rate of ``baseline`` in that round."""
    return statistics.median(rate / base for (rate, _), (base, _) in zip(runs, baseline, strict=True))


def run() -> list[Row]:
    """Serve the app and the bare endpoints with the same gunicorn settings and load them."""
    with tempfile.TemporaryDirectory() as tmp:
        env, payload = _prepare(Path(tmp))
        with (
            gunicorn("wsgi:app", env, *THREADED) as (port, _),
            gunicorn("bench.bare_app:app", env, *THREADED) as (bare_port, _),
        ):
            targets = {
                "ping": (bare_port, "GET", "/ping", None),
                "floor": (bare_port, "GET", "/floor", None),
                "page": (port, "GET", f"/v/{payload}", None),
                "api": (port, "POST", "/api/v1/verify", json.dumps({"payload": payload}).encode()),
            }
            for target in targets.values():  # every worker booted and warm before measuring
                _load(*target, seconds=1)
            # Interleaved rounds, in reverse order every other round: the machine's speed drifts
            # (other work shares its two cores), so each ratio compares neighbours.
            runs: dict[str, list[tuple[float, float]]] = {name: [] for name in targets}
            for round_number in range(ROUNDS):
                order = list(targets) if round_number % 2 == 0 else list(reversed(targets))
                for name in order:
                    runs[name].append(_load(*targets[name]))
    floor = runs["floor"]
    baseline = f"floor {_median(floor, 0):,.0f}/s (p99 {_median(floor, 1):.0f} ms)"
    rows = []
    for name, label in (
        ("page", "GET /v/<payload> under gunicorn, 64 clients"),
        ("api", "POST /api/v1/verify under gunicorn, 64 clients"),
    ):
        ratio = _ratio(runs[name], floor)
        measured = (
            f"{_median(runs[name], 0):,.0f}/s, p99 {_median(runs[name], 1):.0f} ms"
            f" ({_ratio(runs[name], runs['ping']):.2f}x of /ping)"
        )
        rows.append(Row(label, measured, baseline, ratio, f">= {TARGET}x of floor", ratio >= TARGET))
    rows.append(
        Row(
            "floor: bare Flask + P-256 verify + status read",
            f"{_median(floor, 0):,.0f}/s, p99 {_median(floor, 1):.0f} ms",
            f"bare Flask /ping {_median(runs['ping'], 0):,.0f}/s (p99 {_median(runs['ping'], 1):.0f} ms)",
            _ratio(floor, runs["ping"]),
            "(context)",
        )
    )
    return rows
