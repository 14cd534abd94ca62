"""Everyone else while a 100,000-row batch runs (issue 10, item 11): the app served by gunicorn
(2 gthread workers × 8 threads) while ``flask certificates batch`` issues the batch in another
process, as an administrator would start it. Four clients, each a person at a desk or a phone
(a request, then 0.2 s), time what they do until the batch ends:

- sign-in: ``POST /admin/login`` (password check, lockout row, session);
- single issue: ``POST /admin/applications/new?item=issue`` (the window intake form, accepted and
  concluded at once, signed in);
- partner push: ``POST /api/v1/graduation-certificates`` (a small PDF, a bearer token);
- verification: ``GET /v/<payload>``.

The longest wait of each is reported against the target of 1 s, beside the longest wait of the
same clients for five seconds before the batch starts (what the machine gives without it).
SQLite always; PostgreSQL too when ``BENCH_PG_URL`` names an empty database to use (its schema
is replaced).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from .batch_issue import id_numbers
from .graduation_ingest import make_pdf, metadata, multipart
from .instance import PASSWORD, databases, empty_database, seed
from .serve import THREADED, gunicorn
from .table import Row

ROWS = int(os.environ.get("BENCH_CONTENTION_ROWS", "100000"))
TARGET = 1.0
THINK = 0.2
QUIET = 5.0
"""Seconds the same clients run before the batch starts (the baseline)."""
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Browser:
    """A keep-alive connection with its cookies."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> str:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=sent)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        if response.status >= 400:
            raise RuntimeError(f"{method} {path}: HTTP {response.status}")
        return text

    def form(self, path: str, fields: dict[str, str | list[str]]) -> float:
        """Fill the form at ``path`` (its CSRF token) and post it; the post's duration."""
        match = TOKEN.search(self.request("GET", path))
        assert match, f"no CSRF token on {path}"
        body = urlencode({"csrf_token": match.group(1), **fields}, doseq=True).encode()
        start = time.perf_counter()
        self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
        return time.perf_counter() - start


def _clients(port: int, client_id: str, secret: str, payload: str) -> dict[str, Callable[[int], float]]:
    signer, clerk, phone, partner = Browser(port), Browser(port), Browser(port), Browser(port)
    clerk.form("/admin/login", {"username": "bench", "password": PASSWORD})
    token_body = urlencode({"grant_type": "client_credentials", "scope": "graduation:write"}).encode()
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    token = json.loads(
        partner.request(
            "POST",
            "/oauth/token",
            token_body,
            {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
        )
    )["access_token"]
    singles = iter(id_numbers(ROWS + 10_000)[ROWS:])

    def sign_in(_: int) -> float:
        signer.cookies.clear()
        return signer.form("/admin/login", {"username": "bench", "password": PASSWORD})

    def issue(_: int) -> float:
        fields: dict[str, str | list[str]] = {"id_number": next(singles), "name": "窗口", "categories": ["9"]}
        window = {"phone": "13800138000", "fast": "1", "confirm": "y"}
        return clerk.form("/admin/applications/new?item=issue", {**fields, **window})

    def push(n: int) -> float:
        body, content_type = multipart(metadata(f"BENCH{n:08d}"), make_pdf(f"{n}", os.urandom(4096), 64))
        start = time.perf_counter()
        partner.request(
            "POST",
            "/api/v1/graduation-certificates",
            body,
            {"Authorization": f"Bearer {token}", "Content-Type": content_type},
        )
        return time.perf_counter() - start

    def verify(_: int) -> float:
        start = time.perf_counter()
        phone.request("GET", f"/v/{payload}")
        return time.perf_counter() - start

    return {"sign-in": sign_in, "single issue": issue, "partner push": push, "verification": verify}


def _measure(folder: Path, database_url: str | None) -> tuple[dict[str, tuple[float, float, int]], float]:
    """(for each kind of request: its longest wait without a batch, its longest wait and count
    beside the batch; the batch's duration)."""
    env = {
        **os.environ,
        "RTC_INSTANCE_PATH": str(folder),
        "RTC_RATELIMIT_ENABLED": "0",
        "RTC_LOG_JSON": "1",
        "RTC_PUBLIC_BASE_URL": "https://dzzz.jtt.example.gov.cn",
    }
    if database_url:
        env["RTC_DATABASE_URL"] = database_url
        empty_database(database_url)
    seeded = seed(env)
    upload = folder / "batch.csv"
    lines = [f"{n},张三明,经营性道路货物运输驾驶员" for n in id_numbers(ROWS)]
    upload.write_text("身份证号码,姓名,从业资格类别\n" + "\n".join(lines) + "\n", encoding="utf-8")
    with gunicorn("wsgi:app", env, *THREADED) as (port, _):
        clients = _clients(port, seeded.client_id, seeded.secret, seeded.payload)
        quiet_until = time.monotonic() + QUIET
        alone = _desks(clients, lambda: time.monotonic() < quiet_until)
        started = time.perf_counter()
        with (folder / "batch.log").open("wb") as log:
            batch = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "flask",
                    "--app",
                    "wsgi",
                    "certificates",
                    "batch",
                    str(upload),
                    "--as",
                    "bench",
                ],
                env=env,
                stdout=log,
                stderr=log,
            )
            beside = _desks(clients, lambda: batch.poll() is None)
        duration = time.perf_counter() - started
        if batch.returncode != 0:
            raise RuntimeError(f"the batch failed: {(folder / 'batch.log').read_text()[-2000:]}")
    return {name: (max(alone[name]), max(times), len(times)) for name, times in beside.items()}, duration


def _desks(clients: dict[str, Callable[[int], float]], going: Callable[[], bool]) -> dict[str, list[float]]:
    """Each client in a thread of its own, a request then a pause, while ``going()``; the waits."""
    waits: dict[str, list[float]] = {name: [] for name in clients}

    def desk(name: str) -> None:
        n = 0
        while going() or not waits[name]:
            waits[name].append(clients[name](n))
            n += 1
            time.sleep(THINK)

    threads = [threading.Thread(target=desk, args=(name,)) for name in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return waits


def run() -> list[Row]:
    """Measure on SQLite (and PostgreSQL when ``BENCH_PG_URL`` is set)."""
    rows = []
    for label, url in databases():
        with tempfile.TemporaryDirectory() as tmp:
            longest, duration = _measure(Path(tmp), url)
        for name, (alone, wait, count) in longest.items():
            rows.append(
                Row(
                    f"{name} during a {ROWS:,}-row batch ({label})",
                    f"longest {wait * 1000:,.0f} ms of {count} (batch: {duration:.0f} s)",
                    f"without a batch: longest {alone * 1000:,.0f} ms",
                    None,
                    f"<= {TARGET:.0f} s",
                    wait <= TARGET,
                )
            )
    return rows
